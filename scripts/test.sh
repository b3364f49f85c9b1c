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
