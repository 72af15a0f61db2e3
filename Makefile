# gandiag: `make demo` and `make test` work on a fresh machine (Python >= 3.11).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNS ?= runs

.PHONY: setup demo test test-all faults lint bench clean lock

LOCK := requirements.lock

# Installs the exact versions of requirements.lock (pyproject.toml keeps the ranges, for
# using gandiag as a library): the same code and seed give the same numbers on every machine.
$(BIN)/gandiag: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]'
	@touch $@

# Re-resolve the lock from pyproject.toml's ranges in a fresh environment.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable > $(LOCK)
	rm -rf .lock-venv

setup: $(BIN)/gandiag

demo: setup
	$(BIN)/gandiag paper --preset quick --run-dir $(RUNS)/demo

# The import contract (pyproject.toml's [tool.importlinter]) and ruff, then the tests.
lint: setup
	$(BIN)/ruff check gandiag tests scripts
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -q

# The longer science tier: small runs that must show the paper's effects (tests marked slow).
test-all: setup
	$(BIN)/python -m pytest -q -m slow

# The fault-injection tier: kill -9 trials of train, probe and add-noise (tests/test_kills.py).
faults: setup
	$(BIN)/python -m pytest -q -s -m faults tests/test_kills.py

# torch only for the PyTorch reference, in its own virtualenv: never a gandiag dependency.
# The CPU build: TORCH="torch --index-url https://download.pytorch.org/whl/cpu", or a pinned
# CPU wheel from a local wheelhouse, e.g. TORCH="torch==2.13.0+cpu".
BENCH_VENV ?= .bench-venv
TORCH ?= torch --extra-index-url https://download.pytorch.org/whl/cpu
$(BENCH_VENV)/bin/python:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet $(TORCH) numpy

# BENCH_ARGS="--end-to-end all" adds the whole experiments (a fresh clone's make demo, a
# 300-iteration probe, the cpu preset, the ablate preset: hours on 2 cores), or pick some:
# BENCH_ARGS="--end-to-end demo,probe300".
bench: setup $(BENCH_VENV)/bin/python
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(RUNS) .pytest_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Sweeps: `gandiag sweep` is their one definition (gandiag/experiments/sweep/sweep.py): each setting
# trains in its own run dir and is probed there, settings run side by side (SWEEP_JOBS at a
# time), a rerun skips the finished ones (stamped by their probe/summary.json; delete a
# setting's run dir to redo it), then `gandiag compare` puts them side by side in
# $(SWEEP_DIR)/<kind>/compare. Empty variables keep the sweep's defaults. Override, e.g.:
#   make sweep-costs SWEEP_ARGS="--dataset mnist --epochs 5" PROBE_ARGS="--iters 1000"
# On a Slurm cluster: SWEEP_LAUNCHER=slurm (one job array, a task per setting).
SWEEP_ARGS ?=
PROBE_ARGS ?=
SWEEP_DIR ?= $(RUNS)/sweeps
SWEEP_COSTS ?=
NOISE_LEVELS ?=
SEEDS ?=
SWEEP_JOBS ?= 2
SWEEP_LAUNCHER ?= local

# $(call sweep,KIND,VALUES)
define sweep
$(BIN)/gandiag sweep $(1) --launcher $(SWEEP_LAUNCHER) --jobs $(SWEEP_JOBS) \
	--sweep-dir $(SWEEP_DIR) $(if $(2),--values "$(2)") \
	$(if $(SWEEP_ARGS),--train-args "$(SWEEP_ARGS)") $(if $(PROBE_ARGS),--probe-args "$(PROBE_ARGS)")
endef

.PHONY: sweeps sweep-costs sweep-noise sweep-seeds scale

sweeps: sweep-costs sweep-noise sweep-seeds

sweep-costs: setup
	$(call sweep,costs,$(SWEEP_COSTS))

sweep-noise: setup
	$(call sweep,noise,$(NOISE_LEVELS))

sweep-seeds: setup
	$(call sweep,seeds,$(SEEDS))

# The multi-process tier: two jax.distributed processes on localhost, both sweep launchers.
scale: setup
	$(BIN)/python -m pytest -q -m scale tests/test_multihost.py tests/test_sweep.py
