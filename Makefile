# CAI Namur: the two promises are `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The address `make run` serves, given to every command: in development, the address in
# QR codes and in the links of messages (settings.CAI_PUBLIC_URL) defaults to it.
export CAI_DEV_SERVER := $(HOST):$(PORT)

.DEFAULT_GOAL := help
.PHONY: help install catalogs messages run migrate seed test test-fast lint format typecheck worker beat lock clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the pinned dependencies (with the dev tools)

# People-facing text (SMS, e-mails, letters, the public pages) in the person's language:
# the strings marked for_person() or person_text() (beneficiaries/contact_languages.py) and
# the public templates' (babel.cfg), one catalogue per language in locale/.
PYBABEL := $(VENV)/bin/pybabel
catalogs: install  ## Compile the translations of people-facing text (locale/*/LC_MESSAGES/django.mo)
	$(PYBABEL) -q compile --domain django --directory locale

messages: install  ## Extract the people-facing strings into locale/people.pot and each language's catalogue
	PYTHONPATH=. DJANGO_SETTINGS_MODULE= $(PYBABEL) -q extract --mapping-file babel.cfg \
		--no-default-keywords --keyword for_person --keyword person_text --no-location --sort-output \
		--project "CAI Namur" --copyright-holder "CAI Namur" \
		--ignore-dirs ".* _* var static test-artifacts bench tests" --output-file locale/people.pot .
	$(PYBABEL) -q update --domain django --input-file locale/people.pot --output-dir locale \
		--no-fuzzy-matching --ignore-obsolete

migrate: install catalogs  ## Apply database migrations
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input

seed: migrate  ## Load the demo data (demo logins are printed)
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo

run: seed  ## Install, migrate, load demo data and serve http://127.0.0.1:8000 (HOST, PORT)
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(CAI_DEV_SERVER)

test: install catalogs  ## Check migrations and run the whole test suite
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install catalogs  ## Tests without the browser
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

lint: install  ## ruff (lint and format check) and the import layers (import-linter)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: install  ## Reformat the code with ruff
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: install  ## mypy (django-stubs, check_untyped_defs) on every app
	DJANGO_DEBUG=1 $(PY) -m mypy

worker: install  ## A Celery worker (needs REDIS_URL)
	$(VENV)/bin/celery -A cainamur worker --loglevel=INFO --without-gossip --without-mingle --without-heartbeat

beat: install  ## Celery beat, the periodic task scheduler (needs REDIS_URL)
	$(VENV)/bin/celery -A cainamur beat --loglevel=INFO

LOCK := $(PY) -m piptools compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --generate-hashes --allow-unsafe

lock:  ## Re-pin requirements.lock (runtime) and requirements-dev.lock from pyproject.toml
	$(LOCK) -o requirements.lock pyproject.toml
	$(LOCK) --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

clean:  ## Remove the virtualenv (the embedded database in var/ is kept)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
