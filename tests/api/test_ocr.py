"""A scanned contract through the HTTP API, offline: it ends ready with OCR'd text, the
document says which pages OCR read (and the blank one it skipped), and a question about a
scanned page is answered with a citation that carries `ocr: true`."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cli.service import build_app
from tests.api.uploading import multipart, offline_settings, wait_done
from tests.ingest.scans import NYLIAC, blank_image, image_pdf, scanned_image


def test_a_scanned_contract_is_answered_with_ocr_citations(tmp_path, shared_data, embedder):
    source = shared_data / NYLIAC
    first, second = scanned_image(source, 0), scanned_image(source, 1, seed=1)
    scan = image_pdf([first, second, blank_image(first)], tmp_path / "scanned contract.pdf")
    settings = offline_settings(tmp_path / "data").model_copy(update={"ocr_dpi": 150})
    with TestClient(build_app(settings, embedder=embedder)) as client:
        response = client.post("/documents", **multipart(scan))
        assert response.status_code == 202, response.text
        doc = wait_done(client, response.json()["id"])
        assert doc["status"] == "ready", doc["error"]
        assert doc["pages"] == 3 and doc["chunks"] > 0 and doc["progress"]["pages_ocr"] == 2
        assert doc["ocr"]["pages"] == [1, 2] and doc["ocr"]["skipped"] == 1
        assert 0.8 < doc["ocr"]["mean_confidence"] <= 1

        response = client.post(
            "/query",
            json={"question": "Which law governs this agreement?", "document_ids": [doc["id"]]},
        )
        assert response.status_code == 200, response.text
        out = response.json()
        assert "Massachusetts" in out["answer"] and out["found"]
        cite = out["citations"][0]
        # The quote was checked against the OCR'd text of page 2, where the clause is.
        assert cite["page"] == 2 and cite["ocr"] is True and "Massachusetts" in cite["quote"]
