# 1022 assistant: one entry point for newcomers, CI and operators.
#   make run    install what is missing, build the index, start the services
#   make test   run every test
# Both Python environments live in .venv/ and are rebuilt only when their lock file changes.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
APP_ENV := $(VENV)/app
RASA_ENV := $(VENV)/rasa
APP_PY := $(APP_ENV)/bin/python
RASA_PY := $(RASA_ENV)/bin/python
APP_STAMP := $(APP_ENV)/.installed
RASA_STAMP := $(RASA_ENV)/.installed
CATALOG := procedures_data/catalog.jsonl
QUESTIONS ?= knowledge_base/eval/questions_holdout.jsonl
PYTEST_ARGS ?=

export PYTHONPATH := $(CURDIR)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help env env-app env-rasa catalog index run test eval bench lock-app clean

help:
	@echo "make run                 install what is missing, build the index, start the services"
	@echo "make test                run all tests (creates both environments first)"
	@echo "make eval QUESTIONS=F    evaluate retrieval on a JSONL question file"
	@echo "make bench               measure retrieval quality, latency, build time, memory -> docs/benchmarks.md"
	@echo "make catalog             re-import the catalog from ../shared/data"
	@echo "make index               build (or reuse) the search index"

env: env-app env-rasa

env-app: $(APP_STAMP)
env-rasa: $(RASA_STAMP)

# The stamp is newer than the lock file once an install succeeded: a second run does nothing.
$(APP_STAMP): requirements/app.lock
	@echo ">> creating app env in $(APP_ENV) (Python 3.11, pinned by requirements/app.lock)"
	@test -x $(APP_PY) || $(PYTHON) -m venv $(APP_ENV)
	$(APP_PY) -m pip install --progress-bar on -r requirements/app.lock
	@touch $@

$(RASA_STAMP): requirements/rasa.lock requirements/rasa-nodeps.txt
	@echo ">> creating rasa env in $(RASA_ENV) (Rasa 3.6.21 on Python 3.11, pinned by requirements/rasa.lock)"
	@test -x $(RASA_PY) || $(PYTHON) -m venv $(RASA_ENV)
	$(RASA_PY) -m pip install --progress-bar on -r requirements/rasa.lock
	$(RASA_PY) -m pip install --no-deps --ignore-requires-python -r requirements/rasa-nodeps.txt
	@touch $@

# Regenerate the app lock after editing requirements/app.in (needs the package registry).
lock-app:
	rm -rf $(VENV)/lock && $(PYTHON) -m venv $(VENV)/lock
	$(VENV)/lock/bin/pip install -r requirements/app.in
	( echo "# Pinned app env (Python 3.11). Generated from app.in by 'make lock-app'; do not edit by hand."; \
	  $(VENV)/lock/bin/pip freeze ) > requirements/app.lock
	rm -rf $(VENV)/lock

catalog: $(APP_STAMP)
	$(APP_PY) -m procedures_data.importer

index: $(APP_STAMP)
	$(APP_PY) -m knowledge_base.build_index

run: env
	$(APP_PY) -m knowledge_base.build_index
	exec $(APP_PY) scripts/run.py

test: env
	$(APP_PY) -m pytest -q $(PYTEST_ARGS) tests

eval: $(APP_STAMP)
	$(APP_PY) -m knowledge_base.evaluate $(QUESTIONS)

bench: $(APP_STAMP)
	$(APP_PY) -m knowledge_base.bench

clean:
	rm -rf var .pytest_cache
