"""Reviews through the real app (embedded worker): offline, filled by the reader; and paid,
against a real OpenAI-protocol server on 127.0.0.1 that counts tokens as OpenAI does and
answers the review's JSON Schema from the documents in the prompt."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pydantic import SecretStr

from cli.service import build_app
from core.storage.registry_schema import usage
from core.text.tokens import count_tokens
from query.citations import quote_on_page
from tests.api.uploading import LONG_PDF, SMALL_PDFS, multipart, offline_settings, wait_done
from tests.fakes.openai_server import FakeOpenAIServer, Reply

IVILLAGE = SMALL_PDFS[7]
FIELDS = [
    {"name": "Governing Law", "question": "Which law governs the agreement?", "type": "text"},
    {"name": "Exclusivity", "question": "Is there an exclusivity clause?", "type": "boolean"},
    {"name": "Agreement Date", "question": "When was it signed?", "type": "date"},
]
_LAW = re.compile(r"governed by[^.]{0,200}?laws? of the State of\s+([A-Z]\w+(?:\s[A-Z]\w+)?)")


def _answer(body: dict) -> Reply:
    """The review's reply: the governing-law sentence where the prompt holds one, found
    false for every other field; tokens counted in o200k, as OpenAI counts them."""
    schema = body["response_format"]["json_schema"]["schema"]
    text = body["messages"][1]["content"]
    page = [p for p in re.split(r"\[page (\d+)\]", text)]
    reply = {}
    for name in schema["properties"]:
        reply[name] = {"found": False, "value": None, "quotes": []}
        if name == "Governing Law":
            for number, chunk in zip(page[1::2], page[2::2], strict=False):
                m = _LAW.search(chunk)
                if m:
                    quote = " ".join(m.group(0).split())
                    reply[name] = {"found": True, "value": m.group(1), "quotes": [
                        {"page": int(number), "quote": quote}]}  # fmt: skip
                    break
    out = json.dumps(reply)
    prompt = sum(count_tokens(m["content"]) for m in body["messages"])
    return Reply(out, prompt, count_tokens(out))


def _wait(api: TestClient, review_id: str, timeout_s: float = 600) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = api.get(f"/reviews/{review_id}").json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"review {review_id} still {body['status']}")


@pytest.fixture(scope="module")
def offline(tmp_path_factory, shared_data, embedder):
    settings = offline_settings(tmp_path_factory.mktemp("reviews") / "data")
    with TestClient(build_app(settings, embedder=embedder)) as api:
        doc = api.post("/documents", **multipart(shared_data / IVILLAGE)).json()
        api.doc = wait_done(api, doc["id"])
        yield api


def test_an_offline_review_fills_typed_cells_with_quotes_on_their_pages(offline):
    api, doc = offline, offline.doc
    made = api.post("/reviews", json={"fields": FIELDS})
    assert made.status_code == 202, made.text
    assert made.json()["estimate"]["cost_usd"] == 0 and made.json()["estimate"]["offline"]
    done = _wait(api, made.json()["id"])
    assert done["status"] == "done" and done["progress"] == {"cells_done": 3, "cells_total": 3}
    (row,) = done["rows"]
    cells = row["cells"]
    assert row["filename"] == doc["filename"] and list(cells) == [f["name"] for f in FIELDS]
    law = cells["Governing Law"]
    assert law["found"] and "New York" in law["value"] and law["route"]["mode"] == "local"
    assert cells["Agreement Date"]["value"] == "1998-12-18"
    assert isinstance(cells["Exclusivity"]["value"], bool)
    pages = api.app.state.resources.pages
    for cell in cells.values():
        for c in cell["citations"]:
            assert quote_on_page(c["quote"], pages.page(doc["id"], c["page"])), c
        # What was read for the cell: the clause finder's best candidates, each with its
        # context, verbatim from its page; the cited sentences are among them.
        read = {p["pages"][0] for p in cell["passages"]}
        assert {c["page"] for c in cell["citations"]} <= read and len(cell["passages"]) <= 6
        for p in cell["passages"]:
            assert p["text"] and p["text"] in pages.page(doc["id"], p["pages"][0])


def test_the_table_exports_to_xlsx_and_csv(offline):
    review = _wait(offline, offline.post("/reviews", json={"fields": FIELDS}).json()["id"])
    xlsx = offline.get(f"/reviews/{review['id']}/export?format=xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.freeze_panes == "B2"
    header = [c.value for c in sheet[1]]
    assert header == ["document", "Governing Law", "Governing Law (page)", "Exclusivity",
                      "Exclusivity (page)", "Agreement Date", "Agreement Date (page)"]  # fmt: skip
    law, page = sheet.cell(2, 2), sheet.cell(2, 3)
    cited = review["rows"][0]["cells"]["Governing Law"]["citations"][0]
    assert "New York" in law.value and law.comment.text == cited["quote"]
    assert page.value == cited["page"] and f"page={cited['page']}" in page.hyperlink.target
    lines = offline.get(f"/reviews/{review['id']}/export?format=csv").text.lstrip("\ufeff")
    assert lines.splitlines()[0].split(",")[:3] == [
        "document",
        "Governing Law",
        "Governing Law (page)",
    ]


def test_bad_requests_say_what_is_wrong_and_start_nothing(offline):
    before = len(offline.get("/reviews").json()["items"])
    cases = {
        "nope": "no preset 'nope'; the presets are: cuad",
        (): "there are none",
    }
    for fields, said in cases.items():
        refused = offline.post("/reviews", json={"fields": fields if fields else []})
        assert refused.status_code == 422 and said in refused.json()["detail"], refused.text
    schema = {"type": "object", "properties": {"x": {"type": "object"}}}
    bad = offline.post("/reviews", json={"fields": schema})
    assert bad.status_code == 422 and "'object' is not supported" in bad.json()["detail"]
    enum = [{"name": "x", "type": "enum"}]
    assert "an enum needs `values`" in offline.post("/reviews", json={"fields": enum}).text
    assert (
        offline.post("/reviews", json={"fields": FIELDS, "document_ids": ["no-such"]}).status_code
        == 404
    )
    registry = offline.app.state.resources.registry
    failed, _ = registry.create_or_get("default", "broken.pdf", "ab" * 32, 10)
    registry.mark_failed(failed.id, "not a PDF")
    busy = offline.post("/reviews", json={"fields": FIELDS, "document_ids": [failed.id]})
    assert busy.status_code == 409 and "failed" in busy.json()["detail"]
    estimate = offline.post("/reviews", json={"fields": "cuad", "estimate_only": True})
    assert estimate.status_code == 200 and len(estimate.json()["fields"]) == 41
    assert estimate.json()["fields"][35]["name"] == "Cap On Liability"
    assert len(offline.get("/reviews").json()["items"]) == before  # nothing started
    assert offline.get("/reviews/nope").status_code == 404
    registry.delete(failed.id)


@pytest.fixture(scope="module")
def paid(tmp_path_factory, shared_data, embedder):
    with FakeOpenAIServer(default=_answer) as fake:
        settings = offline_settings(tmp_path_factory.mktemp("paid") / "data").model_copy(
            update={"openai_base_url": fake.base_url, "openai_api_key": SecretStr("k")}
        )
        with TestClient(build_app(settings, embedder=embedder)) as api:
            ids = {}
            for name, rel in (("short", IVILLAGE), ("long", LONG_PDF)):
                doc = api.post("/documents", **multipart(shared_data / rel)).json()
                ids[name] = wait_done(api, doc["id"], timeout_s=600)["id"]
            api.fake, api.ids = fake, ids
            yield api


def _ledger_usd(api: TestClient, review_id: str) -> float:
    engine = api.app.state.resources.registry.engine
    query = sa.select(sa.func.sum(usage.c.cost_usd)).where(usage.c.question_id == review_id)
    with engine.connect() as conn:
        return float(conn.scalar(query) or 0)


def test_a_short_contract_is_one_stuffed_call_and_a_long_one_a_retrieval_per_field(paid):
    before = paid.fake.calls()
    made = paid.post("/reviews", json={"fields": FIELDS, "document_ids": list(paid.ids.values())})
    assert made.status_code == 202, made.text
    estimate = made.json()["estimate"]
    ways = {d["document_id"]: (d["mode"], d["calls"]) for d in estimate["documents"]}
    assert ways == {paid.ids["short"]: ("stuff", 1), paid.ids["long"]: ("rag", len(FIELDS))}
    done = _wait(paid, made.json()["id"])
    assert done["status"] == "done", done["error"]
    assert paid.fake.calls() - before == 1 + len(FIELDS)
    sent = paid.fake.requests[before]
    assert sent.body["response_format"]["json_schema"]["strict"] is True
    rows = {r["document_id"]: r["cells"] for r in done["rows"]}
    law = rows[paid.ids["short"]]["Governing Law"]
    assert law["found"], law
    assert law["value"] == "New York" and law["citations"][0]["page"] == 4
    assert rows[paid.ids["long"]]["Exclusivity"]["route"]["mode"] == "rag"
    assert rows[paid.ids["long"]]["Exclusivity"]["passages"]  # what retrieval gave it
    # The estimate, made before anything was spent, against the ledger after.
    spent = _ledger_usd(paid, done["id"])
    assert spent == pytest.approx(done["cost_usd"], abs=1e-6)
    assert abs(spent - estimate["cost_usd"]) <= 0.10 * estimate["cost_usd"], (spent, estimate)
