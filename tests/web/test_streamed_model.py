"""The web page with a model behind folio (a real OpenAI-protocol server on 127.0.0.1,
scripted): the answer streams in, the badge shows real dollars next to the estimate, the
usage chart counts them, and the citation still lands highlighted on its page."""

from __future__ import annotations

import json
import re

import pytest

from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.web.conftest import start_serve
from tests.web.test_page import CONTRACT, TIMEOUT_MS

QUOTE = "THIS CONSULTING AGREEMENT is made and entered into as of June 1st, 2020"
ANSWER = "The parties are Groupe Parameus Corp (the Consultant) and Sphere 3D Corp. (the Company)."
# A second server (~40 s with its start): past the default run's budget, so run it with -m full.
pytestmark = pytest.mark.full


def _reply(body: dict) -> Reply:
    """The model's streamed answer, citing page 1 of the document in the prompt."""
    found = re.search(r'<document id="([^"]+)"', body["messages"][-1]["content"])
    cite = {"document_id": found.group(1) if found else "?", "page": 1, "quote": QUOTE}
    return Reply(f"{ANSWER}\n###CITATIONS###\n" + json.dumps({"found": True, "citations": [cite]}))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with FakeOpenAIServer(default=_reply) as model:
        yield from start_serve(
            tmp_path_factory.mktemp("web-model"),
            FOLIO_OPENAI_BASE_URL=model.base_url,
            FOLIO_OPENAI_API_KEY="test",
        )


def test_a_model_answer_streams_and_costs(page, served, shared_data, shots) -> None:
    page.goto(served)
    if served.key:
        page.get_by_label("API key").fill(served.key)
        page.get_by_role("button", name="Sign in").click()
    page.set_input_files("#file-input", [shared_data / CONTRACT])
    page.locator("#doc-rows tr[data-status=ready]").wait_for(timeout=TIMEOUT_MS)
    page.get_by_label("Question").fill("Who are the parties?")
    # Every text the answer box held on its way (each delta replaces its text node; the
    # records keep each node, however the browser batches them): several means it streamed.
    page.evaluate(
        """() => {
            window.seen = new Set();
            const box = document.getElementById("answer-text");
            new MutationObserver((records) => {
                for (const r of records) {
                    for (const n of r.addedNodes) window.seen.add(n.textContent);
                }
            }).observe(box, { childList: true });
        }"""
    )
    page.get_by_role("button", name="Ask", exact=True).click()
    first = page.locator("#citations button.citation").first
    first.wait_for(timeout=TIMEOUT_MS)
    # The finished answer is drawn again with its [n] markers (buttons): its text stays.
    seen = page.evaluate("[...window.seen].filter((t) => t && !/^\\[\\d+\\]$/.test(t))")
    assert len(seen) > 2 and seen[-1] == ANSWER
    assert page.locator("#answer-text button.marker").all_inner_texts() == ["[1]"]
    line = page.locator("#route .route-line").inner_text()
    assert line.startswith("Read the whole document with gpt-4o, for $") and "key" not in line
    page.locator("#route summary").click()  # the router's details
    badge = page.locator("#route").inner_text()
    cost = re.search(r"Cost\s+\$([0-9.]+) \(estimated \$([0-9.]+)\)", badge)
    assert cost and float(cost.group(1)) > 0 and float(cost.group(2)) > 0, badge
    first.click()
    page.locator("#viewer mark.hl").first.wait_for(timeout=TIMEOUT_MS)
    assert page.locator("#viewer").get_attribute("data-page") == "1"
    assert page.locator("#viewer-note").inner_text() == "The quote is highlighted."
    page.get_by_role("button", name="Refresh usage").click()
    page.locator("#chart-model [role=img][aria-label^='dollars']").wait_for(timeout=TIMEOUT_MS)
    shots(page, "model-answer", full_page=False)
