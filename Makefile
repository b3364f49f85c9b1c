# Satu Data: `make run` serves the portal with the NTT demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint fuzz crash-trials screenshots bench bench-ingest bench-ckan bench-query bench-pages bench-load clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 atau lebih baru diperlukan")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/satudata migrate --noinput -v 1
	SATUDATA_SITE_URL=$${SATUDATA_SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/satudata demo
	$(BIN)/satudata serve --port $(PORT)

test: $(STAMP)
	bash scripts/test.sh

# Long fuzzing of the parsers: FUZZ_SECONDS (default 600) per atheris target; see docs/testing.md.
fuzz: $(STAMP)
	bash scripts/fuzz.sh

lint: $(STAMP)
	$(BIN)/ruff check satudata tests
	$(BIN)/ruff format --check satudata tests

bench: bench-ingest bench-ckan bench-query bench-pages

bench-ingest: $(STAMP)
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python bench/ingest.py

bench-query: $(STAMP)
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python bench/query.py

bench-ckan: $(STAMP)
	$(BIN)/python bench/ckan.py

bench-pages: $(STAMP)
	$(BIN)/python bench/pages.py

# Mixed load for LOAD_SECONDS (60) per configuration: `make run`'s server on SQLite, then the
# production configuration (gunicorn processes, workers, PostgreSQL from scripts/lib.sh).
# About 5 minutes with the demo loads, so not part of `make bench`; see docs/operations.md.
bench-load: $(STAMP)
	$(BIN)/python bench/load.py

# SIGKILL the web server and the worker while uploading, processing and publishing, then
# reconcile (scripts/crash_trials.py, docs/operations.md "Crash trials"). N trials (default 20);
# on a throwaway PostgreSQL cluster when the machine has its binaries, else on SQLite.
N ?= 20
crash-trials: $(STAMP)
	bash -c 'set -euo pipefail; source scripts/lib.sh; \
	  if PG_BIN=$$(find_pg_bin); then \
	    echo "== PostgreSQL"; start_postgres; trap stop_postgres EXIT; \
	    $(BIN)/python scripts/crash_trials.py -n $(N) --database-url "$$PG_URL"; \
	  else \
	    echo "== SQLite (no PostgreSQL binaries found)"; \
	    $(BIN)/python scripts/crash_trials.py -n $(N); \
	  fi'

screenshots: $(STAMP)
	bash scripts/screenshots.sh

clean:
	rm -rf $(VENV) var screenshots
