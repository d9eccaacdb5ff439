# Holdout: `make run` serves the app with a demo; `make test` runs every test.
# Only Python 3.11+ is needed; everything else goes into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PORT
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-postgres install install-dev migrate seed clean

help:
	@echo "make run     serve Holdout on http://127.0.0.1:$(PORT) with a demo competition"
	@echo "make test    run the test suite on SQLite, then on PostgreSQL"
	@echo "make migrate apply database migrations (alembic upgrade head)"
	@echo "make seed    add the demo data and print its credentials (idempotent)"
	@echo "make clean   remove caches (keeps .venv and instance/)"

# The venv, created once. pip is upgraded only then.
$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Holdout needs Python 3.11+; set PYTHON=python3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: pip runs again only when a requirements file is newer than its stamp.
$(VENV)/.requirements.stamp: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.requirements-dev.stamp: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.requirements.stamp

install: $(VENV)/.requirements.stamp
install-dev: $(VENV)/.requirements-dev.stamp

run: install
	@scripts/run.sh

migrate: install
	$(BIN)/alembic upgrade head

seed: migrate
	$(BIN)/flask --app wsgi demo seed

test: install-dev
	@scripts/test.sh $(PYTEST_ARGS)

test-sqlite: install-dev
	@HOLDOUT_TEST_PASSES=sqlite scripts/test.sh $(PYTEST_ARGS)

test-postgres: install-dev
	@HOLDOUT_TEST_PASSES=postgres scripts/test.sh $(PYTEST_ARGS)

clean:
	rm -rf .pytest_cache .hypothesis test-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
