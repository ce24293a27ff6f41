"""Helpers for tests that upload documents through the HTTP API and wait for them."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader

from core.settings import Settings
from core.storage.pages import PageStore
from ingest.chunk import chunk_pages
from ingest.ocr import OcrOptions
from ingest.pdf import read_pages

# Small, distinct, real PDFs (1 to 7 pages) from ../shared/data.
SMALL_PDFS = (
    "legal/cuad/NYLIACVARIABLEANNUITYSEPARATEACCOUNTIII_04_10_2020-EX-99.8.KK-"
    "SERVICE AGREEMENT.PDF",
    "technical/code_and_formula.pdf",
    "technical/interface-config-guide-p93.pdf",
    "technical/a1977-backus-p21.pdf",
    "technical/amt_handbook_sample.pdf",
    "legal/cuad_extra/SPHERE3DCORP_06_24_2020-EX-10.12-CONSULTING AGREEMENT.PDF",
    "legal/cuad/DataCallTechnologies_20060918_SB-2A_EX-10.9_944510_EX-10.9_"
    "Content License Agreement.pdf",
    "legal/cuad/IVILLAGEINC_03_17_1999-EX-10.16-SPONSORSHIP AGREEMENT.PDF",
    "legal/cuad_extra/WARNERCHILCOTTPLC_12_31_2003-EX-4.36-DEVELOPMENT AGREEMENT.PDF",
    "legal/cuad/ADMA BioManufacturing, LLC -  Amendment #3 to Manufacturing Agreement .PDF",
)
LONG_PDF = "technical/pdf2image-memory-error-test-400p.pdf"
DONE = ("ready", "failed")


def offline_settings(data_dir: Path) -> Settings:
    """Settings on `data_dir` with every client embedded and no model key, whatever the
    developer's FOLIO_* variables or .env say (explicit values win over both)."""
    return Settings(
        data_dir=data_dir,
        _env_file=None,
        openai_api_key=None,
        openai_base_url=None,
        qdrant_url=None,
        broker_url=None,
        models_file=None,
    )


def multipart(path: Path, password: str | None = None) -> dict:
    """Keyword arguments for an httpx/TestClient POST of a PDF upload."""
    form = {"files": {"file": (path.name, path.read_bytes(), "application/pdf")}}
    if password is not None:
        form["data"] = {"password": password}
    return form


def wait_for(
    fetch: Callable[[], dict], done: Callable[[dict], bool], timeout_s: float = 300
) -> dict:
    """Poll `fetch` until `done`; fail (not hang) if it never gets there."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = fetch()
        if done(state):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting; last state: {state}")
        time.sleep(0.2)


def wait_done(client, doc_id: str, timeout_s: float = 300) -> dict:
    """Poll GET /documents/{id} until the document is ready or failed."""
    return wait_for(
        lambda: client.get(f"/documents/{doc_id}").json(),
        lambda d: d["status"] in DONE,
        timeout_s,
    )


def expected_counts(
    path: Path,
    chunk_tokens: int = Settings.model_fields["chunk_tokens"].default,
    overlap: int = Settings.model_fields["chunk_overlap"].default,
) -> tuple[int, int]:
    """(pages, chunks) of a clean run, worked out here with pypdf (and OCR for pages without
    text, as the service does by default) and the chunker alone."""
    texts = [page.text for page in read_pages(path, ocr=OcrOptions())]
    assert len(texts) == len(PdfReader(path).pages)
    return len(texts), len(chunk_pages(texts, chunk_tokens, overlap))


def assert_ready_and_consistent(doc: dict, path: Path, pages: PageStore) -> None:
    """A ready document's counts agree with the file and with its stored page texts."""
    want_pages, want_chunks = expected_counts(path)
    assert doc["status"] == "ready", doc
    assert (doc["pages"], doc["chunks"]) == (want_pages, want_chunks)
    assert doc["progress"] == {
        "pages_parsed": want_pages,
        "pages_total": want_pages,
        "chunks_embedded": want_chunks,
        "chunks_total": want_chunks,
        "pages_ocr": len(doc["ocr"]["pages"]),
    }
    stored = list(pages.read(doc["id"]))
    assert [p.page for p in stored] == list(range(1, want_pages + 1))
    assert doc["tokens"] == sum(p.tokens for p in stored) > 0
    assert doc["error"] is None
