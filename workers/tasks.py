"""Thin Celery tasks over the plain ingestion function in ingest/.

A bad PDF fails its document once, with the reason, and is not retried. A transient error
(store, broker or embedding API unreachable) puts the document back to `queued` with a
note and retries with exponential backoff; after the last try it stays `failed`.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from celery import Task
from celery.signals import task_postrun, task_prerun

from core.logs import reset_request_id, set_request_id
from core.storage.registry import Registry, open_registry
from ingest.pipeline import Paused, ingest_document
from query.reviews.run import fill_next
from workers.base import INGEST_TASK, PURGE_TASK, REQUEST_ID_HEADER, REVIEW_TASK

if TYPE_CHECKING:
    from ingest.ingestor import Ingestor
    from workers.base import FolioCelery

log = logging.getLogger(__name__)

MAX_RETRIES = 5
_MAX_BACKOFF_S = 60


class ShutdownRequested(Exception):
    """The worker is stopping; the document goes back to the queue."""


def register(app: FolioCelery) -> None:
    """Bind the folio tasks to one Celery app (an app factory, not module-level tasks).

    `shared=False`: a shared task would be copied into every later app, closure and all.
    """

    @app.task(name=INGEST_TASK, bind=True, max_retries=MAX_RETRIES, shared=False)
    def ingest_document_task(self: Task, document_id: str, resume_from: int = 0) -> str:
        """Ingest one queued document; returns its final status (or `skipped`, `paused`)."""

        def retryable(exc: Exception) -> bool:  # queued again below: never shown `failed`
            if isinstance(exc, ShutdownRequested):
                return True
            return is_transient(exc) and self.request.retries < MAX_RETRIES

        try:
            return ingest_queued(app, document_id, resume_from, retryable)
        except Paused as paused:
            # Behind the documents that were waiting: a long one never blocks short ones.
            app.enqueue(document_id, resume_from=paused.next_chunk)
            _registry(app).job_sent(document_id)
            return "paused"
        except ShutdownRequested:
            # A fresh message rather than a reject: an embedded worker's channel may have
            # restored the delivery already. A duplicate is dropped by the claim.
            registry = _registry(app)
            registry.mark_queued(document_id)
            app.enqueue(document_id)
            registry.job_sent(document_id)
            return "requeued"
        except Exception as exc:
            if not is_transient(exc):
                log.exception("ingest of %s failed", document_id)
                return "failed"
            attempt = self.request.retries + 1
            if attempt > MAX_RETRIES:
                _registry(app).mark_failed(document_id, _reason(exc, "gave up after retries"))
                return "failed"
            countdown = min(_MAX_BACKOFF_S, 2**attempt)
            note = f"retry {attempt}/{MAX_RETRIES} in {countdown}s"
            log.warning("ingest of %s: %s (%s)", document_id, note, type(exc).__name__)
            registry = _registry(app)
            registry.mark_queued(document_id)
            # Marked sent first: retry() sends the job and raises. Should sending fail,
            # the recovery sweep sends it once the queue is empty (workers/recovery.py).
            registry.update(document_id, error=_reason(exc, note), enqueued_at=time.time())
            raise self.retry(exc=exc, countdown=countdown) from None

    @app.task(name=REVIEW_TASK, shared=False)
    def review_task(review_id: str) -> str:
        """Fill a review's next document; queued again while documents remain, so uploads
        waiting behind a long review are not held up."""
        if fill_next(app.read_path(), review_id, app.settings.stale_processing_s):
            app.enqueue_review(review_id)
            return "more"
        return "done"

    @app.task(name=PURGE_TASK, shared=False)
    def purge_document_task(document_id: str, tenant_id: str) -> None:
        """Remove a deleted document's points and page texts (the store's owner does this)."""
        ing = _ingestor(app)
        ing.store.delete_document(tenant_id, document_id)
        ing.pages.delete(document_id)

    # Signals are process-wide: one receiver (dispatch_uid) serves every folio app.
    task_prerun.connect(_bind_request_id, dispatch_uid="folio.request_id.bind", weak=False)
    task_postrun.connect(_unbind_request_id, dispatch_uid="folio.request_id.unbind", weak=False)


def request_id_of(task: Task) -> str | None:
    """The id of the HTTP request that queued the running task (a message header)."""
    return (task.request.headers or {}).get(REQUEST_ID_HEADER) or getattr(
        task.request, REQUEST_ID_HEADER, None
    )


def _bind_request_id(sender: Task | None = None, **_: object) -> None:
    # From task_prerun to task_postrun: Celery's own lines about the task (its retries,
    # failure, success) carry the upload's request id too, not only the task's.
    if sender is not None and sender.name in (INGEST_TASK, PURGE_TASK):
        sender.request.folio_log_token = set_request_id(request_id_of(sender))


def _unbind_request_id(sender: Task | None = None, **_: object) -> None:
    token = getattr(sender.request, "folio_log_token", None) if sender is not None else None
    if token is not None:
        sender.request.folio_log_token = None
        try:
            reset_request_id(token)
        except ValueError:  # set in another context: nothing of ours to undo there
            pass


def ingest_queued(
    app: FolioCelery,
    document_id: str,
    resume_from: int = 0,
    retryable: Callable[[Exception], bool] | None = None,
) -> str:
    """Claim a queued (or abandoned) document and ingest it; skip duplicate deliveries.
    A long document gives way (Paused) after each slice while others wait in the queue;
    errors `retryable` accepts leave it `processing` for the caller to queue again."""
    ing = _ingestor(app)
    if not ing.registry.claim(document_id, app.settings.stale_processing_s):
        log.info("skip %s: not queued (deleted, done, or taken by a live worker)", document_id)
        return "skipped"

    def stop_if_asked(_doc: object) -> None:
        if app.stopping.is_set():
            raise ShutdownRequested

    doc = ing.registry.get(document_id)
    if resume_from and (doc is None or doc.chunks_embedded != resume_from):
        resume_from = 0  # not the pause this message was sent for (an abandoned run): redo

    def others_waiting() -> bool:
        try:
            return (app.queue_depth() or 0) > 0
        except Exception:  # noqa: BLE001 - a broker hiccup is no reason to stop
            return False

    return ingest_document(
        document_id,
        ing,
        on_progress=stop_if_asked,
        should_yield=others_waiting,
        resume_from=resume_from,
        retryable=retryable,
    ).status


def _ingestor(app: FolioCelery) -> Ingestor:
    # Built at start-up unless the store was down then: a transient outage at start
    # costs a retry, not a dead worker.
    return app.ingest_clients()


def _registry(app: FolioCelery) -> Registry:
    return app.ingestor.registry if app.ingestor else open_registry(app.settings)


def _reason(exc: BaseException, note: str) -> str:
    # The class and message of the error only: never document text.
    return f"ingest error: {type(exc).__name__}: {exc}"[:400] + f" ({note})"


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying: a service that is down, slow or overloaded, not a bad file."""
    import httpx
    from kombu.exceptions import OperationalError

    transient: tuple[type[BaseException], ...] = (
        ConnectionError,
        TimeoutError,
        httpx.TransportError,
        OperationalError,
        sqlite3.OperationalError,
    )
    # Only a process that loaded qdrant-client (a server store, or local mode) can have
    # raised its errors; importing it here would hold a retry back by most of a second,
    # while the document shows `failed`.
    if "qdrant_client" in sys.modules:
        from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

        if isinstance(exc, UnexpectedResponse):
            return exc.status_code is not None and (
                exc.status_code >= 500 or exc.status_code == 429
            )
        transient += (ResponseHandlingException,)
    try:
        import openai

        transient += (
            openai.APIConnectionError,
            openai.RateLimitError,
            openai.InternalServerError,
        )
    except ImportError:  # pragma: no cover - openai is a core dependency
        pass
    return isinstance(exc, transient)
