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
MODEL := models/tongdai1022.tar.gz
RASA_SOURCES := config.yml domain.yml $(CATALOG) $(wildcard bot/data/*.yml bot/data/nlu/*.yml nlu/*.py policies/*.py $(addprefix knowledge_base/,normalize.py abbreviations.py diacritics.py encoders.py catalog.py))
QUESTIONS ?= knowledge_base/eval/questions_holdout.jsonl
PYTEST_ARGS ?=

export PYTHONPATH := $(CURDIR)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help env env-app env-rasa catalog index model validate reimport run run-scaled test browser eval adapter bench bench-load audit lock-app clean

help:
	@echo "make run                 install what is missing, build the index, start the services"
	@echo "make run-scaled          the scale-out configuration: 2 Rasa + 2 action servers, PostgreSQL, Redis"
	@echo "make test                run all tests (creates both environments first)"
	@echo "make eval QUESTIONS=F    evaluate retrieval on a JSONL question file"
	@echo "make bench               measure retrieval, NLU, reply latency and the backend -> docs/benchmarks.md"
	@echo "make bench-load          100 concurrent conversations, embedded and scale-out -> docs/benchmarks.md"
	@echo "make catalog             re-import the catalog from ../shared/data"
	@echo "make index               build (or reuse) the search index"
	@echo "make adapter             re-fit the query map, question memory, fusion and re-ranker on knowledge_base/train/, then the confidence"
	@echo "make reimport            re-import the catalog and rebuild the index without stopping the services"
	@echo "make model               train the Rasa model (only when its sources changed)"
	@echo "make validate            check the Rasa domain and training data"

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

# Re-import the catalog and build its index while the services run: they switch to it by themselves.
reimport: $(APP_STAMP)
	$(APP_PY) -m knowledge_base.reimport

index: $(APP_STAMP)
	$(APP_PY) -m knowledge_base.build_index

# The Rasa model is retrained only when the domain, config, training data or NLU code changed.
$(MODEL): $(RASA_STAMP) $(RASA_SOURCES)
	@echo ">> training the Rasa model (NLU and dialogue, about 2 minutes on 2 cores)"
	$(RASA_ENV)/bin/rasa train --domain domain.yml --data bot/data --config config.yml \
		--out models --fixed-model-name tongdai1022
	@touch $@

model: $(MODEL)

validate: $(RASA_STAMP)
	$(RASA_PY) scripts/validate_rasa.py

# A new development database gets demo agencies, users and tickets (passwords printed once);
# production and databases with real tickets are left alone; SEED_DEMO_DATA=0 skips it.
run: env model
	$(APP_PY) -m knowledge_base.build_index
	$(APP_PY) -m backend.seed --on-start
	exec $(APP_PY) scripts/run.py

# Scale-out on this machine, against the local PostgreSQL and Redis (docs/scaling.md).
run-scaled: env model
	$(APP_PY) -m knowledge_base.build_index
	exec $(APP_PY) scripts/run.py --scaled

# App-env tests first (they include the conversation tests that run Rasa itself), then the tests
# of the NLU components and channels inside the rasa env.
test: env model browser
	$(APP_PY) -m pytest -q $(PYTEST_ARGS) --ignore=tests/rasa_env tests
	$(RASA_PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) tests/rasa_env

# Debian's chromium for the real-browser widget test (playwright drives it; no browser is downloaded).
browser:
	@test -x /usr/bin/chromium || { \
	  echo ">> installing Debian's chromium for the browser test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver; }

# Re-fit what is learnt from knowledge_base/train/: the query map and the question memory, the
# fusion weights (on the tuning set; the memory's scores are features), the re-ranker, and last the
# confidence model with the training fold.
adapter: $(APP_STAMP)
	$(APP_PY) -m knowledge_base.fit_adapter
	$(APP_PY) -m knowledge_base.calibrate
	$(APP_PY) -m knowledge_base.fit_reranker
	$(APP_PY) -m knowledge_base.calibrate --keep-fusion --training-fold

eval: $(APP_STAMP)
	$(APP_PY) -m knowledge_base.evaluate $(QUESTIONS)

bench: env model
	$(APP_PY) -m knowledge_base.bench
	$(APP_PY) scripts/bench_assistant.py
	$(APP_PY) scripts/bench_backend.py

# 100 concurrent simulated citizens for 2 minutes, embedded and scale-out (CONVERSATIONS=N DURATION_S=S
# CONFIGS=embedded,scaled shorten or select); results in docs/benchmarks.md, last line JSON.
bench-load: env model
	$(APP_PY) -m knowledge_base.build_index
	$(APP_PY) scripts/bench_load.py

# Known-vulnerability audit of both lock files (pip-audit, in a venv of its own). It asks the PyPI
# or OSV vulnerability service over the network (--strict: a package it cannot look up fails the
# audit instead of passing unchecked); ignored advisories, with the reason, go in
# requirements/audit-ignore.txt (one "ID  # reason" a line).
audit:
	@test -x $(VENV)/audit/bin/pip-audit || { $(PYTHON) -m venv $(VENV)/audit && $(VENV)/audit/bin/pip install -q pip-audit; }
	$(VENV)/audit/bin/pip-audit --strict --no-deps --disable-pip -r requirements/app.lock \
		$$(grep -o '^[A-Z0-9-]*' requirements/audit-ignore.txt | sed 's/^/--ignore-vuln /')
	$(VENV)/audit/bin/pip-audit --strict --no-deps --disable-pip -r requirements/rasa.lock -r requirements/rasa-nodeps.txt \
		$$(grep -o '^[A-Z0-9-]*' requirements/audit-ignore.txt | sed 's/^/--ignore-vuln /')

clean:
	rm -rf var .pytest_cache
