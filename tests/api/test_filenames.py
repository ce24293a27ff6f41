"""Uploaded file names are stored safe to show and to use as a path: no control or bidi
characters, no directories, no leading dots; checked on the function and through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from ingest.uploads import DEFAULT_FILENAME, safe_filename
from tests.api.uploading import SMALL_PDFS


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("contract\u202egnp.pdf", "contractgnp.pdf"),  # right-to-left override
        ("\u2066inv\u2069oice\u200b.pdf", "invoice.pdf"),  # isolates, zero-width space
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\x.pdf", "x.pdf"),
        ("..", DEFAULT_FILENAME),
        ("./..", DEFAULT_FILENAME),
        ("a/../", DEFAULT_FILENAME),
        (".hidden.pdf", "hidden.pdf"),
        ("...  .pdf", "pdf"),
        ("tab\tand\nnewline\x00.pdf", "tabandnewline.pdf"),
        ("", DEFAULT_FILENAME),
        (None, DEFAULT_FILENAME),
        ("Amendment  #3 (final), v2.PDF", "Amendment  #3 (final), v2.PDF"),
        ("re\u0301sume\u0301.pdf", "r\u00e9sum\u00e9.pdf"),  # NFC
    ],
)
def test_safe_filename(sent, kept):
    assert safe_filename(sent) == kept


def test_long_names_are_cut_keeping_the_extension():
    name = safe_filename("x" * 1000 + ".pdf")
    assert len(name) == 255 and name.endswith("x.pdf")


def test_uploaded_names_are_stored_clean(tmp_path, embedder, shared_data):
    settings = Settings(
        data_dir=tmp_path / "data", broker_url=None, qdrant_url=None, _env_file=None
    )
    data = (shared_data / SMALL_PDFS[0]).read_bytes()
    hostile = "../..\\.\u202eevil\u202c.pdf"
    with TestClient(build_app(settings, embedder=embedder)) as client:
        response = client.post("/documents", files={"file": (hostile, data, "application/pdf")})
        assert response.status_code == 202, response.text
        assert response.json()["filename"] == "evil.pdf"
        listed = client.get("/documents").json()["items"]
        assert [d["filename"] for d in listed] == ["evil.pdf"]
