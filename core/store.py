"""The chunk store: one Qdrant collection with a dense and a sparse (BM25-style) vector.

Embedded (one owning process) or a server (`url=`), chosen by settings. The embedded
engine is Qdrant Edge by default (core/store_edge.py, the same interface: `ChunkStore(client,
...)` on an EdgeClient is an EdgeChunkStore), or qdrant-client's local mode
(FOLIO_STORE_ENGINE=local), which is the same qdrant-client calls as a server.
"""

from __future__ import annotations

import threading
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qdrant_client import QdrantClient, models

from core.lexical import sparse_query, sparse_vector
from core.settings import Settings

DENSE = "dense"
SPARSE = "bm25"
_FUSIONS = {"dbsf": models.Fusion.DBSF, "rrf": models.Fusion.RRF}
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
    """Chunks of all documents, filtered by document and tenant."""

    def __new__(cls, client: Any, collection: str, dim: int) -> ChunkStore:
        # One interface, one class per engine: an Edge client gets the Edge store.
        if cls is ChunkStore and getattr(client, "engine", None) == "edge":
            from core.store_edge import EdgeChunkStore

            cls = EdgeChunkStore
        return super().__new__(cls)

    def __init__(self, client: QdrantClient, collection: str, dim: int) -> None:
        self.client = client
        self.collection = collection
        self.dim = dim
        self._ensure_collection()

    def _ensure_collection(self) -> None:
        if self.client.collection_exists(self.collection):
            return
        self.client.create_collection(
            self.collection,
            vectors_config={
                DENSE: models.VectorParams(size=self.dim, distance=models.Distance.COSINE)
            },
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        with warnings.catch_warnings():
            # Embedded Qdrant warns that it ignores payload indexes; a server uses them.
            warnings.simplefilter("ignore", UserWarning)
            self.client.create_payload_index(
                self.collection, "document_id", field_schema=models.PayloadSchemaType.KEYWORD
            )
            # Qdrant's documented multitenancy: a keyword index marked `is_tenant` lets
            # the server lay out each tenant's points together and plan filters by tenant.
            self.client.create_payload_index(
                self.collection,
                "tenant_id",
                field_schema=models.KeywordIndexParams(
                    type=models.KeywordIndexType.KEYWORD, is_tenant=True
                ),
            )

    def ping(self) -> None:
        """Raise if the store cannot be reached."""
        self.client.get_collection(self.collection)

    def upsert(
        self,
        tenant_id: str,
        chunks: Sequence[StoredChunk],
        vectors: Sequence[Sequence[float]],
        title: str = "",
    ) -> None:
        """Write chunks with their dense vectors; sparse vectors are computed here.

        The document's `title` (its file name) joins each chunk's sparse terms, so a
        question that names the document finds its chunks among every other's."""
        points = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            indices, values = sparse_vector(f"{title}\n{chunk.text}" if title else chunk.text)
            payload = {k: v for k, v in vars(chunk).items() if k != "score"}
            points.append(
                models.PointStruct(
                    id=point_id(chunk.document_id, chunk.chunk_index),
                    vector={
                        DENSE: list(vector),
                        SPARSE: models.SparseVector(indices=indices, values=values),
                    },
                    payload=payload | {"tenant_id": tenant_id},
                )
            )
        if points:
            self.client.upsert(self.collection, points=points, wait=True)

    def delete_document(self, tenant_id: str, document_id: str) -> None:
        """Remove every point of one of the tenant's documents."""
        self.client.delete(
            self.collection,
            points_selector=models.FilterSelector(
                filter=_filter(document_ids=[document_id], tenant_id=tenant_id)
            ),
            wait=True,
        )

    def count(self, tenant_id: str, document_id: str) -> int:
        """How many points one of the tenant's documents has."""
        flt = _filter(document_ids=[document_id], tenant_id=tenant_id)
        return self.client.count(self.collection, count_filter=flt, exact=True).count

    def point_ids(self, tenant_id: str, document_id: str) -> set[str]:
        """The point ids of one of the tenant's documents."""
        ids, offset = set(), None
        while True:
            points, offset = self.client.scroll(
                self.collection,
                scroll_filter=_filter(document_ids=[document_id], tenant_id=tenant_id),
                limit=512,
                offset=offset,
                with_payload=False,
            )
            ids.update(str(p.id) for p in points)
            if offset is None:
                return ids

    def chunks(self, tenant_id: str, document_id: str, indices: Sequence[int]) -> list[StoredChunk]:
        """Fetch chunks of one of the tenant's documents by index (a hit's neighbours)."""
        ids = [point_id(document_id, i) for i in indices]
        points = self.client.retrieve(self.collection, ids=ids, with_payload=True)
        # Retrieval by id takes no filter: a point of another tenant is dropped here.
        mine = [p for p in points if (p.payload or {}).get("tenant_id") == tenant_id]
        return [_chunk(p.payload, 0.0) for p in mine]

    def hybrid_search(
        self,
        query_text: str,
        query_vector: Sequence[float],
        tenant_id: str,
        document_ids: Sequence[str] | None = None,
        limit: int = 20,
        prefetch_limit: int = 50,
        fusion: str = "dbsf",
    ) -> list[StoredChunk]:
        """Dense and sparse BM25 prefetches, filtered to tenant and documents, fused by DBSF
        (or `fusion="rrf"`).

        Distribution-based score fusion (each list's scores normalised by their mean and
        spread, then summed) keeps how far ahead a hit is, which rank fusion (RRF)
        discards: on ContractNLI it ranked the gold clause first more often (docs/EVAL.md).
        """
        flt = _filter(document_ids=document_ids, tenant_id=tenant_id)
        prefetch = [
            models.Prefetch(query=list(query_vector), using=DENSE, filter=flt, limit=prefetch_limit)
        ]
        indices, values = sparse_query(query_text)
        if indices:
            prefetch.append(
                models.Prefetch(
                    query=models.SparseVector(indices=indices, values=values),
                    using=SPARSE,
                    filter=flt,
                    limit=prefetch_limit,
                )
            )
        result = self.client.query_points(
            self.collection,
            prefetch=prefetch,
            query=models.FusionQuery(fusion=_FUSIONS[fusion]),
            query_filter=flt,
            limit=limit,
            with_payload=True,
        )
        return [_chunk(p.payload, p.score) for p in result.points]

    def dense_search(
        self,
        query_vector: Sequence[float],
        tenant_id: str,
        document_ids: Sequence[str] | None = None,
        limit: int = 20,
    ) -> list[StoredChunk]:
        """Dense-only search, the baseline hybrid search is measured against."""
        result = self.client.query_points(
            self.collection,
            query=list(query_vector),
            using=DENSE,
            query_filter=_filter(document_ids=document_ids, tenant_id=tenant_id),
            limit=limit,
            with_payload=True,
        )
        return [_chunk(p.payload, p.score) for p in result.points]


def _filter(document_ids: Sequence[str] | None = None, tenant_id: str | None = None):
    must: list[models.Condition] = []
    if tenant_id is not None:
        must.append(
            models.FieldCondition(key="tenant_id", match=models.MatchValue(value=tenant_id))
        )
    if document_ids is not None:
        must.append(
            models.FieldCondition(key="document_id", match=models.MatchAny(any=list(document_ids)))
        )
    return models.Filter(must=must)


def _chunk(payload: dict | None, score: float) -> StoredChunk:
    data = {k: v for k, v in (payload or {}).items() if k != "tenant_id"}
    return StoredChunk(**data, score=score)


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
