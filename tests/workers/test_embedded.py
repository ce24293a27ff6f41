"""Embedded mode's durable queue (kombu's SQLAlchemy transport on SQLite) across restarts
of the API process that hosts the worker."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from core.storage.registry import Registry
from tests.api.uploading import LONG_PDF, SMALL_PDFS, multipart, wait_done, wait_for
from workers.app import broker_url


def _settings(data_dir: Path, **overrides) -> Settings:
    fields = {"data_dir": data_dir, "broker_url": None, "qdrant_url": None} | overrides
    return Settings(**fields, _env_file=None)


def _waiting_messages(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "broker.sqlite") as db:
        return db.execute("SELECT COUNT(*) FROM kombu_message WHERE visible = 1").fetchone()[0]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


def test_an_upload_queued_before_a_restart_is_ingested_after_it(data_dir, embedder, shared_data):
    # First process: the same SQLite queue, but no worker (as if it died right after the
    # upload was accepted).
    queue_only = _settings(data_dir, broker_url=broker_url(_settings(data_dir)))
    with TestClient(build_app(queue_only)) as api:
        response = api.post("/documents", **multipart(shared_data / SMALL_PDFS[1]))
        assert response.status_code == 202
        doc_id = response.json()["id"]
    assert _waiting_messages(data_dir) == 1

    with TestClient(build_app(_settings(data_dir), embedder=embedder)) as api:
        doc = wait_done(api, doc_id)
        assert doc["status"] == "ready" and doc["chunks"] > 0
    assert _waiting_messages(data_dir) == 0


def test_stopping_mid_document_puts_it_back_in_the_queue(data_dir, embedder, shared_data):
    settings = _settings(data_dir)
    registry = Registry(settings.registry_path)
    with TestClient(build_app(settings, embedder=embedder)) as api:
        doc_id = api.post("/documents", **multipart(shared_data / LONG_PDF)).json()["id"]
        wait_for(lambda: api.get(f"/documents/{doc_id}").json(), _started)
    # Shut down mid-document: it is queued again, neither stuck in processing nor failed.
    assert (registry.get(doc_id).status, registry.get(doc_id).error) == ("queued", None)
    assert _waiting_messages(data_dir) >= 1

    # The next start takes it up again from the queue (the sweep only touches `processing`).
    with TestClient(build_app(settings, embedder=embedder)) as api:
        wait_for(lambda: api.get(f"/documents/{doc_id}").json(), _started)
    assert registry.get(doc_id).status == "queued"


def _started(doc: dict) -> bool:
    return doc["status"] == "processing" and doc["progress"]["pages_parsed"] > 0
