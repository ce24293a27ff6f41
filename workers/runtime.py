"""The queue side of an API process: the Celery app it enqueues to and, in embedded mode,
the in-process worker that consumes it. Called by the service's composition root."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack

from core.settings import Settings
from ingest.ingestor import Ingestor
from workers.app import create_celery
from workers.base import FolioCelery
from workers.embedded import EmbeddedWorker

Check = Callable[[], None]


def start_jobs(
    settings: Settings, ingestor: Ingestor | None, stack: ExitStack
) -> tuple[FolioCelery, dict[str, Check]]:
    """Open the queue; given an `ingestor` (embedded mode) also run a worker on a thread.

    Returns the queue and its readiness checks; `stack` stops and closes them.
    """
    celery = create_celery(settings)
    stack.callback(celery.close)
    checks: dict[str, Check] = {"broker": celery.ping_broker}
    if ingestor is not None:
        celery.ingestor = ingestor
        celery.sole_worker = settings.embedded_store
        worker = EmbeddedWorker(celery).start()
        stack.callback(worker.stop)
        checks["worker"] = lambda: _require(worker.alive, "the embedded worker has stopped")
    else:
        checks["workers"] = WorkerWatch(celery).check
    return celery, checks


class WorkerWatch:
    """Server mode's readiness: some worker answered a ping within the last `fresh_s`
    seconds, else uploads would queue with nobody to ingest them."""

    def __init__(self, celery: FolioCelery, fresh_s: float = 30.0, timeout_s: float = 1.0):
        self.celery, self.fresh_s, self.timeout_s = celery, fresh_s, timeout_s
        self._seen: float | None = None
        self._lock = threading.Lock()  # one ping at a time, however many probes come

    def check(self) -> None:
        """Return if a worker answered lately (pinging now if the last answer is stale)."""
        with self._lock:
            if self._seen is not None and time.monotonic() - self._seen < self.fresh_s:
                return
            if self.celery.ping_workers(self.timeout_s) > 0:
                self._seen = time.monotonic()
                return
        raise RuntimeError(
            f"no worker answered a ping in the last {self.fresh_s:g} s; uploads will wait"
            " in the queue until one runs: start `folio worker`"
        )


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise RuntimeError(message)
