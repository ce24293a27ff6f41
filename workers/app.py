"""The Celery app, built from settings by each process's composition root.

Job status lives in the registry, never in Celery results (`task_ignore_result`): once a
worker runs inside a process, `AsyncResult.get()` raises there, and the embedded worker
runs inside the API process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from celery import Celery
from kombu.exceptions import ChannelError

from core.logs import current_request_id
from core.settings import Settings

if TYPE_CHECKING:
    from ingest.pipeline import Ingestor

log = logging.getLogger(__name__)

QUEUE = "folio"
#: Message header carrying the id of the HTTP request that queued a task (for the logs).
REQUEST_ID_HEADER = "request_id"
INGEST_TASK = "folio.ingest_document"
PURGE_TASK = "folio.purge_document"
_POLLING_INTERVAL_S = 0.1


class FolioCelery(Celery):
    """A Celery app that carries what its tasks need, set by the process's composition root."""

    settings: Settings
    #: The ingestion clients; built once per worker process (see workers.recovery).
    ingestor: Ingestor | None = None
    #: Builds an Ingestor when none was handed in (a plain `folio worker` process).
    build_ingestor: Callable[[], Ingestor]
    #: Re-queue every `processing` document at start: only when this process provably
    #: owns the only worker (embedded broker and embedded store).
    sole_worker: bool = False
    #: Set when the worker is asked to stop: the running ingestion puts its document
    #: back in the queue at its next progress report instead of finishing.
    stopping: threading.Event

    def enqueue(self, document_id: str, resume_from: int = 0) -> None:
        """Queue ingestion of a registered document (by task name: no task import needed);
        `resume_from` continues a paused one at that chunk."""
        kwargs = {"resume_from": resume_from} if resume_from else {}
        self.send_task(
            INGEST_TASK, args=[document_id], kwargs=kwargs, queue=QUEUE, headers=_headers()
        )

    def enqueue_purge(self, document_id: str, tenant_id: str) -> None:
        """Queue removal of a deleted document's points by a worker that owns the store."""
        self.send_task(
            PURGE_TASK, args=[document_id, tenant_id], queue=QUEUE, headers=_headers()
        )

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


def broker_url(settings: Settings) -> str:
    """FOLIO_BROKER_URL, or the embedded durable broker: kombu's SQLAlchemy transport on SQLite."""
    if settings.broker_url:
        return settings.broker_url
    return f"sqla+sqlite:///{(settings.data_dir / 'broker.sqlite').resolve()}"


def visibility_timeout_s(settings: Settings) -> int:
    """How long Redis keeps a delivered, unacknowledged message before redelivering it.

    A worker killed mid-document is recovered by the stale-processing sweep after
    FOLIO_STALE_PROCESSING_S; this redelivery is the backstop for the moment between a
    message's delivery and the document's claim. Longer than the sweep, so the sweep wins;
    a document that runs longer than this gets a duplicate delivery, which the claim drops.
    """
    return max(2 * settings.stale_processing_s, 300)


def _transport_options(settings: Settings) -> dict:
    # The SQLAlchemy transport hands its options to create_engine, which rejects these.
    url = broker_url(settings)
    if url.split(":", 1)[0] in ("redis", "rediss", "sentinel", "sqs"):
        return {"visibility_timeout": visibility_timeout_s(settings)}
    return {}


def create_celery(settings: Settings) -> FolioCelery:
    """The Celery app for these settings, with the folio tasks and worker start-up step."""
    from workers import recovery, tasks

    if settings.embedded_broker:
        # The SQLAlchemy transport polls; its interval is a class attribute (passing it in
        # broker_transport_options crashes), and 0.1 s keeps queue latency low.
        from kombu.transport import sqlalchemy as kombu_sqla

        kombu_sqla.Transport.polling_interval = _POLLING_INTERVAL_S
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = FolioCelery("folio", broker=broker_url(settings), set_as_current=False)
    app.settings = settings
    app.stopping = threading.Event()
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        result_backend=None,
        task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings),
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
    )

    def _build() -> Ingestor:
        from ingest.pipeline import build_ingestor

        return build_ingestor(settings)

    app.build_ingestor = _build
    tasks.register(app)
    app.steps["worker"].add(recovery.WorkerResources)
    return app
