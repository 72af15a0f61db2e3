# gandiag: `make demo` and `make test` work on a fresh machine (Python >= 3.11).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNS ?= runs

.PHONY: setup demo test bench clean

$(BIN)/gandiag: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(BIN)/gandiag

demo: setup
	$(BIN)/gandiag train --dataset digits --run-dir $(RUNS)/demo --overwrite

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) $(RUNS) .pytest_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
