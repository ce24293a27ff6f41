"""A review on the web page, in Chromium: the reader's own fields, the estimate, the
table filling in, a cell opening its quote in the viewer, the xlsx download, and a link
from the export opening the viewer at its page."""

from __future__ import annotations

from io import BytesIO

import httpx
import pytest
from openpyxl import load_workbook

from tests.api.uploading import SMALL_PDFS, multipart, wait_done
from tests.web.conftest import start_serve

CONTRACT = SMALL_PDFS[7]  # the iVillage sponsorship agreement: New York law, page 4
TIMEOUT_MS = 120_000
FIELDS = (
    '[{"name": "Governing Law", "question": "Which law governs the agreement?", "type": "text"},'
    ' {"name": "Signed", "question": "When was the agreement signed?", "type": "date"}]'
)


@pytest.fixture(scope="module")
def url(tmp_path_factory, shared_data):
    for served in start_serve(tmp_path_factory.mktemp("review-page")):
        with httpx.Client(base_url=served, headers=served.headers, timeout=60) as api:
            doc = api.post("/documents", **multipart(shared_data / CONTRACT)).json()
            served.doc = wait_done(api, doc["id"])
        yield served


def test_a_review_fills_in_opens_its_quotes_and_exports(page, url, shots) -> None:
    page.goto(url)
    page.get_by_label("API key").fill(url.key)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#doc-rows tr[data-status=ready]").first.wait_for(timeout=TIMEOUT_MS)
    page.locator("#review-preset").select_option("custom")
    page.locator("#review-custom").fill(FIELDS)

    page.get_by_role("button", name="Estimate").click()
    page.wait_for_function(
        "() => document.getElementById('review-state').textContent.includes('Estimate')",
        timeout=TIMEOUT_MS,
    )
    assert (
        "the offline reader fills every cell, at $0" in page.locator("#review-state").inner_text()
    )

    page.get_by_role("button", name="Start review").click()
    page.wait_for_function(
        "() => document.getElementById('review-state').textContent.startsWith('Review done')",
        timeout=TIMEOUT_MS,
    )
    assert "2 of 2 cells" in page.locator("#review-state").inner_text()
    headers = page.locator("#review-table thead th").all_text_contents()
    assert headers == ["Document", "Governing Law", "Signed"]
    law = page.locator("#review-table td[data-field='Governing Law'] button.cell")
    assert "New York" in law.get_attribute("title")  # the quote, on its page
    assert page.locator("#review-table td[data-field='Signed']").inner_text() == "1998-12-18"
    shots(page, "review-done")

    law.click()  # the quote, highlighted on its page
    page.locator("#viewer mark.hl").first.wait_for(timeout=TIMEOUT_MS)
    assert page.locator("#viewer").get_attribute("data-page") == "4"

    with page.expect_download() as download:
        page.get_by_role("button", name="Download xlsx").click()
    sheet = load_workbook(BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet.cell(2, 1).value == url.doc["filename"] and sheet.cell(2, 3).value == 4
    link = sheet.cell(2, 3).hyperlink.target
    assert link.startswith(url) and f"document={url.doc['id']}" in link and "page=4" in link

    # The export's link opens the page with the viewer at that page of that document.
    page.goto(link)
    page.locator("#viewer canvas").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => document.getElementById('viewer').dataset.page === '4'", timeout=TIMEOUT_MS
    )
