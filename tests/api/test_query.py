"""POST /query and GET /usage through the real app: uploads ingested by the in-process worker,
offline answers checked against CUAD, streaming, errors, and paid routes on a fake server."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import SecretStr

from cli.service import build_app
from core.llm.catalog import DEFAULT_FILE
from tests.api.uploading import offline_settings
from tests.fakes.openai_server import FakeOpenAIServer, Reply, server_error
from tests.query.corpus import CONTRACTS, annotation_spans, squash

UPLOAD = ("nyliac", "ivillage")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, shared_data, embedder) -> tuple[Path, dict[str, str]]:
    """A data dir with two contracts uploaded and ingested by the real app (embedded
    broker, store and worker); the app is closed, so each test opens its own on it."""
    data_dir = tmp_path_factory.mktemp("query") / "data"
    cuad = shared_data / "legal" / "cuad"
    with TestClient(build_app(offline_settings(data_dir), embedder=embedder)) as client:
        ids = {}
        for short in UPLOAD:
            with open(cuad / CONTRACTS[short], "rb") as fh:
                response = client.post(
                    "/documents", files={"file": (CONTRACTS[short], fh, "application/pdf")}
                )
            assert response.status_code in (200, 202), response.text
            ids[short] = response.json()["id"]
        for doc_id in ids.values():
            _wait_ready(client, doc_id)
    return data_dir, ids


@pytest.fixture
def open_app(prepared, tmp_path, shared_data, embedder):
    """Opens the app on a copy of the prepared data dir, with these settings changed;
    closed after the test. Each client carries `ids` and the CUAD `notes`."""
    cuad = shared_data / "legal" / "cuad"
    notes = json.loads((cuad / "cuad_shared_annotations.json").read_text())["contracts"]
    opened: list[TestClient] = []

    def open_(**settings) -> TestClient:
        data_dir = tmp_path / f"data-{len(opened)}"
        shutil.copytree(prepared[0], data_dir)
        app_settings = offline_settings(data_dir).model_copy(update=settings)
        client = TestClient(build_app(app_settings, embedder=embedder)).__enter__()
        opened.append(client)
        client.ids = prepared[1]
        client.notes = {short: notes[CONTRACTS[short]] for short in UPLOAD}
        return client

    yield open_
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def api(open_app) -> TestClient:
    """The app with the offline settings, over the two contracts."""
    return open_app()


def _wait_ready(client: TestClient, doc_id: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        doc = client.get(f"/documents/{doc_id}").json()
        if doc["status"] in ("ready", "failed"):
            assert doc["status"] == "ready", doc
            return
        time.sleep(0.2)
    raise AssertionError(f"{doc_id} not ready after {timeout_s}s")


def _ask(api, **body) -> dict:
    response = api.post("/query", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_offline_answer_with_route_cost_and_pages(api):
    out = _ask(api, question="Which law governs this agreement?", document_ids=[api.ids["nyliac"]])
    assert "Massachusetts" in out["answer"] and out["found"]
    route = out["route"]
    assert (route["mode"], route["model"], route["escalated"]) == ("stuff", "offline-reader", False)
    assert "no model key is configured" in route["reason"]
    assert route["context_tokens"] > 1_000 and route["estimated_cost_usd"] == 0
    paid = [a for a in route["alternatives"] if a["model"] in ("gpt-5.2", "gpt-4o")]
    assert paid and all(a["estimated_cost_usd"] > 0 and a["rejected_because"] for a in paid)
    assert out["cost_usd"] == 0 and out["usage"]["input_tokens"] > 1_000
    assert out["latency_ms"] > 0 and out["question_id"]
    cite = out["citations"][0]
    assert cite["filename"] == CONTRACTS["nyliac"] and cite["document_id"] == api.ids["nyliac"]
    # The quote holds the clause CUAD annotated (the reader may quote its heading too).
    clauses = annotation_spans(api.notes["nyliac"]["Governing Law"])
    assert any(squash(clause) in squash(cite["quote"]) for clause in clauses)
    assert cite["page"] == 2  # the NYLIAC agreement's governing-law clause is on page 2


def test_forced_rag_over_all_documents(api):
    out = _ask(api, question="Which law governs the sponsorship agreement?", mode="rag", debug=True)
    assert out["route"]["mode"] == "rag" and "New York" in out["answer"]
    # Over two contracts the reader answers from each one's governing-law clause, labelled
    # by file name; the sponsorship agreement's comes first, as retrieval ranked it.
    first = out["citations"][0]
    assert first["document_id"] == api.ids["ivillage"] and "New York" in first["quote"]
    assert {c["document_id"] for c in out["citations"]} <= set(api.ids.values())
    retrieved = out["retrieved"]
    assert retrieved and {r["document_id"] for r in retrieved} <= set(api.ids.values())
    assert all(r["page_start"] <= r["page_end"] for r in retrieved)
    assert "retrieved" not in _ask(api, question="Who are the parties?", mode="rag")


def test_streaming_sends_deltas_then_the_full_answer(api):
    body = {"question": "Which law governs this agreement?", "stream": True,
            "document_ids": [api.ids["ivillage"]]}  # fmt: skip
    with api.stream("POST", "/query", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _parse_sse("".join(response.iter_text()))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and kinds.count("answer") == 1 and "delta" in kinds
    final = events[-1][1]
    assert "".join(d["text"] for k, d in events if k == "delta") == final["answer"]
    assert "New York" in final["answer"] and final["citations"] and final["route"]["mode"]


def test_errors_are_clear(api, open_app, tmp_path):
    unknown = api.post("/query", json={"question": "Who?", "document_ids": ["nope"]})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    registry = api.app.state.read_path.registry
    doc, _ = registry.create_or_get("default", "later.pdf", "e" * 64, 1)
    try:
        pending = api.post("/query", json={"question": "Who?", "document_ids": [doc.id]})
        assert pending.status_code == 409 and "queued" in pending.json()["detail"]
    finally:
        registry.delete(doc.id)
    for bad in ({"question": "   "}, {"question": "Who?", "mode": "fast"},
                {"question": "Who?", "max_cost_usd": -1}):  # fmt: skip
        assert api.post("/query", json=bad).status_code == 422
    # A catalog whose windows are smaller than the contract: a forced stuff is a 422.
    raw = yaml.safe_load(Path(DEFAULT_FILE).read_text())
    for model in raw["models"]:
        if model["name"] in ("gpt-5.2", "gpt-4o"):
            model["context_window"] = 3_000 if model["name"] == "gpt-5.2" else 2_000
            model["max_output_tokens"] = 1_000
    small = tmp_path / "models.yaml"
    small.write_text(yaml.safe_dump(raw))
    forced = open_app(models_file=small).post(
        "/query", json={"question": "Summarise it.", "mode": "stuff",
                        "document_ids": [api.ids["ivillage"]]},
    )  # fmt: skip
    assert forced.status_code == 422
    detail = forced.json()["detail"]
    assert "3,000-token window of gpt-5.2" in detail and "tokens" in detail


def test_paid_route_escalates_and_counts_both_costs(open_app):
    with FakeOpenAIServer() as fake:
        # The escalation mechanics under test are the rules' plan (rag, then stuff): the
        # learned router's shipped preferences do not escalate (see docs/ROUTING.md).
        api = open_app(
            openai_base_url=fake.base_url,
            openai_api_key=SecretStr("k"),
            route_cheap_stuff_max_tokens=500,
            route_learned=False,
        )
        rp, doc = api.app.state.read_path, api.ids["ivillage"]
        miss = json.dumps({"answer": "Not in the passages.", "found": False, "citations": []})
        hit = json.dumps({"answer": "New York law.", "found": True, "citations": []})
        fake.script("gpt-4o", Reply(miss, 2_000, 10))
        fake.script("gpt-5.2", Reply(hit, 5_500, 12, cached_tokens=5_000))
        before = _usage_calls(api)
        out = _ask(api, question="Which state's law applies?", document_ids=[doc])
    route = out["route"]
    assert route["escalated"] and (route["mode"], route["model"]) == ("stuff", "gpt-5.2")
    assert out["models_used"] == ["gpt-4o", "gpt-5.2"] and out["answer"] == "New York law."
    catalog = rp.catalog
    cost = catalog.get("gpt-4o").cost(2_000, 10) + catalog.get("gpt-5.2").cost(5_500, 12, 5_000)
    assert out["cost_usd"] == pytest.approx(cost, abs=1e-6)
    assert route["estimated_cost_usd"] > 0
    assert out["usage"] == {"input_tokens": 7_500, "cached_input_tokens": 5_000,
                            "output_tokens": 22}  # fmt: skip
    after = _usage_calls(api)
    assert after.get("gpt-4o", 0) - before.get("gpt-4o", 0) == 1
    assert after.get("gpt-5.2", 0) - before.get("gpt-5.2", 0) == 1


def test_prefer_reaches_the_learned_router(open_app):
    # A retrieval budget below the document's size, so retrieval would not read it whole
    # and the learned router (not the small-document rule) decides.
    api = open_app(route_retrieval_budget=500)
    rp = api.app.state.read_path
    bad = api.post("/query", json={"question": "Which law governs?", "prefer": "cheapest"})
    assert bad.status_code == 422 and "prefer" in bad.text
    doc = [api.ids["ivillage"]]
    # A question the offline reader has no kind for: the learned router decides.
    asked = "What will iVillage build for FMM?"
    out = _ask(api, question=asked, document_ids=doc, prefer="cost")
    route = out["route"]
    # prefer cost puts no value on a better answer: retrieval, explained and versioned
    assert route["mode"] == "rag" and not route["escalated"]
    assert "prefer cost" in route["reason"] and rp.router.version in route["reason"]
    assert "p(rag ok)=" in route["reason"]
    default = _ask(api, question=asked, document_ids=doc)["route"]
    assert "prefer balanced" in default["reason"]  # FOLIO_ROUTE_PREFER's default


def test_every_model_failing_is_a_502_naming_each(open_app):
    key = "sk-test-never-shown"
    with FakeOpenAIServer(default=server_error(500)) as fake:
        api = open_app(
            openai_base_url=fake.base_url, openai_api_key=SecretStr(key), llm_max_retries=0
        )
        response = api.post(
            "/query", json={"question": "Who are the parties?", "document_ids": [api.ids["nyliac"]]}
        )
    assert response.status_code == 502
    detail = response.json()["detail"]
    assert "gpt-4o" in detail and "server_error" in detail
    assert key not in detail


def test_usage_totals(api):
    for question in ("Which law governs?", "Who are the parties?", "When does it end?"):
        _ask(api, question=question, document_ids=[api.ids["nyliac"]])
    totals = api.get("/usage").json()
    offline = next(row for row in totals["by_model"] if row["model"] == "offline-reader")
    assert offline["calls"] >= 3 and offline["cost_usd"] == 0
    assert totals["by_day"] and totals["by_day"][0]["calls"] >= offline["calls"]


def _usage_calls(api) -> dict[str, int]:
    return {row["model"]: row["calls"] for row in api.get("/usage").json()["by_model"]}


def _parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_date_questions_on_a_document_that_is_not_a_contract(tmp_path, shared_data, embedder):
    """Issue 33: "When was the agreement signed?" on the DMCA summary (no preamble, no
    signature blocks) answered 500 and dropped the connection; now an answer, streamed too."""
    pdf = shared_data / "legal" / "dmca.pdf"
    with TestClient(build_app(offline_settings(tmp_path / "data"), embedder=embedder)) as api:
        with open(pdf, "rb") as fh:
            upload = api.post("/documents", files={"file": (pdf.name, fh, "application/pdf")})
        doc_id = upload.json()["id"]
        _wait_ready(api, doc_id)
        for question in ("When was the agreement signed?", "What is the effective date?"):
            body = _ask(api, question=question, document_ids=[doc_id])
            assert body["answer"] and body["route"]["offline"], question
            streamed = api.post(
                "/query", json={"question": question, "document_ids": [doc_id], "stream": True}
            )
            assert streamed.status_code == 200 and "event: answer" in streamed.text
            assert "event: error" not in streamed.text
