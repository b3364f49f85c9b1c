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

status=0
echo "== pytest on SQLite"
SATUDATA_DATABASE_URL= $BIN/pytest "$@" || status=$?

echo "== pytest on PostgreSQL"
start_postgres
trap stop_postgres EXIT
SATUDATA_DATABASE_URL="$PG_URL" $BIN/pytest "$@" || status=$?

if [ "$status" -ne 0 ]; then
  echo "FAILED: see the output above" >&2
fi
exit "$status"
