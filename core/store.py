"""The chunk store: one Qdrant collection with a dense and a sparse (BM25-style) vector.

Embedded (one owning process) or a server (`url=`), chosen by settings. The embedded
engine is Qdrant Edge by default (core/store_edge.py, the same interface: `ChunkStore(client,
...)` on an EdgeClient is an EdgeChunkStore), or qdrant-client's local mode
(FOLIO_STORE_ENGINE=local), which is the same qdrant-client calls as a server.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.lexical import sparse_vector
from core.settings import Settings

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

DENSE = "dense"
SPARSE = "bm25"
_POINT_NAMESPACE = uuid.UUID("0b4f7a8e-52c1-4d7e-8f3a-6c9d2e1b7a45")


class StoreLockedError(RuntimeError):
    """The embedded store folder is already owned by another process."""


class StoreNeedsReindexError(StoreLockedError):
    """The data dir holds a local-mode store but the configured engine is Edge."""


@dataclass
class StoredChunk:
    """A chunk as stored: its text, where it sits in the document, and its score if searched."""

    document_id: str
    chunk_index: int
    text: str
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    tokens: int
    score: float = 0.0


def point_id(document_id: str, chunk_index: int) -> str:
    """Deterministic point id, so re-ingesting a document replaces rather than duplicates."""
    return str(uuid.uuid5(_POINT_NAMESPACE, f"{document_id}:{chunk_index}"))


def open_client(settings: Settings) -> Any:
    """A client for the Qdrant server at FOLIO_QDRANT_URL, or the embedded store on disk
    (an EdgeClient, or a local-mode QdrantClient with FOLIO_STORE_ENGINE=local)."""
    if settings.qdrant_url:
        from qdrant_client import QdrantClient

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantClient(url=settings.qdrant_url, api_key=key)
    if settings.store_engine == "edge":
        from core.store_edge import EdgeClient

        if not (settings.edge_path / settings.collection).exists() and has_local_store(settings):
            raise StoreNeedsReindexError(
                f"{settings.qdrant_path} holds a store of the older local engine; run `folio"
                " reindex` once to move it to the embedded Edge engine, or set"
                " FOLIO_STORE_ENGINE=local to keep using it as it is"
            )
        return EdgeClient(settings.edge_path)
    return open_local_client(settings)


def has_local_store(settings: Settings) -> bool:
    """Whether the data dir holds a local-mode collection (what `folio reindex` moves)."""
    return (settings.qdrant_path / "collection" / settings.collection).is_dir()


def open_local_client(settings: Settings) -> QdrantClient:
    """qdrant-client's embedded local mode on DATA_DIR/qdrant."""
    from qdrant_client import QdrantClient

    settings.qdrant_path.mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=str(settings.qdrant_path))
    except (RuntimeError, BlockingIOError) as exc:
        if "already accessed" in str(exc) or isinstance(exc, BlockingIOError):
            raise StoreLockedError(
                f"the embedded store at {settings.qdrant_path} is in use by another folio"
                " process (a running `folio serve`?). Use that server (--url), stop it, or"
                " set FOLIO_QDRANT_URL to a Qdrant server."
            ) from exc
        raise


class ChunkStore:
    """Chunks of all documents, filtered by document and tenant.

    `ChunkStore(client, collection, dim)` gives the engine's store: an EdgeChunkStore
    (core/store_edge.py) for an EdgeClient, a QdrantChunkStore (core/store_qdrant.py) for
    a qdrant-client client (server or local mode). Both offer upsert, delete_document,
    count, count_all, point_ids, chunks, hybrid_search, dense_search and ping.
    """

    def __new__(cls, client: Any, collection: str, dim: int) -> ChunkStore:
        # One interface, one class per engine, each imported only when used (qdrant-client
        # alone takes most of a second to import, and an Edge install never needs it).
        if cls is ChunkStore and getattr(client, "engine", None) == "edge":
            from core.store_edge import EdgeChunkStore as cls
        elif cls is ChunkStore:
            from core.store_qdrant import QdrantChunkStore as cls
        return super().__new__(cls)


def point_fields(
    tenant_id: str, chunk: StoredChunk, title: str = ""
) -> tuple[str, tuple[list[int], list[float]], dict]:
    """A chunk's point as every engine stores it: its id, its BM25 terms and its payload.

    The document's `title` (its file name) joins the chunk's BM25 terms, so a question
    that names the document finds its chunks among every other's."""
    terms = sparse_vector(f"{title}\n{chunk.text}" if title else chunk.text)
    payload = {k: v for k, v in vars(chunk).items() if k != "score"}
    return point_id(chunk.document_id, chunk.chunk_index), terms, payload | {"tenant_id": tenant_id}


def chunk_from_payload(payload: dict | None, score: float) -> StoredChunk:
    """A stored point's payload (and score) as a StoredChunk; the tenant field is dropped."""
    data = {k: v for k, v in (payload or {}).items() if k != "tenant_id"}
    return StoredChunk(**data, score=score)


def tenant_chunks(points: Sequence[Any], tenant_id: str) -> list[StoredChunk]:
    """Points fetched by id, as chunks, without those of other tenants: retrieval by id
    takes no filter, so the tenant is checked here."""
    return [
        chunk_from_payload(p.payload, 0.0)
        for p in points
        if (p.payload or {}).get("tenant_id") == tenant_id
    ]


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
