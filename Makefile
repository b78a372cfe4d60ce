# Two entry points for a fresh machine: `make run` and `make test`.
# Each creates .venv and installs what it needs: the app for `run`; the app, the test tools
# (the PostgreSQL driver among them), Debian's Chromium, the browser tests' npm packages and
# Debian's PostgreSQL server for `test`. Both reinstall when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test
LINTED := backprop_explorer app engine tests bench examples scripts

.PHONY: run test test-fast lint typecheck bench bench-class chromium node-tools postgres clean

$(BIN)/python:
	bash scripts/ensure-python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# setuptools prints a notice on every editable install ("Editable installation … folders with
# the same name as your package"); it is about the mechanism, not this project, so it is hushed.
EDITABLE := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(EDITABLE) .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(EDITABLE) '.[test]'
	touch $@ $(APP_STAMP)

run: $(APP_STAMP)
	$(BIN)/backprop-explorer serve $(ARGS)

chromium:
	bash scripts/ensure-chromium.sh

postgres:
	bash scripts/ensure-postgres.sh

node-tools:
	bash scripts/ensure-node-tools.sh

lint: $(TEST_STAMP)
	$(BIN)/ruff check $(LINTED)

typecheck: $(TEST_STAMP)
	MYPY=$(BIN)/mypy bash scripts/typecheck.sh

# scripts/run-tests.sh runs the suite on every core (pytest-xdist) and fails when no test ran
# (pytest's exit code 5), when any test was skipped, and, for the whole suite, when the engine,
# app, browser or wheel tests did not run. PYTEST_ARGS replaces the whole suite, e.g.
# PYTEST_ARGS="tests/engine -x".
test: $(TEST_STAMP) chromium node-tools postgres
	$(BIN)/ruff check $(LINTED)
	MYPY=$(BIN)/mypy bash scripts/typecheck.sh
	bash scripts/run-tests.sh $(PYTEST_ARGS)

# The engine and in-process app tests on SQLite: no browser, no real app server, nothing marked
# slow, not the app tests' PostgreSQL copies (docs/development.md says which is which).
test-fast: $(TEST_STAMP)
	bash scripts/run-tests.sh --fast $(PYTEST_ARGS)

# NN_TS=/path/to/nn.ts adds bench/bench_playground.py: /train against TensorFlow Playground's
# engine, src/nn.ts of github.com/tensorflow/playground (no package ships it; clone the
# repository, or save that one file, and pass its path). It needs node and npm.
bench: $(APP_STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_landscape.py
	@if [ -n "$(NN_TS)" ]; then $(BIN)/python bench/bench_playground.py --nn-ts "$(NN_TS)"; \
	else echo "bench_playground: not run; make bench NN_TS=path/to/playground/src/nn.ts runs it"; fi

# A class of learners against one process, two workers and two servers on PostgreSQL
# (bench/bench_class.py; about 12 minutes at its default 60 s per run).
bench-class: $(TEST_STAMP) postgres
	$(BIN)/python bench/bench_class.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .node-tools
