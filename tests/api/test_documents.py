"""The documents API through FastAPI's test client, in embedded mode: the real app with its
in-process Celery worker on the SQLite broker, real MiniLM, real embedded Qdrant."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from tests.api.uploading import (
    SMALL_PDFS,
    assert_ready_and_consistent,
    multipart,
    wait_done,
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("api") / "data"


@pytest.fixture(scope="module")
def client(data_dir: Path, embedder) -> TestClient:
    settings = Settings(
        data_dir=data_dir, broker_url=None, qdrant_url=None, max_upload_mb=1, _env_file=None
    )
    with TestClient(build_app(settings, embedder=embedder)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def contract(shared_data: Path) -> Path:
    return shared_data / SMALL_PDFS[0]


@pytest.fixture(scope="module")
def ready_doc(client: TestClient, contract: Path) -> dict:
    response = client.post("/documents", **multipart(contract))
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    return wait_done(client, response.json()["id"])


def _resources(client: TestClient):
    return client.app.state.resources


def test_upload_is_queued_then_ready_with_right_counts(client, contract, ready_doc):
    res = _resources(client)
    assert_ready_and_consistent(ready_doc, contract, res.pages)
    assert res.store.count("default", ready_doc["id"]) == ready_doc["chunks"]
    assert ready_doc["filename"] == contract.name
    assert ready_doc["size_bytes"] == contract.stat().st_size
    assert set(ready_doc) >= {"id", "status", "progress", "error", "created_at", "updated_at"}


def test_same_file_again_answers_200_with_the_existing_document(client, contract, ready_doc):
    again = client.post("/documents", **multipart(contract))
    assert again.status_code == 200
    assert again.json()["id"] == ready_doc["id"]
    assert again.json()["status"] == "ready"


def test_unknown_document_is_404(client):
    assert client.get("/documents/no-such-id").status_code == 404
    assert client.delete("/documents/no-such-id").status_code == 404


@pytest.mark.parametrize("name", ["qpdf__bad1.pdf", "qpdf__extend-c-api_bad.pdf"])
def test_not_a_pdf_is_415_and_nothing_is_kept(client, shared_data, name):
    before = client.get("/documents").json()["total"]
    response = client.post("/documents", **multipart(shared_data / "bad_pdfs" / name))
    assert response.status_code == 415
    assert "not a PDF" in response.json()["detail"]
    assert client.get("/documents").json()["total"] == before
    assert not list(_resources(client).files.root.rglob("*.part"))


def test_over_the_size_limit_is_413_and_nothing_is_kept(client, shared_data):
    big = shared_data / "technical" / "redp5110_sampled.pdf"  # 1.2 MB, over the 1 MB limit
    before = client.get("/documents").json()["total"]
    response = client.post("/documents", **multipart(big))
    assert response.status_code == 413
    assert "FOLIO_MAX_UPLOAD_MB" in response.json()["detail"]
    assert client.get("/documents").json()["total"] == before
    files = _resources(client).files
    assert not list(files.root.rglob("*.part"))
    assert not list(files.root.rglob(f"{big.name}*"))


def test_a_form_without_a_file_is_422(client):
    response = client.post("/documents", files={"password": (None, "secret")}, data={"note": "x"})
    assert response.status_code == 422
    assert "file" in response.json()["detail"]


def test_encrypted_pdf_fails_with_its_reason_then_opens_with_its_password(client, shared_data):
    path = shared_data / "bad_pdfs" / "unstructured__password.pdf"
    first = client.post("/documents", **multipart(path))
    assert first.status_code == 202
    failed = wait_done(client, first.json()["id"])
    assert failed["status"] == "failed"
    assert "password is required" in failed["error"]

    retried = client.post("/documents", **multipart(path, password="password"))
    assert retried.status_code == 202, "a failed document is re-queued when a password comes"
    assert retried.json()["id"] == failed["id"]
    assert "password" not in retried.json()  # never returned
    doc = wait_done(client, failed["id"])
    assert doc["status"] == "ready" and doc["error"] is None
    assert _resources(client).store.count("default", doc["id"]) == doc["chunks"] > 0
    assert _resources(client).registry.password(doc["id"]) is None  # dropped once done


def test_list_is_paged_newest_first(client, shared_data, ready_doc):
    second = client.post("/documents", **multipart(shared_data / SMALL_PDFS[1]))
    wait_done(client, second.json()["id"])
    everything = client.get("/documents", params={"limit": 500}).json()
    ids = [d["id"] for d in everything["items"]]
    assert everything["total"] == len(ids) >= 2
    paged = []
    for offset in range(0, everything["total"], 1):
        page = client.get("/documents", params={"limit": 1, "offset": offset}).json()
        assert page["total"] == everything["total"] and len(page["items"]) == 1
        paged += [d["id"] for d in page["items"]]
    assert paged == ids
    created = [d["created_at"] for d in everything["items"]]
    assert created == sorted(created, reverse=True)
    ready = client.get("/documents", params={"status": "ready"}).json()
    assert all(d["status"] == "ready" for d in ready["items"])
    assert client.get("/documents", params={"limit": 0}).status_code == 422


def test_delete_removes_file_points_pages_and_row(client, shared_data):
    path = shared_data / SMALL_PDFS[2]
    doc = wait_done(client, client.post("/documents", **multipart(path)).json()["id"])
    assert doc["status"] == "ready"
    res = _resources(client)
    assert res.store.count("default", doc["id"]) == doc["chunks"] > 0
    assert client.delete(f"/documents/{doc['id']}").status_code == 204
    assert client.get(f"/documents/{doc['id']}").status_code == 404
    assert res.store.count("default", doc["id"]) == 0
    assert list(res.pages.read(doc["id"])) == []
    assert not res.files.path_for(doc["sha256"]).exists()
    assert client.delete(f"/documents/{doc['id']}").status_code == 404


def test_health_and_readiness(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and len(health["instance_id"]) == 32
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"registry": "ok", "broker": "ok", "store": "ok", "worker": "ok"},
    }


def test_every_route_is_documented_in_openapi(client):
    spec = client.get("/openapi.json").json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert len(operations) >= 6
    for op in operations:
        assert op.get("description"), f"{op['operationId']} has no docstring"
    upload = spec["paths"]["/documents"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert {"202", "200", "413", "415"} <= set(upload["responses"])


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/documents", "GET, POST"),
        ("/documents/some-id", "DELETE, GET"),
        ("/query", "POST"),
    ],
)
def test_a_405_lists_every_method_of_its_path(client, path, allowed):
    """OPTIONS (or any method a path lacks): 405 whose Allow names all the path's methods,
    not only those of the first route on it (issue 33: three routes listed one)."""
    response = client.options(path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json() == {"detail": "Method Not Allowed"}
