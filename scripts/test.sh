#!/usr/bin/env bash
# The whole test suite, on SQLite and then on a real PostgreSQL server that this script
# starts in a temporary directory and stops afterwards. Run through `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
source scripts/lib.sh

ensure_chromium
ensure_postgres
ensure_gettext

echo "== ruff"
$BIN/ruff check satudata tests bench conftest.py

echo "== bandit"
# Config in pyproject.toml [tool.bandit]; each accepted finding has `# nosec BXXX  # reason`
# inline (docs/security.md). Bandit also warns "nosec encountered, but no failed test" for
# every sub-node of an f-string on a nosec line; that noise is filtered, nothing else.
$BIN/bandit -q -r satudata -c pyproject.toml 2> >(grep -v "but no failed test" >&2)

# The SQLite and the PostgreSQL passes are independent (each test has its own files and
# database), so they run side by side, one per core: the wall time is the longer pass, not
# the sum. Each pass writes its own log, printed whole when it ends.
LOGS=$(mktemp -d /tmp/satudata-test-logs.XXXXXX)
start_postgres
trap 'stop_postgres; rm -rf "$LOGS"' EXIT

echo "== pytest on SQLite and on PostgreSQL, side by side (logs in $LOGS)"
(SATUDATA_DATABASE_URL= $BIN/pytest "$@" >"$LOGS/sqlite.log" 2>&1; echo $? >"$LOGS/sqlite.rc") &
sqlite_pid=$!
(SATUDATA_DATABASE_URL="$PG_URL" $BIN/pytest "$@" >"$LOGS/postgres.log" 2>&1; echo $? >"$LOGS/postgres.rc") &
postgres_pid=$!
wait "$sqlite_pid" "$postgres_pid" || true

status=0
for pass in sqlite postgres; do
  echo "== pytest on $pass"
  cat "$LOGS/$pass.log"
  rc=$(cat "$LOGS/$pass.rc" 2>/dev/null || echo 1)
  [ "$rc" -eq 0 ] || status=$rc
done

if [ "$status" -ne 0 ]; then
  echo "FAILED: see the output above" >&2
fi
exit "$status"
