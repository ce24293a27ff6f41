"""Every shared bad PDF uploaded through the API, with good documents alongside: each bad one
ends `failed` with the reason pypdf gives (or `ready` where it recovers), the good ones end
`ready`, and the service keeps serving throughout."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from ingest.ocr import OcrOptions
from ingest.pdf import NoTextError, PdfError, looks_like_pdf, read_pages
from tests.api.uploading import SMALL_PDFS, assert_ready_and_consistent, multipart, wait_done

# Not malformed but a chunking stress test (927 chunks of dense text), ingested by
# tests/ingest; through the API it would cost about a minute of embedding for nothing new.
SKIP = {"pdfjs__TAMReview.pdf"}
# No text layer: failed ("scanned, no text layer") before OCR, ready with OCR'd text now.
OCR_READY = {"docling__ocr_test.pdf", "pdfjs__scan-bad.pdf", "unstructured__loremipsum-flat.pdf"}


@functools.cache
def _expected(path: Path) -> tuple[int, str | None]:
    """(HTTP status of the upload, failure reason or None) worked out from the file alone,
    OCR'd as the service does by default."""
    with open(path, "rb") as fh:
        if not looks_like_pdf(fh.read(1024)):
            return 415, None
    try:
        for _ in read_pages(path, ocr=OcrOptions()):
            pass
    except PdfError as exc:
        return 202, str(exc)
    return 202, None


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder) -> TestClient:
    data_dir = tmp_path_factory.mktemp("bad") / "data"
    settings = Settings(data_dir=data_dir, broker_url=None, qdrant_url=None, _env_file=None)
    with TestClient(build_app(settings, embedder=embedder)) as test_client:
        yield test_client


def test_bad_pdfs_fail_with_reasons_and_good_ones_alongside_end_ready(client, shared_data):
    bad = sorted(p for p in (shared_data / "bad_pdfs").glob("*.pdf") if p.name not in SKIP)
    good = [shared_data / name for name in SMALL_PDFS[:2]]
    assert len(bad) >= 35
    uploads: dict[Path, str] = {}
    # Interleave good documents with the bad ones, so they queue among them.
    for path in [good[0], *bad[: len(bad) // 2], good[1], *bad[len(bad) // 2 :]]:
        status, _ = _expected(path) if path in bad else (202, None)
        response = client.post("/documents", **multipart(path))
        assert response.status_code == status, (path.name, response.text)
        if status == 202:
            uploads[path] = response.json()["id"]
        else:
            assert "not a PDF" in response.json()["detail"]
        assert client.get("/healthz").status_code == 200

    outcomes = {path: wait_done(client, doc_id) for path, doc_id in uploads.items()}
    failed = ready = 0
    for path, doc in outcomes.items():
        _, reason = _expected(path) if path in bad else (202, None)
        if reason is None:
            assert doc["status"] == "ready", (path.name, doc["error"])
            assert doc["chunks"] > 0 and doc["error"] is None
            ready += 1
        else:
            assert doc["status"] == "failed", path.name
            assert doc["error"] == reason
            failed += 1
    assert failed >= 15 and ready >= 15  # both kinds are well represented

    pages = client.app.state.resources.pages
    for path in good:
        assert_ready_and_consistent(outcomes[path], path, pages)
    for name in OCR_READY:
        doc = outcomes[shared_data / "bad_pdfs" / name]
        assert doc["status"] == "ready" and doc["ocr"]["pages"] == [1], (name, doc)
        assert doc["ocr"]["mean_confidence"] > 0.5 and doc["progress"]["pages_ocr"] == 1
        with pytest.raises(NoTextError, match="OCR is off"):
            list(read_pages(shared_data / "bad_pdfs" / name, ocr=OcrOptions(mode="off")))
    # The repairable file with no %PDF header got through the magic-byte sniff.
    assert outcomes[shared_data / "bad_pdfs" / "pdfjs__bug1606566.pdf"]["status"] == "ready"
    assert client.get("/readyz").status_code == 200
