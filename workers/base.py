"""What every folio worker module shares: the queue and task names, and the Celery app
class that carries the process's settings and ingestion clients. It imports no other
workers module, so app, tasks and recovery all import it and none imports another back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from celery import Celery
from kombu.exceptions import ChannelError

from core.logs import current_request_id
from core.settings import Settings

if TYPE_CHECKING:
    from ingest.ingestor import Ingestor
    from query.read_path import ReadPath

QUEUE = "folio"
#: Message header carrying the id of the HTTP request that queued a task (for the logs).
REQUEST_ID_HEADER = "request_id"
INGEST_TASK = "folio.ingest_document"
PURGE_TASK = "folio.purge_document"
REVIEW_TASK = "folio.review"


class FolioCelery(Celery):
    """A Celery app that carries what its tasks need, set by the process's composition root."""

    settings: Settings
    #: The ingestion clients: handed in by a process that has them (the API's embedded
    #: worker), else built once by `ingest_clients()`.
    ingestor: Ingestor | None = None
    #: Builds an Ingestor when none was handed in (a plain `folio worker` process).
    build_ingestor: Callable[[], Ingestor]
    #: True when `ingest_clients()` built them, so this app closes them at stop.
    owns_ingestor: bool = False
    #: Re-queue every `processing` document at start: only when this process provably
    #: owns the only worker (embedded broker and embedded store).
    sole_worker: bool = False
    #: Set when the worker is asked to stop: the running ingestion puts its document
    #: back in the queue at its next progress report instead of finishing.
    stopping: threading.Event
    #: The read path review jobs fill their cells with, built on first use.
    _read_path: ReadPath | None = None

    def read_path(self) -> ReadPath:
        """The read path over the ingestion clients (reviews ask the documents)."""
        if self._read_path is None:
            from query.read_path import build_read_path

            ing = self.ingest_clients()
            self._read_path = build_read_path(
                self.settings, ing.registry, ing.pages, ing.store, ing.embedder
            )
        return self._read_path

    def ingest_clients(self) -> Ingestor:
        """The worker's ingestion clients, built on first use: the one place a worker
        process opens them (start-up tries first; a task retries if the store was down)."""
        if self.ingestor is None:
            self.ingestor = self.build_ingestor()
            self.owns_ingestor = True
        return self.ingestor

    def close_ingest_clients(self) -> None:
        """Close the clients `ingest_clients()` built (never ones handed in)."""
        if self.owns_ingestor and self.ingestor is not None:
            self.ingestor.parsers.close()
            self.ingestor.store.client.close()
            self.ingestor = None
            self.owns_ingestor = False

    def enqueue(self, document_id: str, resume_from: int = 0) -> None:
        """Queue ingestion of a registered document (by task name: no task import needed);
        `resume_from` continues a paused one at that chunk."""
        kwargs = {"resume_from": resume_from} if resume_from else {}
        self.send_task(
            INGEST_TASK, args=[document_id], kwargs=kwargs, queue=QUEUE, headers=_headers()
        )

    def enqueue_review(self, review_id: str) -> None:
        """Queue the filling of a review's next document (query/reviews/run.py)."""
        self.send_task(REVIEW_TASK, args=[review_id], queue=QUEUE, headers=_headers())

    def enqueue_purge(self, document_id: str, tenant_id: str) -> None:
        """Queue removal of a deleted document's points by a worker that owns the store."""
        self.send_task(PURGE_TASK, args=[document_id, tenant_id], queue=QUEUE, headers=_headers())

    def queue_depth(self, timeout_s: float = 2.0) -> int:
        """Messages waiting in the folio queue (not those a worker holds): the Redis list's
        length, or the embedded broker's visible rows. Raises if the broker is unreachable."""
        with self.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout_s)
            try:
                return conn.default_channel.queue_declare(queue=QUEUE, passive=True).message_count
            except ChannelError:  # Redis drops the key of an empty queue
                return 0

    def ping_workers(self, timeout_s: float = 1.0) -> int:
        """How many workers answer a remote-control ping within `timeout_s`."""
        return len(self.control.ping(timeout=timeout_s) or [])

    def ping_broker(self, timeout_s: float = 2.0) -> None:
        """Raise if the broker cannot be reached within `timeout_s`."""
        with self.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout_s)
            conn.default_channel  # noqa: B018 - opening a channel is the real round trip


def _headers() -> dict[str, str]:
    request_id = current_request_id()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}
