"""The chunk store: its interface, and every part of it that does not depend on the engine.

Here: a stored chunk, its point (deterministic id, BM25 terms, payload), the errors of an
embedded store, and `ChunkStore`, the base class that turns each call into the engine-neutral
operations of core/storage/operations.py. An engine only runs those in its own client's
types: Qdrant Edge, embedded by default (core/storage/edge.py), and qdrant-client, for a
Qdrant server or its local mode (core/storage/qdrant.py); core/storage/stores.py opens the
one the settings name.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.storage.operations import (
    Condition,
    DenseSearch,
    HybridSearch,
    Nearest,
    Point,
    filter_conditions,
)
from core.text.lexical import sparse_query, sparse_vector

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


def chunk_point(
    tenant_id: str, chunk: StoredChunk, vector: Sequence[float], title: str = ""
) -> Point:
    """A chunk's point: its id, its dense `vector`, its BM25 terms and its payload.

    The document's `title` (its file name) joins the chunk's BM25 terms, so a question
    that names the document finds its chunks among every other's."""
    terms = sparse_vector(f"{title}\n{chunk.text}" if title else chunk.text)
    payload = {k: v for k, v in vars(chunk).items() if k != "score"}
    pid = point_id(chunk.document_id, chunk.chunk_index)
    return Point(pid, vector, terms, payload | {"tenant_id": tenant_id})


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


class ChunkStore(ABC):
    """Chunks of all documents, filtered by document and tenant: one collection with a
    dense and a BM25 vector per chunk.

    One subclass per engine (core/storage/edge.py, core/storage/qdrant.py), built by
    core/storage/stores.py's `open_store`. The public methods are written here, once: each
    turns its call into points, filter conditions or a search plan and hands it to one of
    the engine's underscored methods, which put it in the engine's own types and run it."""

    def __init__(self, client: Any, collection: str, dim: int) -> None:
        self.client = client
        self.collection = collection
        self.dim = dim

    @abstractmethod
    def ping(self) -> None:
        """Raise if the store cannot be reached."""

    @abstractmethod
    def count_all(self) -> int:
        """Every point in the collection (reindex checks its copy with this)."""

    def upsert(
        self,
        tenant_id: str,
        chunks: Sequence[StoredChunk],
        vectors: Sequence[Sequence[float]],
        title: str = "",
    ) -> None:
        """Write chunks with their dense vectors; their BM25 terms, title included, are
        computed here (`chunk_point`)."""
        points = [chunk_point(tenant_id, c, v, title) for c, v in zip(chunks, vectors, strict=True)]
        if points:
            self._write(points)

    def delete_document(self, tenant_id: str, document_id: str) -> None:
        """Remove every point of one of the tenant's documents."""
        self._delete(filter_conditions(tenant_id, [document_id]))

    def count(self, tenant_id: str, document_id: str) -> int:
        """How many points one of the tenant's documents has."""
        return self._count(filter_conditions(tenant_id, [document_id]))

    def point_ids(self, tenant_id: str, document_id: str) -> set[str]:
        """The point ids of one of the tenant's documents."""
        return self._point_ids(filter_conditions(tenant_id, [document_id]))

    def chunks(self, tenant_id: str, document_id: str, indices: Sequence[int]) -> list[StoredChunk]:
        """Chunks of one of the tenant's documents by index (a hit's neighbours)."""
        points = self._retrieve([point_id(document_id, i) for i in indices])
        return tenant_chunks(points, tenant_id)

    def hybrid_search(
        self,
        query_text: str,
        query_vector: Sequence[float],
        tenant_id: str,
        document_ids: Sequence[str] | None = None,
        limit: int = 20,
        prefetch_limit: int = 50,
        fusion: str = "dbsf",
        exact: bool = False,
    ) -> list[StoredChunk]:
        """Dense and sparse BM25 prefetches, filtered to tenant and documents, fused by
        Qdrant's DBSF (or `fusion="rrf"`), best first; `exact`: no vector index, the answer
        bench/corpus.py measures recall against.

        Distribution-based score fusion (each list's scores normalised by their mean and
        spread, then summed) keeps how far ahead a hit is, which rank fusion (RRF)
        discards: on ContractNLI it ranked the gold clause first more often (docs/EVAL.md).
        """
        prefetches = [Nearest(DENSE, query_vector)]
        indices, values = sparse_query(query_text)
        if indices:  # a question of stop words alone has no BM25 terms, so no BM25 list
            prefetches.append(Nearest(SPARSE, (indices, values)))
        conditions = filter_conditions(tenant_id, document_ids)
        search = HybridSearch(prefetches, fusion, conditions, limit, prefetch_limit, exact)
        return [chunk_from_payload(p.payload, p.score) for p in self._hybrid(search)]

    def dense_search(
        self,
        query_vector: Sequence[float],
        tenant_id: str,
        document_ids: Sequence[str] | None = None,
        limit: int = 20,
        exact: bool = False,
    ) -> list[StoredChunk]:
        """Dense-only search, the baseline hybrid search is measured against (`exact`: no
        index, the ground truth recall is measured on)."""
        conditions = filter_conditions(tenant_id, document_ids)
        search = DenseSearch(Nearest(DENSE, query_vector), conditions, limit, exact)
        return [chunk_from_payload(p.payload, p.score) for p in self._dense(search)]

    # What each engine runs in its own types. Points come back as its client gives them:
    # with `.payload`, and `.score` from a search.

    @abstractmethod
    def _write(self, points: Sequence[Point]) -> None:
        """Upsert points, and return once they are written."""

    @abstractmethod
    def _delete(self, conditions: list[Condition]) -> None:
        """Delete the points that meet `conditions`."""

    @abstractmethod
    def _count(self, conditions: list[Condition]) -> int:
        """How many points meet `conditions`, counted exactly."""

    @abstractmethod
    def _point_ids(self, conditions: list[Condition]) -> set[str]:
        """The ids of the points that meet `conditions`."""

    @abstractmethod
    def _retrieve(self, ids: Sequence[str]) -> Sequence[Any]:
        """The points of these ids, with their payloads."""

    @abstractmethod
    def _hybrid(self, search: HybridSearch) -> Sequence[Any]:
        """Run a hybrid search: scored points, best first."""

    @abstractmethod
    def _dense(self, search: DenseSearch) -> Sequence[Any]:
        """Run a dense search: scored points, best first."""
