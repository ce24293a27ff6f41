"""The storage clients of a process that reads: opened together, closed by its ExitStack."""

from __future__ import annotations

from contextlib import ExitStack

from core.embeddings.embedders import Embedder, build_embedder
from core.settings import Settings
from core.storage.chunks import ChunkStore
from core.storage.files import FileStore
from core.storage.pages import PageStore
from core.storage.registry import Registry, open_registry
from core.storage.stores import SerializedClient, open_client, store_for


def open_clients(
    settings: Settings,
    embedder: Embedder | None,
    stack: ExitStack,
    with_store: bool,
    shared: bool = False,
) -> tuple[Registry, FileStore, PageStore, ChunkStore | None, Embedder | None]:
    """The registry, file and page stores, and (`with_store`) the chunk store with its
    embedder, for any process that reads (the API, the CLI's in-process path); `shared`
    serialises the store for request threads and an in-process worker."""
    settings.ensure_dirs()
    registry = open_registry(settings)
    stack.callback(registry.close)
    files, pages = FileStore(settings.files_dir), PageStore(settings.pages_dir)
    if not with_store:
        return registry, files, pages, None, embedder
    client = open_client(settings)  # first: a store another process owns fails fast
    stack.callback(client.close)
    if shared:
        client = SerializedClient(client)
    embedder = embedder or build_embedder(settings)
    return registry, files, pages, store_for(client, settings.collection, embedder.dim), embedder
