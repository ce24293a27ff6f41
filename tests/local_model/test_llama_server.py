"""folio against a real OpenAI-compatible server nobody here wrote: llama.cpp's
llama-server with SmolLM2-135M-Instruct (`make local-model`), opt-in (`-m local_model`;
skipped when it is not built). The tiny model's answers are poor; what is checked is
every protocol path (stuff and rag through /query, streaming, a JSON Schema call, a
context-length overflow into the fallback chain) and the measured latency feeding the
estimates. Each test prints what it measured (run with -s for docs/MODELS.md)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from core.llm.catalog import load_catalog
from core.llm.client import ModelClient
from core.settings import Settings
from tests.api.uploading import SMALL_PDFS, multipart, offline_settings, wait_done
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.procs import free_port

pytestmark = pytest.mark.local_model
ROOT = Path(__file__).resolve().parents[2]
LOCAL = Path(os.environ.get("FOLIO_LOCAL_MODEL_DIR", ROOT / ".local-model"))
SERVER, MODEL = LOCAL / "llama-server", LOCAL / "SmolLM2-135M-Instruct.Q4_1.gguf"
CATALOG = ROOT / "core" / "llm" / "models-local.yaml"
NYLIAC = SMALL_PDFS[0]  # a 2-page contract, 1,385 tokens: stuffed within the 4K window


@pytest.fixture(scope="module")
def llama() -> str:
    """llama-server on a free port, as ../shared/OFFLINE.md runs it; its base URL."""
    if not (SERVER.exists() and MODEL.exists()):
        pytest.skip(f"no local model at {LOCAL}: run `make local-model`")
    port = free_port()
    args = [str(SERVER), "-m", str(MODEL), "--host", "127.0.0.1", "--port", str(port)]
    args += ["-c", "4096", "-t", "2", "--no-repack"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, f"llama-server exited with {proc.returncode}"
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _catalog(tmp_path: Path, base_url: str, extra: str = "") -> Path:
    text = CATALOG.read_text().replace("http://127.0.0.1:8080/v1", base_url)
    text = text.replace("\nchains:", extra + "\nchains:")  # more models, before the chains
    path = tmp_path / "models.yaml"
    path.write_text(text)
    return path


def test_query_stuff_rag_and_streaming_through_llama_server(llama, tmp_path, shared_data, embedder):
    settings = offline_settings(tmp_path / "data").model_copy(
        update={
            "models_file": _catalog(tmp_path, llama),
            "route_retrieval_budget": 500,
            "llm_timeout_s": 180,  # 2 shared cores: a rambling 512-token reply takes a minute
        }
    )
    with TestClient(build_app(settings, embedder=embedder)) as api:
        doc = wait_done(api, api.post("/documents", **multipart(shared_data / NYLIAC)).json()["id"])
        # At temperature 0 the model answers this one in a short JSON object, stuffed and
        # retrieved alike; "Which state's law governs this agreement?" makes it ramble
        # past its 512-token cap when stuffed (invalid JSON: a 502, rightly).
        ask = {"question": "Which law governs?", "document_ids": [doc["id"]]}
        stuffed = api.post("/query", json=ask | {"mode": "stuff"})
        assert stuffed.status_code == 200, stuffed.text
        out = stuffed.json()
        assert out["models_used"] == ["smollm2"] and out["route"]["mode"] == "stuff"
        assert out["usage"]["input_tokens"] > 1_000 and out["cost_usd"] == 0
        rag = api.post("/query", json=ask | {"mode": "rag"})
        assert rag.status_code == 200, rag.text
        assert rag.json()["route"]["mode"] == "rag" and rag.json()["models_used"] == ["smollm2"]
        for _ in range(3):  # streamed: the first token and the pace measured apart
            streamed = api.post("/query", json=ask | {"mode": "rag", "stream": True})
            assert streamed.status_code == 200
            assert "event: delta" in streamed.text and "event: answer" in streamed.text
        smol = next(m for m in api.get("/models").json()["models"] if m["name"] == "smollm2")
    lat = smol["latency"]
    assert lat["source"] == "measured" and lat["samples"] == 5 and lat["first_token_ms"] > 0
    assert lat["output_tokens_per_s"] != 40.0  # the prior's pace, replaced by the measured
    print(
        "\nLOCAL", json.dumps({"stuff_answer": out["answer"][:120],
                               "stuff_latency_ms": out["latency_ms"],
                               "stuff_input_tokens": out["usage"]["input_tokens"],
                               "rag_latency_ms": rag.json()["latency_ms"], "models": lat})
    )  # fmt: skip


def test_a_json_schema_call_is_answered_in_its_shape(llama, tmp_path, settings: Settings):
    catalog = load_catalog(_catalog(tmp_path, llama))
    client = ModelClient(catalog, settings)
    schema = {
        "type": "object",
        "properties": {"state": {"type": "string"}, "found": {"type": "boolean"}},
        "required": ["state", "found"],
        "additionalProperties": False,
    }
    messages = [
        {"role": "user", "content": "This agreement is governed by the laws of Texas."
                                    " Which state's law governs it? Answer in JSON."},
    ]  # fmt: skip
    done = client.complete(catalog.chain("cheap"), messages, role="cheap", schema=schema)
    reply = json.loads(done.text)
    assert set(reply) == {"state", "found"} and isinstance(reply["found"], bool)
    print("\nLOCAL json_schema", done.text, done.latency_ms)


def test_a_context_overflow_falls_back_along_the_chain(llama, tmp_path, settings: Settings):
    """A catalog that claims 8K for the 4K server: llama-server refuses the prompt in its
    own words, folio reads that as context_length and moves on to the larger window."""
    with FakeOpenAIServer(default=Reply("Texas.")) as fake:
        extra = """
  - name: smollm2-claimed-8k
    endpoint: llama
    provider_model: smollm2
    context_window: 8192
    max_output_tokens: 256
    price: {input: 0.0, output: 0.0}
    token_limit_param: max_tokens
  - name: big
    endpoint: fake
    context_window: 128000
    price: {input: 0.0, output: 0.0}
"""
        text = _catalog(tmp_path, llama, extra).read_text()
        text = text.replace("endpoints:\n", f"endpoints:\n  fake:\n    base_url: {fake.base_url}\n")
        path = tmp_path / "models.yaml"
        path.write_text(text)
        catalog = load_catalog(path)
        client = ModelClient(catalog, settings)
        long_text = "The parties agree to the terms below. " * 800  # ~6.4K tokens
        messages = [{"role": "user", "content": long_text + "Which state?"}]
        chain = [catalog.get("smollm2-claimed-8k"), catalog.get("big")]
        done = client.complete(chain, messages, role="cheap")
    first = done.attempts[0]
    assert (first.model, first.outcome) == ("smollm2-claimed-8k", "context_length")
    assert done.model == "big" and done.text == "Texas."
    print("\nLOCAL overflow", first.detail)
