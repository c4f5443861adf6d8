# invoicekit: `make demo` runs the main job, `make test` runs it and the test suite.
# Both create the virtual environment in .venv when it is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_OUT := reports/demo

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@rm -rf $(DEMO_OUT)
	$(BIN)/invoicekit run \
		--grants tests/data/example/bevillinger.csv \
		--invoices tests/data/example/regninger.csv \
		--support-sheet tests/data/example/stoetteark.xlsx \
		--rules tests/data/example/rules.toml \
		--journal $(DEMO_OUT)/journal.sqlite \
		--out $(DEMO_OUT)

test: demo
	$(BIN)/ruff check invoicekit tests benchmarks
	$(BIN)/ruff format --check invoicekit tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check invoicekit tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format invoicekit tests benchmarks
	$(BIN)/ruff check --fix invoicekit tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py

clean:
	rm -rf $(VENV) reports/demo .pytest_cache .hypothesis
