"""Worker start-up (the worker's composition root) and the sweeps that recover jobs.

A worker killed mid-document leaves its document in `processing`; a process killed
between registering an upload and sending its job leaves it `queued` with no job. On
start, and then every little while, each worker re-queues documents with no progress for
FOLIO_STALE_PROCESSING_S, and sends the job of every queued document that has none:
none sent within UNSENT_S of being queued, or the last one sent FOLIO_STALE_PROCESSING_S
ago while the queue is empty (a broker that lost it). `Registry.claim` and
`Registry.take_orphan` make sure only one worker acts on each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from celery import bootsteps

from core.storage.registry import Registry, open_registry

if TYPE_CHECKING:
    from workers.base import FolioCelery

log = logging.getLogger(__name__)

_MAX_SWEEP_EVERY_S = 60.0
# An upload is registered, then its job sent, within milliseconds: one still unsent after
# this long was left by a process that died in between.
UNSENT_S = 10.0


def requeue_stale(
    registry: Registry, older_than_s: float, enqueue: Callable[[str], None]
) -> list[str]:
    """Re-queue documents stuck in `processing` for longer than `older_than_s`; return them."""
    requeued = []
    for doc_id in registry.stale_processing(older_than_s):
        # Claiming first freshens the row, so a second sweeper skips it.
        if not registry.claim(doc_id, older_than_s):
            continue
        registry.mark_queued(doc_id)
        enqueue(doc_id)
        registry.job_sent(doc_id)
        requeued.append(doc_id)
    if requeued:
        log.warning("re-queued %d document(s) abandoned by a dead worker", len(requeued))
    return requeued


def send_orphans(
    registry: Registry,
    enqueue: Callable[[str], None],
    queue_empty: Callable[[], bool],
    lost_after_s: float,
    unsent_after_s: float = UNSENT_S,
) -> list[str]:
    """Send the job of each queued document that has none on its way; return them. A
    job sent `lost_after_s` ago counts as lost only while the queue is empty."""
    lost = lost_after_s if queue_empty() else None
    sent = []
    for doc_id in registry.orphans(unsent_after_s, lost):
        if not registry.take_orphan(doc_id, unsent_after_s, lost):
            continue  # another sweeper sent it, or it was sent or deleted meanwhile
        try:
            enqueue(doc_id)
        except Exception:
            registry.update(doc_id, enqueued_at=None)  # not sent after all: next sweep
            raise
        sent.append(doc_id)
    if sent:
        log.warning("sent the jobs of %d queued document(s) that had none", len(sent))
    return sent


def resume_reviews(
    registry: Registry, older_than_s: float, enqueue: Callable[[str], None]
) -> list[str]:
    """Send again the job of each review queued or running with no progress for
    `older_than_s` (its worker died); one sweeper each. Return them."""
    resumed = [
        r for r in registry.reviews.stale(older_than_s) if registry.reviews.touch(r, older_than_s)
    ]
    for review_id in resumed:
        enqueue(review_id)
    if resumed:
        log.warning("resumed %d review(s) left by a dead worker", len(resumed))
    return resumed


def sweep_every_s(stale_processing_s: float) -> float:
    return min(_MAX_SWEEP_EVERY_S, max(1.0, stale_processing_s / 2))


class WorkerResources(bootsteps.StartStopStep):
    """Builds the Ingestor once per worker (unless the process handed one in) and sweeps."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self._tref = None

    def start(self, worker) -> None:
        app: FolioCelery = worker.app
        try:
            app.ingest_clients()
        except Exception:
            # Tasks build them on first use and retry while the store is down.
            log.exception("could not build the ingestion clients at start-up")
        stale_s = app.settings.stale_processing_s
        self._sweep(app, 0.0 if app.sole_worker else stale_s)
        self._tref = worker.timer.call_repeatedly(
            sweep_every_s(stale_s), self._sweep, (app, stale_s)
        )

    def stop(self, worker) -> None:
        if self._tref is not None:
            self._tref.cancel()
            self._tref = None
        worker.app.close_ingest_clients()

    @staticmethod
    def _sweep(app: FolioCelery, older_than_s: float) -> None:
        try:
            registry = app.ingestor.registry if app.ingestor else open_registry(app.settings)
            requeue_stale(registry, older_than_s, app.enqueue)
            resume_reviews(registry, older_than_s, app.enqueue_review)
            stale_s = app.settings.stale_processing_s
            send_orphans(registry, app.enqueue, lambda: app.queue_depth() == 0, stale_s)
        except Exception:  # noqa: BLE001 - a failed sweep must not stop the worker
            log.exception("recovery sweep failed")
