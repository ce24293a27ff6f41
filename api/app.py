"""The HTTP API's composition root: `create_app(settings)` and the lifespan that builds
every client once (registry, stores, embedder, Celery app, and in embedded mode the
in-process worker) and closes them at shutdown.

Modes, from settings:
- embedded (no FOLIO_BROKER_URL): this process owns the store and runs the one worker on
  a thread, over the durable SQLite broker; nothing else to start.
- server (FOLIO_BROKER_URL set): this process only stores, registers and queues uploads;
  `folio worker` processes ingest. It opens the store only when it is a server
  (FOLIO_QDRANT_URL), since an embedded store has one owner: the worker.

Routers are listed in ROUTERS; a new one reads what it needs through api.deps.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager

from anyio import CapacityLimiter
from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from api import errors
from api.auth import authenticate, build_guard
from api.deps import Jobs, Resources
from api.middleware.body_limit import BodyLimitMiddleware
from api.middleware.request_ids import RequestIdMiddleware
from api.routes import (
    chat_completions,
    documents,
    health,
    keys,
    metrics,
    models,
    query,
    reviews,
    search,
    usage,
    web,
)
from core.access.binding import require_safe_bind
from core.embeddings.embedders import Embedder
from core.instance import ensure_instance_id
from core.metrics import Metrics
from core.settings import Settings
from core.storage.clients import open_clients
from ingest.ingestor import Ingestor, build_ingestor
from query.read_path import build_read_path

log = logging.getLogger(__name__)

#: Opens the job queue for these settings; given an Ingestor (embedded mode) it also runs
#: the worker in this process. Returns the queue and its readiness checks; closing is left
#: to the ExitStack. The service's composition root (cli/service.py) passes Celery's.
JobsStarter = Callable[
    [Settings, Ingestor | None, ExitStack], tuple[Jobs, dict[str, Callable[[], None]]]
]

_PROBE_THREADS = 4
ROUTERS = (
    health.router,
    documents.router,
    query.router,
    chat_completions.router,
    reviews.router,
    search.router,
    usage.router,
    models.router,
    keys.router,
    metrics.router,
    web.router,
)
# Open to anyone who reaches the port: probes, the page's static files, and /metrics (which
# checks its own scrape token). Every other router needs an API key (api.auth).
PUBLIC_ROUTERS = (health.router, metrics.router, web.router)
_AUTH = errors.responses(401, 429)


def create_app(
    settings: Settings | None = None, *, jobs: JobsStarter, embedder: Embedder | None = None
) -> FastAPI:
    """The folio API. Settings come from FOLIO_* variables when not given; `jobs` opens the
    ingestion queue; pass a loaded `embedder` to share it (tests, eval)."""
    # Swagger UI's assets come from the installed package, not a CDN: /docs works offline.
    app = FastAPIOffline(
        title="folio",
        summary="Ask long legal and technical PDFs: stuffed or retrieved, explained and costed.",
        version="0.1.0",
        lifespan=_lifespan,
    )
    app.state.settings = settings or Settings()
    require_safe_bind(app.state.settings)
    app.state.instance_id = ensure_instance_id(app.state.settings.data_dir)
    app.state.shared_embedder = embedder
    app.state.jobs = jobs
    # One registry of series per app: tests build many apps in one process.
    app.state.metrics = Metrics()
    errors.register(app)
    # Uploads stream to disk under FOLIO_MAX_UPLOAD_MB; every other body is capped here.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=app.state.settings.max_request_kb * 1024,
        exempt=("/documents",),
    )
    app.add_middleware(RequestIdMiddleware)
    for router in ROUTERS:
        guarded = router not in PUBLIC_ROUTERS
        if guarded:
            app.include_router(router, dependencies=[Depends(authenticate)], responses=_AUTH)
        else:
            app.include_router(router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # /readyz probes run here, a few at a time, never on the pool that queries share.
    app.state.probe_threads = CapacityLimiter(_PROBE_THREADS)
    with ExitStack() as stack:
        app.state.resources = await run_in_threadpool(
            build_resources, app.state.settings, app.state.shared_embedder, app.state.jobs, stack
        )
        res = app.state.resources
        app.state.metrics.watch(res.registry, res.queue.queue_depth)
        # Uploads cut off by a crash leave partial files; their process is gone by now.
        app.state.metrics.upload_parts_removed.inc(res.files.remove_stale_parts())
        app.state.guard = build_guard(res.settings, res.registry)
        stack.callback(app.state.guard.limiter.close)
        app.state.read_path = build_read_path(
            res.settings,
            res.registry,
            res.pages,
            res.store,
            res.embedder,
            app.state.metrics,
            app.state.guard.budgets,
        )
        yield
        log.info("shutting down")


def build_resources(
    settings: Settings, embedder: Embedder | None, jobs: JobsStarter, stack: ExitStack
) -> Resources:
    """Open every client for these settings; `stack` closes them in reverse order."""
    in_process_worker = settings.embedded_broker
    # An embedded store has one owner: this process only if it runs the worker too.
    opens_store = in_process_worker or not settings.embedded_store
    registry, files, pages, store, embedder = open_clients(
        settings, embedder, stack, opens_store, shared=in_process_worker
    )
    checks: dict[str, Callable[[], None]] = {"registry": registry.ping}
    if store is not None:
        checks["store"] = store.ping
    ingestor = None
    if in_process_worker:
        ingestor = build_ingestor(
            settings, embedder=embedder, registry=registry, store=store, files=files, pages=pages
        )
        stack.callback(ingestor.parsers.close)
    queue, queue_checks = jobs(settings, ingestor, stack)
    res = Resources(
        settings=settings,
        registry=registry,
        files=files,
        pages=pages,
        queue=queue,
        store=store,
        embedder=embedder if store else None,
        checks=checks | queue_checks,
    )
    log.info(
        "folio API ready: broker=%s store=%s worker=%s",
        "embedded" if settings.embedded_broker else "server",
        "embedded" if settings.embedded_store else "server",
        "in-process" if in_process_worker else "separate",
    )
    return res
