# Holdout: `make run` serves the app with a demo; `make test` runs every test.
# Only Python 3.11+ is needed; everything else goes into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PORT
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-postgres install install-dev migrate seed clean \
	admin user role users token reset-link import export metrics flask

help:
	@echo "make run     serve Holdout on http://127.0.0.1:$(PORT) with a demo competition"
	@echo "make test    run the test suite on SQLite, then on PostgreSQL"
	@echo "make migrate apply database migrations (alembic upgrade head)"
	@echo "make seed    add the demo data and print its credentials (idempotent)"
	@echo "make clean   remove caches (keeps .venv and instance/)"
	@echo "Accounts and data (the flask commands, run in .venv against the migrated database):"
	@echo "make admin NAME=ada                 create an admin (prompts for the password)"
	@echo "make user NAME=ada [ROLE=organizer] create a user (learner unless ROLE says)"
	@echo "make role NAME=ada ROLE=organizer   change a user's role"
	@echo "make users                          list the users"
	@echo "make token NAME=ada                 print a new API token for ada"
	@echo "make reset-link NAME=ada            print a one-time password reset link"
	@echo "make import BUNDLE=path             import a competition bundle (folder or .zip)"
	@echo "make export SLUG=digits DIR=path    export a competition as a bundle"
	@echo "make metrics                        list the scoring metrics"
	@echo "make flask ARGS='users --help'      any other flask --app wsgi command"

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

# The `flask --app wsgi ...` commands, from the virtualenv, after the migrations: they work as written
# on a fresh checkout (tests/test_readme.py runs every command the README names).
FLASK := $(BIN)/flask --app wsgi
need = $(if $($(1)),,$(error Set $(1), for example: make $@ $(1)=$(2)))

admin: migrate
	$(call need,NAME,ada)
	$(FLASK) users create "$(NAME)" --role admin

user: migrate
	$(call need,NAME,ada)
	$(FLASK) users create "$(NAME)" --role "$(or $(ROLE),learner)"

role: migrate
	$(call need,NAME,ada)
	$(call need,ROLE,organizer)
	$(FLASK) users set-role "$(NAME)" "$(ROLE)"

users: migrate
	$(FLASK) users list

token: migrate
	$(call need,NAME,ada)
	$(FLASK) tokens create "$(NAME)"

reset-link: migrate
	$(call need,NAME,ada)
	@# Links point at this server (PORT) unless HOLDOUT_BASE_URL names the public address.
	HOLDOUT_BASE_URL="$${HOLDOUT_BASE_URL:-http://127.0.0.1:$(PORT)}" $(FLASK) users reset-link "$(NAME)"

import: migrate
	$(call need,BUNDLE,path/to/bundle)
	$(FLASK) competitions import "$(BUNDLE)"

export: migrate
	$(call need,SLUG,digits)
	$(call need,DIR,exported)
	$(FLASK) competitions export "$(SLUG)" "$(DIR)"

metrics: install
	$(BIN)/python -m scoring metrics

flask: migrate
	$(FLASK) $(ARGS)
