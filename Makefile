# Two commands from nothing: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE_DB := sample_data/sample.db

.PHONY: run test sample check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Built beside the target and moved into place only when complete, so an interrupted
# build never leaves a half-made database that make would take as done.
$(SAMPLE_DB): $(STAMP) sample_data/generate.py config/ingest.yaml
	rm -f $(SAMPLE_DB).tmp
	$(BIN)/python -m sample_data.generate --out $(SAMPLE_DB).tmp
	$(BIN)/outcomes ingest --database sqlite:///$(abspath $(SAMPLE_DB)).tmp
	mv $(SAMPLE_DB).tmp $(SAMPLE_DB)

sample: $(SAMPLE_DB)

run: $(SAMPLE_DB)
	$(BIN)/outcomes serve --host 127.0.0.1 --port 8050

test: $(SAMPLE_DB)
	$(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/outcomes check

bench: $(SAMPLE_DB)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) $(SAMPLE_DB)
