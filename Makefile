# Two commands from nothing: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE_DB := sample_data/sample.db
# `make run PORT=8060` serves on another port.
PORT ?= 8050

.PHONY: run test sample check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Built beside the target and moved into place only when complete, so an interrupted
# build never leaves a half-made database that make would take as done.
$(SAMPLE_DB): $(STAMP) $(wildcard sample_data/*.py) config/ingest.yaml $(wildcard sample_data/real/*.csv) $(wildcard sample_data/synthetic/*.csv)
	rm -f $(SAMPLE_DB).tmp
	$(BIN)/python -m sample_data.generate --out $(SAMPLE_DB).tmp
	$(BIN)/outcomes ingest --database sqlite:///$(abspath $(SAMPLE_DB)).tmp
	rm -f $(SAMPLE_DB)-wal $(SAMPLE_DB)-shm  # a reader's files of the database being replaced (ingest writes WAL mode)
	mv $(SAMPLE_DB).tmp $(SAMPLE_DB)

sample: $(SAMPLE_DB)

# Sample mode: the sample people of review/sample.py can sign in to try writing (never in production).
run: $(SAMPLE_DB)
	OUTCOMES_SAMPLE_PEOPLE=1 $(BIN)/outcomes serve --host 127.0.0.1 --port $(PORT)

# The checks run first and stop the run with their own report: imports point downward only
# (import-linter, [tool.importlinter] in pyproject.toml) and nothing is dead code (vulture,
# [tool.vulture]; dead_code_whitelist.py lists what only a library calls).
# Then the tests, on every core (pytest-xdist: TEST_WORKERS=0 runs them in this one process), in a random
# order, with the 20 slowest listed and the order's seed just above the line of counts.
TEST_WORKERS ?= auto
# When make read this file: the whole suite's record (benchmarks/suite_runs.py) counts the checks too.
test: export OUTCOMES_MAKE_TEST_STARTED := $(shell date +%s.%N)
test: $(SAMPLE_DB)
	@$(BIN)/lint-imports --no-cache || { echo "make test: an import points the wrong way (see above); imports go app|cli -> reports -> dashboard -> review -> snapshots -> metrics -> datasources" >&2; exit 1; }
	@$(BIN)/vulture || { echo "make test: dead code (see above): delete it, or if only a library calls it, add it to dead_code_whitelist.py with the reason" >&2; exit 1; }
	@# Bytecode written even where the environment says not to (PYTHONDONTWRITEBYTECODE): every worker, and
	@# every command a test starts, would otherwise compile the project and rewrite the tests' asserts anew.
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal --durations=20

check: $(STAMP)
	$(BIN)/outcomes check

bench: $(SAMPLE_DB)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) $(SAMPLE_DB)
