"""The web page at `/`, as a reader uses it: drop PDFs (one encrypted), watch them reach
their end states, ask who the parties are, open the first citation on its page with the
quote highlighted, zoom, ask again (the viewer follows the new answer; [n] markers tie
each part to its citation; the session's questions stay reachable), find passages,
filter, delete; on a laptop screen and a narrow one."""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.web.conftest import start_serve

CONTRACT = "legal/cuad_extra/SPHERE3DCORP_06_24_2020-EX-10.12-CONSULTING AGREEMENT.PDF"
ENCRYPTED = "bad_pdfs/unstructured__password.pdf"  # user password "password"
NOT_A_PDF = "bad_pdfs/qpdf__extend-c-api_bad.pdf"  # the text "not even a pdf file"
TIMEOUT_MS = 120_000
MARKS = r"/\[\d+\]/g"  # the [n] markers, as a JavaScript pattern

# As the page folds text to compare a quote with pdf.js's text layer (api/web/js/viewer.js).
_STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.+|…|\[\.\.\.\])\s*")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_STRAIGHT).lower()
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    yield from start_serve(tmp_path_factory.mktemp("web"))


def drop(page, *paths: Path) -> None:
    """Drop files on the drop zone as a user's drag and drop does (a real DataTransfer)."""
    files = [{"name": p.name, "b64": base64.b64encode(p.read_bytes()).decode()} for p in paths]
    page.evaluate(
        """(files) => {
            const dt = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
                dt.items.add(new File([bytes], f.name, { type: "application/pdf" }));
            }
            const zone = document.getElementById("drop");
            zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true }));
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true }));
        }""",
        files,
    )


def row(page, filename: str):
    return page.locator("#doc-rows tr[data-id]", has=page.locator("td.name", has_text=filename))


def wait_status(page, filename: str, status: str) -> None:
    row(page, filename).and_(page.locator(f"[data-status={status}]")).wait_for(timeout=TIMEOUT_MS)


