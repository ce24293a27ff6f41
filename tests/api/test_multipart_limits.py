"""Hostile multipart bodies on POST /documents (issue 33.4): each is refused with a 400
that says why, nothing is registered or left on disk, and the next upload goes through."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.multipart import MAX_PARTS
from cli.service import build_app
from tests.api.uploading import SMALL_PDFS, multipart, offline_settings, wait_done


@pytest.fixture(scope="module")
def api(tmp_path_factory, embedder):
    settings = offline_settings(tmp_path_factory.mktemp("multipart") / "data")
    with TestClient(build_app(settings, embedder=embedder)) as client:
        yield client


def _post(api: TestClient, boundary: str, body: bytes):
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    return api.post("/documents", content=body, headers=headers)


def _file_part(boundary: str, data: bytes, headers: str = "") -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"'
        f"\r\n{headers}Content-Type: application/pdf\r\n\r\n"
    ).encode() + data


def _nothing_kept(api: TestClient) -> None:
    assert api.get("/documents").json()["total"] == 0
    files = api.app.state.resources.settings.files_dir
    assert not [p for p in files.rglob("*") if p.is_file() and p.name != ".lock"]


PDF = b"%PDF-1.4\n" + b"0" * 2048


def test_a_boundary_over_256_characters_is_a_400_not_a_500(api):
    boundary = "b" * 300
    response = _post(api, boundary, _file_part(boundary, PDF) + f"\r\n--{boundary}--\r\n".encode())
    assert response.status_code == 400, response.text
    assert "256" in response.json()["detail"]
    _nothing_kept(api)


def test_a_body_without_its_closing_boundary_is_refused_and_nothing_kept(api):
    response = _post(api, "xyz", _file_part("xyz", PDF))  # cut off: no "--xyz--"
    assert response.status_code == 400, response.text
    assert "cut off" in response.json()["detail"]
    _nothing_kept(api)


def test_thousands_of_parts_stop_at_the_first_one_too_many(api):
    part = b'--q\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n'
    response = _post(api, "q", part * 200_000 + b"--q--\r\n")
    assert response.status_code == 400, response.text
    assert f"more than {MAX_PARTS} parts" in response.json()["detail"]
    _nothing_kept(api)


def test_oversized_part_headers_are_refused(api):
    junk = "X-Junk: " + "j" * 40_000 + "\r\n"
    response = _post(api, "h", _file_part("h", PDF, junk) + b"\r\n--h--\r\n")
    assert response.status_code == 400, response.text
    assert "header" in response.json()["detail"].lower()
    _nothing_kept(api)


def test_the_next_upload_goes_through(api, shared_data):
    doc = api.post("/documents", **multipart(shared_data / SMALL_PDFS[2])).json()
    assert wait_done(api, doc["id"])["status"] == "ready"
