"""Worker start-up (the worker's composition root) and the stale-processing sweep.

A worker killed mid-document leaves its document in `processing`. On start, and then
every little while, each worker re-queues documents with no progress for
FOLIO_STALE_PROCESSING_S; `Registry.claim` makes sure only one worker redoes each one.
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
        requeued.append(doc_id)
    if requeued:
        log.warning("re-queued %d document(s) abandoned by a dead worker", len(requeued))
    return requeued


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
        except Exception:  # noqa: BLE001 - a failed sweep must not stop the worker
            log.exception("stale-processing sweep failed")
