# Two entry points for a fresh machine: `make run` and `make test`.
# Each creates .venv and installs the project (and, for tests, Chromium) as needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench chromium clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/backprop-explorer serve $(ARGS)

chromium:
	bash scripts/ensure-chromium.sh

test: $(STAMP) chromium
	$(BIN)/ruff check backprop_explorer app engine tests bench examples
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_api.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
