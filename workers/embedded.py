"""A Celery worker inside the API process, for embedded mode.

Embedded Qdrant can be opened by one process only, so with no broker or store server the
API process runs the worker itself: a `WorkController` with the solo pool on a daemon
thread, sharing the API's clients. Its queue is the durable SQLite broker, so an upload
queued before a restart is ingested after it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workers.base import FolioCelery

log = logging.getLogger(__name__)


class EmbeddedWorker:
    """Start and stop one in-process worker for a Celery app that already has its Ingestor."""

    def __init__(self, app: FolioCelery) -> None:
        self.app = app
        self._controller: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> EmbeddedWorker:
        self._controller = self.app.WorkController(
            hostname=f"folio-embedded-{os.getpid()}@{socket.gethostname()}",
            pool_cls="solo",
            concurrency=1,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            loglevel=logging.getLogger().level or logging.INFO,
        )
        self._thread = threading.Thread(target=self._run, name="folio-embedded-worker", daemon=True)
        self._thread.start()
        log.info("embedded worker started")
        return self

    def _run(self) -> None:
        # Celery runs tasks (and timer-delayed retries) through the current app of the
        # thread at hand, which falls back to the process default: like Celery's own
        # worker set-up, make this app both. One worker per process, as Celery assumes.
        self.app.set_current()
        self.app.set_default()
        self._controller.start()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop taking tasks; a running ingestion stops at its next progress report and its
        document goes back to the queue, to be ingested after the next start."""
        if self._controller is None:
            return
        self.app.stopping.set()
        self._controller.stop(in_sighandler=False)
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("embedded worker still busy after %.0fs; leaving it", timeout_s)
        self._controller = self._thread = None
        log.info("embedded worker stopped")
