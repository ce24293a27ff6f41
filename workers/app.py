"""The Celery app, built from settings by each process's composition root.

Job status lives in the registry, never in Celery results (`task_ignore_result`): once a
worker runs inside a process, `AsyncResult.get()` raises there, and the embedded worker
runs inside the API process.
"""

from __future__ import annotations

import logging
import threading

from core.settings import Settings
from workers import recovery, tasks
from workers.base import QUEUE, FolioCelery

log = logging.getLogger(__name__)

_POLLING_INTERVAL_S = 0.1


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

    def _build():
        from ingest.ingestor import build_ingestor  # not at import: slow, and API-only apps skip it

        return build_ingestor(settings)

    app.build_ingestor = _build
    tasks.register(app)
    app.steps["worker"].add(recovery.WorkerResources)
    return app
