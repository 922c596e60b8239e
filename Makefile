# Every target builds .venv itself from a Python >= 3.12 (see scripts/find-python.sh).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS ?= sweep,viz,dev
# numba's cache does not notice when an inlined function in another module changes: key the
# cache by a hash of the sources, so a change anywhere in sim/ compiles afresh
SRC_HASH := $(shell cat $$(find sim -name '*.py' | sort) 2>/dev/null | sha1sum | cut -c1-12)
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache/$(SRC_HASH)
export PYTHONHASHSEED := 0

.PHONY: help venv run explore tutorial-figures test test-all test-fast bench bench-baseline lint experiments calibrate calibration-report clean

help:
	@echo "make run        - set up .venv and run the default scenario (outputs/default/)"
	@echo "make explore    - set up .venv and serve the explorer at http://127.0.0.1:8765/ (python -m sim.explore)"
	@echo "make test       - set up .venv and run the test suite (incl. the benchmark gate; not the slow tests)"
	@echo "make test-all   - also the slow tests (the 20-seed validation against Mesa's Epstein example)"
	@echo "make bench      - run the benchmarks and print a table"
	@echo "make lint       - ruff"
	@echo "make experiments - reproduce every figure and table in docs/findings.md"
	@echo "make calibrate  - add TRIALS (default 500) trials to the calibration study (2 workers; resumes)"
	@echo "make calibration-report - docs/calibration/, params=calibrated and findings s.6.3 from the study"

$(STAMP): pyproject.toml scripts/find-python.sh
	@set -e; PYBIN=$$(sh scripts/find-python.sh); \
	if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$PYBIN"; "$$PYBIN" -m venv $(VENV); fi; \
	set -o pipefail; \
	$(PY) -m pip install -q -e ".[$(EXTRAS)]" 2>&1 | { grep -v "is ignored: it is neither" || true; }; \
	$(PY) -m pip check; \
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m sim hydra.run.dir=outputs/default
	@echo "results in outputs/default/: timeseries.parquet events.parquet summary.json dashboard.png"

explore: $(STAMP)
	$(PY) -m sim.explore $(ARGS)

# the tutorial's screenshots (docs/figures/tutorial_*.png), made by the browser test
tutorial-figures: $(STAMP)
	SIM_EXPLORE_FIGURES=docs/figures $(PY) -m pytest -q -s tests/test_explore_browser.py

test: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

test-all: $(STAMP)
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not slurm"

bench: $(STAMP)
	$(PY) -m pytest benchmarks -q --benchmark-only --benchmark-columns=min,median,max,rounds
	NUMBA_NUM_THREADS=1 $(PY) benchmarks/bench_history.py --repeats 5

bench-baseline: $(STAMP)
	$(PY) benchmarks/gate.py --refresh

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests benchmarks experiments

experiments: $(STAMP)
	$(PY) experiments/run_all.py

TRIALS ?= 500
calibrate: $(STAMP)
	NUMBA_NUM_THREADS=1 $(PY) -m sim.calibrate --problem default --trials $(TRIALS) --seeds 3 \
		--storage experiments/calibration/default.log --workers 2 --sampler-seed 14

calibration-report: $(STAMP)
	$(PY) experiments/run_all.py --only calibration_report,calibrated_history

clean:
	rm -rf outputs multirun .numba_cache .pytest_cache .benchmarks
