# invoicekit: `make demo` runs the main job, `make test` runs it and the test suite.
# Both create the virtual environment in .venv when it is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_OUT := reports/demo
SEED ?= 3
# test processes: the suite is CPU-bound, one per core (each file's shared worlds stay in one process); files
# in the order collected (tests/conftest.py puts the longest first: xdist's own order, most tests first, left
# the long files of few tests to run alone at the end)
JOBS ?= 2

.PHONY: demo test test-deep lab lint format bench check-reports clean strip-filter

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)
	@$(MAKE) --no-print-directory strip-filter

# git stores notebooks without their outputs (.gitattributes names this clean filter)
strip-filter:
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		git config filter.strip-notebook-outputs.clean "python3 scripts/strip_notebook_outputs.py"; fi

# the package's bytecode compiled, as an installed package has it (an editable install
# does not, and where PYTHONDONTWRITEBYTECODE is set each start would compile it anew)
demo: $(STAMP)
	@$(BIN)/python -m compileall -q invoicekit synthetic
	@rm -rf $(DEMO_OUT)
	$(BIN)/invoicekit synth --scenario baseline --seed $(SEED) --out $(DEMO_OUT)/world
	$(BIN)/invoicekit replay --world $(DEMO_OUT)/world --new-journal $(DEMO_OUT)/journal.sqlite --out $(DEMO_OUT)/replay
	$(BIN)/invoicekit report followup --journal $(DEMO_OUT)/journal.sqlite --truth $(DEMO_OUT)/world/truth.csv \
		--grants $$(ls $(DEMO_OUT)/world/sensum/grants-*.csv | tail -n 1) --support-sheet $(DEMO_OUT)/world/stoetteark.xlsx \
		--out reports
	$(BIN)/invoicekit report business-case --print-config > $(DEMO_OUT)/business-case.toml
	$(BIN)/invoicekit report business-case --config $(DEMO_OUT)/business-case.toml --journal $(DEMO_OUT)/journal.sqlite \
		--truth $(DEMO_OUT)/world/truth.csv --out reports

# the 20 slowest tests listed at the end, so that a suite growing past its ten minutes shows where; the
# test modules' bytecode kept (PYTHONDONTWRITEBYTECODE emptied: where it is set, each test process compiled
# all of them anew, 14 s of collecting instead of 6)
test: demo
	$(BIN)/ruff check invoicekit invoicekit_command.py synthetic tests benchmarks scripts
	$(BIN)/ruff format --check invoicekit invoicekit_command.py synthetic tests benchmarks scripts
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile --no-loadscope-reorder --durations=20

# as before a release: the costly property tests draw every example they were written with, not the fifth of
# make test (tests/depth.py), and the calibration tests run on all their seeds (about three times as long)
test-deep: demo
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile --no-loadscope-reorder --deep --full-calibration

# JupyterLab on the notebooks (they make their small municipality themselves the first time)
LAB_STAMP := $(VENV)/.lab-stamp

$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,lab]'
	@touch $(LAB_STAMP)

# JupyterLab refuses to start as root unless told it may (root is common in containers)
lab: $(LAB_STAMP) strip-filter
	cd notebooks && ../$(BIN)/jupyter lab $$(test "$$(id -u)" = 0 && echo --allow-root)

lint: $(STAMP)
	$(BIN)/ruff check invoicekit invoicekit_command.py synthetic tests benchmarks scripts

format: $(STAMP)
	$(BIN)/ruff format invoicekit invoicekit_command.py synthetic tests benchmarks scripts
	$(BIN)/ruff check --fix invoicekit invoicekit_command.py synthetic tests benchmarks scripts

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py

# Opens the demo's reports in headless Chromium (Debian's: apt-get install chromium) and checks
# every chart rendered; Playwright's Python driver comes from the 'browser' extra.
BROWSER_STAMP := $(VENV)/.browser-stamp

$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,browser]'
	@touch $(BROWSER_STAMP)

check-reports: $(BROWSER_STAMP)
	@test -f reports/followup.html || $(MAKE) demo
	$(BIN)/python scripts/check_reports_in_browser.py reports/followup.html reports/business-case.html

clean:
	rm -rf $(VENV) reports/demo reports/*.html reports/*.xlsx reports/*.json reports/*.png .pytest_cache .hypothesis
