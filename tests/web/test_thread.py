"""The web page as a thread: a follow-up is sent with the questions before it, the page
says how it was read, and "New thread" makes the next question stand alone."""

from __future__ import annotations

import httpx
import pytest

from tests.api.chat_server import upload
from tests.web.conftest import start_serve
from tests.web.test_page import CONTRACT, TIMEOUT_MS, ask, sign_in


@pytest.fixture(scope="module")
def served(tmp_path_factory, shared_data):
    for url in start_serve(tmp_path_factory.mktemp("web-thread")):
        with httpx.Client(base_url=url, headers=url.headers, timeout=120) as client:
            upload(client, shared_data / CONTRACT)
        yield url


def test_a_follow_up_is_read_in_its_thread(page, served, shots) -> None:
    page.goto(served)
    if served.key:
        sign_in(page, served.key)
    page.locator("#doc-rows tr[data-status=ready]").wait_for(timeout=TIMEOUT_MS)
    ask(page, "What does the agreement say about governing law?")
    assert "stands alone" in page.locator("#asked").inner_text()
    cited = ask(page, "Where exactly does it say that?")
    asked = page.locator("#asked").inner_text()
    assert "read as “Where exactly does the governing law say that?”" in asked, asked
    assert any("laws of" in c["quote"].lower() for c in cited), cited
    items = page.locator("#history-list .history-meta").all_inner_texts()
    assert "read as" in items[0] and "stands alone" in items[1]
    shots(page, "follow-up", full_page=False)
    page.get_by_role("button", name="New thread").click()
    ask(page, "Where exactly does it say that?")
    assert "stands alone" in page.locator("#asked").inner_text()
