"""FastAPI dependencies as `Annotated` aliases over the clients the lifespan built once.

Handlers declare what they use (`registry: RegistryDep`); everything comes from the
`Resources` on `app.state`, so tests and later routers get the same objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import Depends, HTTPException, Request

from api.auth import Caller, Guard, authenticate, scoped_read_path
from core.access.roles import Manager
from core.embeddings.embedders import Embedder
from core.metrics import Metrics
from core.settings import Settings
from core.storage.chunks import ChunkStore
from core.storage.files import FileStore
from core.storage.pages import PageStore
from core.storage.registry import Registry
from ingest.uploads import JobQueue, Uploads
from query.read_path import ReadPath
from query.reviews.service import ReviewQueue


class Jobs(JobQueue, ReviewQueue, Protocol):
    """The job queue (the Celery app): documents to ingest or purge, reviews to fill."""


@dataclass
class Resources:
    """What one API process holds; built in `api.app`'s lifespan, closed when it ends."""

    settings: Settings
    registry: Registry
    files: FileStore
    pages: PageStore
    queue: Jobs
    # None where this process does not open the store: server mode with an embedded
    # store, which the worker process owns.
    store: ChunkStore | None = None
    embedder: Embedder | None = None
    #: Readiness probes by name; each raises when its dependency is not usable.
    checks: dict[str, Callable[[], None]] = field(default_factory=dict)


def get_resources(request: Request) -> Resources:
    return request.app.state.resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_settings(res: ResourcesDep) -> Settings:
    return res.settings


def get_registry(res: ResourcesDep) -> Registry:
    return res.registry


def get_pages(res: ResourcesDep) -> PageStore:
    return res.pages


def get_store(res: ResourcesDep) -> ChunkStore:
    if res.store is None:
        raise HTTPException(503, "the chunk store is owned by the worker process here")
    return res.store


def get_embedder(res: ResourcesDep) -> Embedder:
    if res.embedder is None:
        raise HTTPException(503, "no embedder in this process (the store is not open here)")
    return res.embedder


#: The caller of a request (its key resolved to a tenant); any route that reads or
#: writes a tenant's data takes it. 401 without a valid key, 429 past its rate limit.
CallerDep = Annotated[Caller, Depends(authenticate)]


def get_manager(caller: CallerDep) -> Manager:
    """The caller as a manager of keys: what its role lets it do (core/access/roles.py)."""
    return caller.manager


ManagerDep = Annotated[Manager, Depends(get_manager)]


def get_guard(request: Request) -> Guard:
    """Keys, budgets and rate limits, built by the lifespan."""
    return request.app.state.guard


GuardDep = Annotated[Guard, Depends(get_guard)]


def get_uploads(res: ResourcesDep, caller: CallerDep) -> Uploads:
    return Uploads(
        registry=res.registry,
        files=res.files,
        pages=res.pages,
        store=res.store,
        queue=res.queue,
        tenant_id=caller.tenant_id,
        max_bytes=res.settings.max_upload_mb * 1024 * 1024,
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
RegistryDep = Annotated[Registry, Depends(get_registry)]
PagesDep = Annotated[PageStore, Depends(get_pages)]
StoreDep = Annotated[ChunkStore, Depends(get_store)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]
UploadsDep = Annotated[Uploads, Depends(get_uploads)]


def get_read_path(request: Request, caller: CallerDep) -> ReadPath:
    """The question-answering path, built by the lifespan next to the resources, acting
    for the caller's tenant."""
    return scoped_read_path(request.app.state.read_path, caller)


ReadPathDep = Annotated[ReadPath, Depends(get_read_path)]


def get_metrics(request: Request) -> Metrics:
    """The app's Prometheus series, built by create_app."""
    return request.app.state.metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]
