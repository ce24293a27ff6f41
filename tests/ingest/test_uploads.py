"""Uploads and deletes against a worker's claim (issue 33.6): a document a worker has
just claimed is not deleted under it (409), one deleted first is never claimed, and a
worker asked for a deleted document ends normally, with no traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest.pipeline import ingest_document
from ingest.uploads import BusyError, Uploads
from tests.api.uploading import SMALL_PDFS


class _Queue:
    """A job queue that records what it is sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def enqueue(self, document_id: str) -> None:
        self.sent.append(document_id)

    def enqueue_purge(self, document_id: str, tenant_id: str) -> None:
        pass

    def queue_depth(self) -> int:
        return len(self.sent)


class _Form:
    """An upload form as api/multipart.py reads one, over a file on disk."""

    def __init__(self, path: Path) -> None:
        self.path, self.filename, self.password = path, path.name, None

    def file_blocks(self, check_head: Callable[[bytes], None]) -> Iterator[bytes]:
        data = self.path.read_bytes()
        check_head(data[:1024])
        yield data


@pytest.fixture
def uploads(ingestor) -> Uploads:
    registry, files, pages = ingestor.registry, ingestor.files, ingestor.pages
    return Uploads(registry, files, pages, ingestor.store, _Queue(), "default", 10 << 20)


def test_a_delete_never_meets_a_workers_claim(uploads, ingestor, shared_data, caplog):
    claimed = uploads.receive(_Form(shared_data / SMALL_PDFS[2])).document
    assert ingestor.registry.get(claimed.id).enqueued_at is not None  # its job went out
    assert ingestor.registry.claim(claimed.id, 600)  # a worker took it a moment before
    with pytest.raises(BusyError):
        uploads.remove(claimed.id)
    assert ingest_document(claimed.id, ingestor).status == "ready"  # untouched by the delete

    deleted = uploads.receive(_Form(shared_data / SMALL_PDFS[3])).document
    uploads.remove(deleted.id)  # deleted a moment before a worker got to it...
    assert not ingestor.registry.claim(deleted.id, 600)  # ...so there is nothing to claim
    with caplog.at_level(logging.INFO):
        assert ingest_document(deleted.id, ingestor).status == "deleted"
    assert "was deleted before it was ingested" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
