"""Open the chunk store the settings name: a Qdrant server (FOLIO_QDRANT_URL), or the
embedded store on disk, Qdrant Edge by default or qdrant-client's local mode
(FOLIO_STORE_ENGINE=local). Each engine is imported only when used: qdrant-client alone
takes most of a second to import, and an Edge install never needs it."""

from __future__ import annotations

import threading
from typing import Any

from core.settings import Settings
from core.storage.chunks import ChunkStore, StoreNeedsReindexError


def open_store(settings: Settings, dim: int, shared: bool = False) -> ChunkStore:
    """The configured store of `dim`-dimensional vectors; `shared` serialises its calls
    (request threads beside an in-process worker). Close it with `store.client.close()`."""
    client = open_client(settings)
    return store_for(SerializedClient(client) if shared else client, settings.collection, dim)


def store_for(client: Any, collection: str, dim: int) -> ChunkStore:
    """The engine's store over an open client: Edge for an EdgeClient, else qdrant-client."""
    if getattr(client, "engine", None) == "edge":
        from core.storage.edge import EdgeChunkStore

        return EdgeChunkStore(client, collection, dim)
    from core.storage.qdrant import QdrantChunkStore

    return QdrantChunkStore(client, collection, dim)


def open_client(settings: Settings) -> Any:
    """A client for the Qdrant server at FOLIO_QDRANT_URL, or the embedded store on disk
    (an EdgeClient, or a local-mode QdrantClient with FOLIO_STORE_ENGINE=local)."""
    if settings.qdrant_url:
        from qdrant_client import QdrantClient

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantClient(url=settings.qdrant_url, api_key=key)
    if settings.store_engine == "edge":
        from core.storage.edge import EdgeClient
        from core.storage.qdrant import has_local_store

        if not (settings.edge_path / settings.collection).exists() and has_local_store(settings):
            raise StoreNeedsReindexError(
                f"{settings.qdrant_path} holds a store of the older local engine; run `folio"
                " reindex` once to move it to the embedded Edge engine, or set"
                " FOLIO_STORE_ENGINE=local to keep using it as it is"
            )
        return EdgeClient(settings.edge_path)
    from core.storage.qdrant import open_local_client

    return open_local_client(settings)


class SerializedClient:
    """One lock around every call of a shared client.

    Embedded Qdrant keeps its points in plain Python structures with no locking of its
    own; in embedded mode the worker thread upserts while request threads search and
    delete, so their calls go one at a time.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def locked(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attr(*args, **kwargs)

        return locked