def sign_in(page, key: str) -> None:
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_upload_ask_cite_search_delete(page, url, shared_data, shots) -> None:
    contract, encrypted = shared_data / CONTRACT, shared_data / ENCRYPTED
    _open_and_sign_in(page, url, shots)
    _upload(page, shared_data, contract, encrypted, shots)
    first = _ask_and_open_a_citation(page, shots)
    _zoom(page)
    _ask_again_and_go_back(page, first, shots)
    # A reload keeps the tab's key and its questions, the newest answer on the page.
    page.reload()
    wait_status(page, contract.name, "ready")
    page.locator("#history-list button.history-item").nth(1).wait_for(timeout=TIMEOUT_MS)
    assert page.locator("#asked .asked-q").inner_text() == "Which law governs this agreement?"
    assert page.locator("#answer-text button.marker").count() >= 1
    passage = _search_usage_and_delete(page, url, contract, encrypted, shots)

    # A narrow screen: one column, the viewer below the passages, nothing wider than it.
    page.set_viewport_size({"width": 400, "height": 900})
    passage.click()
    page.locator("#viewer mark.hl").first.wait_for(timeout=TIMEOUT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    shots(page, "narrow")


def _open_and_sign_in(page, url, shots) -> None:
    page.goto(url)
    if url.key:  # a server with API keys: it says so, and the admin key opens it
        banner = page.locator("#banner")
        banner.wait_for(timeout=TIMEOUT_MS)
        said = banner.inner_text()
        # Said once, naming the file the key is in (not the server's DATA_DIR jargon).
        assert "needs an API key" in said and "./data/admin.key" in said
        assert said.count("API key") == 1 and "DATA_DIR" not in said
        shots(page, "needs-key")
        sign_in(page, url.key)
        banner.wait_for(state="hidden", timeout=TIMEOUT_MS)
    # Every control has a label a screen reader reads out.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea, button")]
            .filter((e) => !(e.labels?.length || e.ariaLabel || e.textContent.trim()))
            .map((e) => e.id || e.outerHTML)"""
    )
    assert unlabelled == []
    shots(page, "empty")


def _upload(page, shared_data, contract, encrypted, shots) -> None:
    # A file that is not a PDF is refused at once, and says why.
    drop(page, shared_data / NOT_A_PDF)
    refused = page.locator("#doc-rows tr[data-status=refused]")
    refused.wait_for(timeout=TIMEOUT_MS)
    assert "PDF" in refused.locator(".reason").inner_text()
    shots(page, "refused")
    refused.get_by_role("button", name="Dismiss").click()
    refused.wait_for(state="detached")

    # Two PDFs dropped at once, the encrypted one without its password.
    drop(page, contract, encrypted)
    wait_status(page, contract.name, "ready")
    wait_status(page, encrypted.name, "failed")
    assert row(page, contract.name).locator("td.num").first.inner_text() == "4"
    reason = row(page, encrypted.name).locator(".reason").inner_text()
    assert "password is required" in reason
    shots(page, "uploaded")

    # Its password, typed in its row: the same file is read again, now opened.
    row(page, encrypted.name).get_by_label(f"Password of {encrypted.name}").fill("password")
    row(page, encrypted.name).get_by_role("button", name="Open with password").click()
    wait_status(page, encrypted.name, "ready")
    shots(page, "encrypted-ready")


def ask(page, question: str) -> list[dict]:
    """Ask on the page and wait for this question's answer; its citations."""
    page.get_by_label("Question").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_function(
        """(q) => document.querySelector('#asked .asked-q')?.textContent === q
            && !document.getElementById('answer').hasAttribute('aria-busy')
            && document.querySelector('#route .route-line')""",
        arg=question,
        timeout=TIMEOUT_MS,
    )
    return [
        {"page": b.get_attribute("data-page"), "quote": b.get_attribute("data-quote")}
        for b in page.locator("#citations button.citation").all()
    ]


def check_markers(page, citations: list[dict]) -> None:
    """One [n] per citation in the answer text, each after the words it quotes when the
    answer has them (the offline reader's answers are made of its quotes)."""
    shown = page.locator("#answer-text button.marker").all_inner_texts()
    assert sorted(int(m.strip("[]")) for m in shown) == list(range(1, len(citations) + 1))
    text = fold(page.locator("#answer-text").evaluate(f"(e) => e.textContent.replace({MARKS}, '')"))
    for n, cited in enumerate(citations, 1):
        before = page.locator(f"#answer-text .marker[data-n='{n}']").evaluate(
            """(m) => { const r = document.createRange();
                r.setStart(document.getElementById('answer-text'), 0); r.setEndBefore(m);
                return r.toString(); }"""
        )
        before = re.sub(r"\[\d+\]", "", before)
        tail = fold(_ELLIPSIS.split(cited["quote"])[-1])[-25:]
        if tail in text:
            assert fold(before).endswith(tail), (n, before[-80:], cited["quote"])


def _ask_and_open_a_citation(page, shots) -> dict:
    """Ask who the parties are; open the first citation; returns it."""
    citations = ask(page, "Who are the parties?")
    first = page.locator("#citations button.citation").first
    assert citations, "no citation to open"
    assert "Sphere 3D" in page.locator("#answer-text").inner_text()
    asked = page.locator("#asked").inner_text()
    assert "Who are the parties?" in asked and "stands alone" in asked
    # The route in plain words first; the router's details behind a toggle.
    line = page.locator("#route .route-line").inner_text()
    assert "no model key, so the answer quotes the text" in line
    assert re.search(r"with a key, \S+ would cost about \$0\.\d+", line), line
    assert not page.locator("#route .reason-text").is_visible()
    page.locator("#route summary").click()
    badge = page.locator("#route").inner_text()
    assert "offline-reader" in badge and "Rejected alternatives" in badge
    assert first.locator(".cite-n").inner_text() == "[1]"
    check_markers(page, citations)
    shots(page, "answer")

    # The first citation opens the PDF beside the answer, at its page, quote highlighted.
    cited_page, quote = first.get_attribute("data-page"), first.get_attribute("data-quote")
    first.focus()  # from the keyboard: Enter on the citation
    page.keyboard.press("Enter")
    page.locator("#viewer mark.hl").first.wait_for(timeout=TIMEOUT_MS)
    viewer = page.locator("#viewer")
    assert viewer.get_attribute("data-page") == cited_page
    assert page.locator("#viewer-page").inner_text().startswith(f"Page {cited_page} of 4")
    marked = "".join(page.locator("#viewer mark.hl").all_inner_texts())
    assert fold(marked) == folded_quote(quote)
    assert page.locator("#viewer-note").inner_text() == "The quote is highlighted."
    assert page.evaluate("document.activeElement.id") == "viewer-scroll"  # arrows turn pages
    shots(page, "citation-in-viewer")
    # The rejected alternatives, each with its estimated cost.
    alternatives = page.locator("#route details li").all_inner_texts()
    assert alternatives and all("$" in a for a in alternatives)
    page.locator("#answer").scroll_into_view_if_needed()
    shots(page, "citation-beside-answer", full_page=False)
    return {"page": cited_page, "quote": quote}


def marked(page) -> str:
    """The highlighted text in the viewer, folded, once it is drawn."""
    page.locator("#viewer mark.hl").first.wait_for(timeout=TIMEOUT_MS)
    return fold("".join(page.locator("#viewer mark.hl").all_inner_texts()))


def folded_quote(quote: str) -> str:
    """A quote as the highlight shows it: folded, its ellipses left out."""
    return fold("".join(_ELLIPSIS.split(quote)))


def marked_as(page, quote: str) -> str:
    """The highlighted text once it is `quote`'s, or what it is at the timeout: a citation
    on the page already shown redraws it, and the old marks stand until then."""
    want = folded_quote(quote)
    for _ in range(TIMEOUT_MS // 100):
        got = marked(page)
        if got == want:
            break
        page.wait_for_timeout(100)
    return got


def _zoom(page) -> None:
    """Zoom in and back: the page is drawn larger, the quote still highlighted."""
    canvas = page.locator("#viewer-canvas")
    fitted = canvas.bounding_box()["width"]
    page.get_by_role("button", name="Zoom in").click()
    page.wait_for_function(
        """(w) => document.getElementById('viewer').dataset.zoom === '1.25'
            && document.getElementById('viewer-canvas').getBoundingClientRect().width > w
            && document.querySelector('#viewer mark.hl')""",
        arg=fitted,
        timeout=TIMEOUT_MS,
    )
    assert canvas.bounding_box()["width"] == pytest.approx(1.25 * fitted, rel=0.02)
    assert page.locator("#viewer-zoom-fit").inner_text() == "125%"
    page.locator("#viewer-zoom-fit").click()  # back to the page's width
    page.wait_for_function(
        "(w) => document.getElementById('viewer-canvas').getBoundingClientRect().width <= w",
        arg=fitted + 1,
        timeout=TIMEOUT_MS,
    )


def _ask_again_and_go_back(page, first: dict, shots) -> None:
    """A second question: the viewer follows its answer; the first stays reachable."""
    second = ask(page, "Which law governs this agreement?")
    assert second and second[0]["quote"] != first["quote"], second
    check_markers(page, second)
    page.wait_for_function(
        "(p) => document.getElementById('viewer').dataset.page === p",
        arg=second[0]["page"],
        timeout=TIMEOUT_MS,
    )
    assert marked_as(page, second[0]["quote"]) == folded_quote(second[0]["quote"])
    # The session's questions, newest first, each marked as standing alone.
    items = page.locator("#history-list button.history-item")
    assert items.count() == 2
    texts = items.all_inner_texts()
    assert "Which law governs" in texts[0] and "Who are the parties?" in texts[1]
    assert all("stands alone" in t for t in texts)
    assert items.nth(0).get_attribute("aria-current") == "true"
    # A marker opens its citation in the viewer.
    last = len(second)
    page.locator(f"#answer-text .marker[data-n='{last}']").click()
    page.wait_for_function(
        "(p) => document.getElementById('viewer').dataset.page === p",
        arg=second[-1]["page"],
        timeout=TIMEOUT_MS,
    )
    assert marked_as(page, second[-1]["quote"]) == folded_quote(second[-1]["quote"])
    page.locator("#answer").scroll_into_view_if_needed()
    shots(page, "second-answer-and-history", full_page=False)

    # Back to the first question: its answer, and the viewer on its first citation.
    items.nth(1).click()
    assert page.locator("#asked .asked-q").inner_text() == "Who are the parties?"
    assert "Sphere 3D" in page.locator("#answer-text").inner_text()
    assert items.nth(1).get_attribute("aria-current") == "true"
    page.wait_for_function(
        "(p) => document.getElementById('viewer').dataset.page === p",
        arg=first["page"],
        timeout=TIMEOUT_MS,
    )
    assert marked_as(page, first["quote"]) == folded_quote(first["quote"])
    # The question at the top, not the page's end (where the sticky viewer is pushed up).
    page.locator("#asked").evaluate("(e) => { e.scrollIntoView(); window.scrollBy(0, -60); }")
    shots(page, "back-to-the-first-answer", full_page=False)  # as docs/img/web-page.png


def _search_usage_and_delete(page, url, contract, encrypted, shots):
    """Search, open a passage, read usage, filter and delete; returns the passage shown."""
    # /search: passages with their pages, opened in the same viewer.
    page.get_by_label("Question").fill("governing law of this agreement")
    page.get_by_role("button", name="Find passages").click()
    passage = page.locator("#passages button.citation").first
    passage.wait_for(timeout=TIMEOUT_MS)
    first_page = passage.get_attribute("data-page").split("-")[0]
    passage.click()
    # A function, not a string: the page's CSP forbids eval, Playwright's string form too.
    page.wait_for_function(
        """(want) => document.getElementById('viewer').dataset.page === want
            && document.querySelectorAll('#viewer mark.hl').length > 0""",
        arg=first_page,
        timeout=TIMEOUT_MS,
    )
    shots(page, "search-in-viewer")

    # Usage: the offline reader's calls by model.
    page.get_by_role("button", name="Refresh usage").click()
    chart = page.locator("#chart-model [role=img][aria-label*='offline-reader']")
    chart.wait_for(timeout=TIMEOUT_MS)

    # Filter by name, then delete the encrypted document.
    page.get_by_label("Filter by name").fill("sphere")
    assert page.locator("#doc-rows tr[data-id]").count() == 1
    page.get_by_label("Filter by name").fill("")
    row(page, encrypted.name).get_by_role("button", name=f"Delete {encrypted.name}").click()
    row(page, encrypted.name).wait_for(state="detached", timeout=TIMEOUT_MS)
    listed = httpx.get(f"{url}/documents", headers=url.headers).json()
    assert [d["filename"] for d in listed["items"]] == [contract.name]
    # Each row shows the document's id, as `folio ask --doc` takes it.
    assert row(page, contract.name).locator(".doc-id").inner_text() == listed["items"][0]["id"]
    shots(page, "deleted")
    return passage


PARTIES = (
    "Alpha Corp. and Beta LLC are the parties. The term is twelve months.\nNotices go by mail."
)
PLACES = [  # quote -> (what the marker follows, how it was placed)
    ("Alpha Corp. and  Beta LLC are the parties", ("are the parties", "quote")),
    ("The term is … twelve months.", ("twelve months.", "quote")),  # an ellipsis
    ("NOTICES go by\nmail", ("Notices go by mail", "quote")),
    # its start (30+ characters) when the rest differs
    ("Alpha Corp. and Beta LLC are the parties to it, as set out", ("are the parties", "quote")),
    ("Notices under this Agreement shall be sent by registered mail", ("by mail.", "sentence")),
    ("Governing law: Delaware", (PARTIES, "end")),  # nothing in the answer says it
]


def test_markers_follow_the_words_they_cite(page, url) -> None:
    """Where the page puts each [n] (api/web/js/markers.js), on answers built to show each
    way: the quote's words (spaces, curly quotes and ellipses folded), else the sentence
    sharing most words with it, else the end."""
    page.goto(url)
    quotes = [{"quote": q} for q, _ in PLACES]
    places = page.evaluate(
        """async ([text, cites]) => {
            const { placeMarkers } = await import('/web/js/markers.js');
            return placeMarkers(text, cites);
        }""",
        [PARTIES, quotes],
    )
    assert [p["n"] for p in places] == list(range(1, len(PLACES) + 1))
    for place, (quote, (follows, how)) in zip(places, PLACES, strict=True):
        assert (PARTIES[: place["at"]].endswith(follows), place["how"]) == (True, how), quote


def test_a_wrong_key_says_so(page, url, shots) -> None:
    if not url.key:
        pytest.skip("this build of folio has no API keys")
    page.goto(url)
    sign_in(page, "folio_" + "x" * 43)
    page.wait_for_function(
        "() => document.getElementById('banner').textContent.includes('not accepted')",
        timeout=TIMEOUT_MS,
    )
    said = page.locator("#banner").inner_text()
    assert "not accepted (revoked, or mistyped)" in said and "./data/admin.key" in said
    assert page.locator("#key-state").inner_text() == "Key not accepted."
    assert "Sign in" in page.locator("#doc-empty").inner_text()
    shots(page, "wrong-key")
    sign_in(page, url.key)
    page.locator("#banner").wait_for(state="hidden", timeout=TIMEOUT_MS)
    assert page.locator("#key-state").inner_text() == "Key set for this tab."
    # Kept for the tab only, never in the address.
    assert page.evaluate("sessionStorage.getItem('folio.apiKey')") == url.key
    assert url.key not in page.url


def test_original_pdf_is_served_private_and_unknown_ids_are_404(url, shared_data) -> None:
    auth = url.headers
    name = Path(CONTRACT).name
    docs = httpx.get(f"{url}/documents", headers=auth).json()["items"]
    docs = [d for d in docs if d["filename"] == name]  # other tests upload others
    if not docs:  # run alone: upload one
        path = shared_data / CONTRACT
        files = {"file": (path.name, path.read_bytes(), "application/pdf")}
        docs = [httpx.post(f"{url}/documents", files=files, headers=auth).json()]
    doc = docs[0]
    if url.key:  # the file is its tenant's: no key, no file
        assert httpx.get(f"{url}/documents/{doc['id']}/file").status_code == 401
    got = httpx.get(f"{url}/documents/{doc['id']}/file", headers=auth)
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["cache-control"] == "private, no-store"
    assert got.headers["content-disposition"].startswith("inline;")
    assert (shared_data / CONTRACT).read_bytes() == got.content
    missing = httpx.get(f"{url}/documents/{'0' * 32}/file", headers=auth)
    assert missing.status_code == 404 and "no document" in missing.json()["detail"]
    assert httpx.get(f"{url}/web/../routes/web.py").status_code == 404
    page = httpx.get(f"{url}/")
    assert page.status_code == 200 and 'src="/web/js/main.js"' in page.text


def test_folio_docs_lists_what_the_server_holds(url, shared_data, monkeypatch) -> None:
    """`folio docs` through this running server (tests/cli/test_docs.py: with none)."""
    served = httpx.get(f"{url}/documents", headers=url.headers).json()["items"]
    if not served:  # run alone: upload one
        path = shared_data / CONTRACT
        files = {"file": (path.name, path.read_bytes(), "application/pdf")}
        httpx.post(f"{url}/documents", files=files, headers=url.headers)
        served = httpx.get(f"{url}/documents", headers=url.headers).json()["items"]
    if url.key:
        monkeypatch.setenv("FOLIO_API_KEY", url.key)
    got = CliRunner().invoke(app, ["docs", "--url", url, "--json"])
    assert got.exit_code == 0, got.output
    keys = ("id", "filename", "status", "pages", "tokens", "created_at")
    listed = json.loads(got.stdout)["items"]
    assert [[d[k] for k in keys] for d in listed] == [[d[k] for k in keys] for d in served]
    table = CliRunner().invoke(app, ["documents", "--url", url], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and all(d["id"] in table.stdout for d in served)
