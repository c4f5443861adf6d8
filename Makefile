# invoicekit: `make demo` runs the main job, `make test` runs it and the test suite.
# Both create the virtual environment in .venv when it is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_OUT := reports/demo
SEED ?= 3

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@rm -rf $(DEMO_OUT)
	$(BIN)/invoicekit synth --scenario baseline --seed $(SEED) --out $(DEMO_OUT)/world
	$(BIN)/invoicekit replay $(DEMO_OUT)/world --journal $(DEMO_OUT)/journal.sqlite --out $(DEMO_OUT)/replay

test: demo
	$(BIN)/ruff check invoicekit synthetic tests benchmarks
	$(BIN)/ruff format --check invoicekit synthetic tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check invoicekit synthetic tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format invoicekit synthetic tests benchmarks
	$(BIN)/ruff check --fix invoicekit synthetic tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py

clean:
	rm -rf $(VENV) reports/demo .pytest_cache .hypothesis
