"""Hostile request bodies through the real app: oversized JSON gets 413 before it is held,
non-finite and out-of-range numbers and pagination get 422 in the documented shape."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from tests.api.uploading import SMALL_PDFS, multipart

LIMIT_KB = 16


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder) -> TestClient:
    data_dir = tmp_path_factory.mktemp("limits") / "data"
    settings = Settings(
        data_dir=data_dir,
        broker_url=None,
        qdrant_url=None,
        openai_api_key=None,
        max_request_kb=LIMIT_KB,
        _env_file=None,
    )
    with TestClient(build_app(settings, embedder=embedder), raise_server_exceptions=False) as c:
        yield c


def _post_raw(client: TestClient, path: str, raw: bytes | str, **kwargs):
    return client.post(path, content=raw, headers={"content-type": "application/json"}, **kwargs)


def _assert_field_errors(response, field: str) -> None:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    for item in detail:
        assert set(item) == {"loc", "msg", "type"}, item
    assert any(field in item["loc"] for item in detail), detail


def test_json_body_over_the_cap_gets_413_naming_the_setting(client):
    body = json.dumps({"question": "x" * (LIMIT_KB * 1024 * 2)})
    response = _post_raw(client, "/query", body)
    assert response.status_code == 413, response.text
    assert "FOLIO_MAX_REQUEST_KB" in response.json()["detail"]


def test_chunked_body_without_length_is_counted_and_cut_at_the_cap(client):

    def blocks():
        yield b'{"question": "'
        for _ in range(LIMIT_KB * 4):  # four times the cap, a kilobyte at a time
            yield b"x" * 1024
        yield b'"}'

    response = _post_raw(client, "/query", blocks())
    assert response.status_code == 413, response.text
    assert "FOLIO_MAX_REQUEST_KB" in response.json()["detail"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "-1", "1e9"])
def test_non_finite_or_out_of_range_cost_gets_422(client, value):
    response = _post_raw(client, "/query", f'{{"question": "x", "max_cost_usd": {value}}}')
    _assert_field_errors(response, "max_cost_usd")


def test_nan_where_a_string_belongs_gets_422_not_500(client):
    _assert_field_errors(_post_raw(client, "/query", '{"question": NaN}'), "question")


@pytest.mark.parametrize(
    "query", ["offset=9223372036854775808", "offset=-1", "limit=0", "limit=501", "offset=1e3"]
)
def test_pagination_out_of_bounds_gets_422(client, query):
    response = client.get(f"/documents?{query}")
    _assert_field_errors(response, query.split("=")[0])


def test_pagination_at_its_bounds_still_answers(client):
    response = client.get("/documents?offset=1000000000&limit=500")
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


def test_uploads_are_not_held_to_the_json_cap(client, shared_data):
    path = shared_data / SMALL_PDFS[0]
    assert path.stat().st_size > LIMIT_KB * 1024
    response = client.post("/documents", **multipart(path))
    assert response.status_code == 202, response.text


def test_documented_422_shape_covers_both_kinds_of_422(client):
    spec = client.get("/openapi.json").json()
    for path, method in (("/query", "post"), ("/documents", "get")):
        ref = spec["paths"][path][method]["responses"]["422"]["content"]["application/json"]
        assert ref["schema"]["$ref"].endswith("/InvalidOut")
    assert "413" in spec["paths"]["/query"]["post"]["responses"]
