"""The service's composition root: the HTTP API joined to its Celery queue.

api/ and workers/ never import each other; this is the one place that hands the API the
queue (and, in embedded mode, the in-process worker) from workers/.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from core.embeddings.embedders import Embedder
from core.settings import Settings
from workers.runtime import start_jobs


def build_app(settings: Settings | None = None, *, embedder: Embedder | None = None) -> FastAPI:
    """The folio service for these settings (FOLIO_* variables when not given); pass a
    loaded `embedder` to share it (tests)."""
    return create_app(settings, embedder=embedder, jobs=start_jobs)
