"""The queue side of an API process: the Celery app it enqueues to and, in embedded mode,
the in-process worker that consumes it. Called by the service's composition root."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

from core.settings import Settings
from ingest.pipeline import Ingestor
from workers.app import FolioCelery, create_celery
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
    return celery, checks


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise RuntimeError(message)
