# gandiag: `make demo` and `make test` work on a fresh machine (Python >= 3.11).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNS ?= runs

.PHONY: setup demo test faults lint bench clean

$(BIN)/gandiag: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(BIN)/gandiag

demo: setup
	$(BIN)/gandiag paper --preset quick --run-dir $(RUNS)/demo

# The import contract (pyproject.toml's [tool.importlinter]) and ruff, then the tests.
lint: setup
	$(BIN)/ruff check gandiag tests scripts
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -q

# The fault-injection tier: kill -9 trials of train, probe and add-noise (tests/test_kills.py).
faults: setup
	$(BIN)/python -m pytest -q -s -m faults tests/test_kills.py

bench: setup
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) $(RUNS) .pytest_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Sweeps: each setting trains in its own run dir and is probed there; then `gandiag compare`
# puts the settings side by side. A setting is its own target, stamped by its
# probe/summary.json, so `make -j` runs settings side by side and a rerun skips the
# finished ones (delete a setting's run dir to redo it). Override, e.g.:
#   make -j2 sweep-costs SWEEP_ARGS="--dataset mnist --epochs 5" PROBE_ARGS="--iters 1000"
SWEEP_ARGS ?= --dataset digits --epochs 25
PROBE_ARGS ?= --iters 4000
SWEEP_DIR ?= $(RUNS)/sweeps
SWEEP_COSTS ?= original minus-log-d wasserstein-gp hinge
NOISE_LEVELS ?= 0 0.1 0.3 1.0
SEEDS ?= 0 1 2

COST_RUNS = $(SWEEP_COSTS:%=$(SWEEP_DIR)/costs/%)
NOISE_RUNS = $(NOISE_LEVELS:%=$(SWEEP_DIR)/noise/sigma_%)
SEED_RUNS = $(SEEDS:%=$(SWEEP_DIR)/seeds/seed_%)

# $(call sweep_setting,RUN_DIR,TRAIN_OPTIONS): train one setting, then probe it, each in
# its own run dir (quiet: progress bars of parallel jobs would overwrite each other).
define sweep_setting
$(BIN)/gandiag train $(SWEEP_ARGS) $(2) --run-dir $(1) --overwrite --quiet
$(BIN)/gandiag probe --run-dir $(1) $(PROBE_ARGS) --quiet
endef

.PHONY: sweeps sweep-costs sweep-noise sweep-seeds

sweeps: sweep-costs sweep-noise sweep-seeds

$(COST_RUNS:%=%/probe/summary.json): $(SWEEP_DIR)/costs/%/probe/summary.json: | setup
	$(call sweep_setting,$(SWEEP_DIR)/costs/$*,--cost $*)

$(NOISE_RUNS:%=%/probe/summary.json): $(SWEEP_DIR)/noise/sigma_%/probe/summary.json: | setup
	$(call sweep_setting,$(SWEEP_DIR)/noise/sigma_$*,--instance-noise $*)

$(SEED_RUNS:%=%/probe/summary.json): $(SWEEP_DIR)/seeds/seed_%/probe/summary.json: | setup
	$(call sweep_setting,$(SWEEP_DIR)/seeds/seed_$*,--seed $*)

sweep-costs: setup $(COST_RUNS:%=%/probe/summary.json)
	$(BIN)/gandiag compare $(COST_RUNS) --output $(SWEEP_DIR)/costs/compare

sweep-noise: setup $(NOISE_RUNS:%=%/probe/summary.json)
	$(BIN)/gandiag compare $(NOISE_RUNS) --output $(SWEEP_DIR)/noise/compare

sweep-seeds: setup $(SEED_RUNS:%=%/probe/summary.json)
	$(BIN)/gandiag compare $(SEED_RUNS) --output $(SWEEP_DIR)/seeds/compare
