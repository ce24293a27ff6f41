"""The chunk store's interface and what every engine shares: a stored chunk, its point
(deterministic id, BM25 terms, payload) and the errors of an embedded store.

The engines: Qdrant Edge, embedded by default (core/storage/edge.py), and qdrant-client,
for a Qdrant server or its local mode (core/storage/qdrant.py); core/storage/stores.py
opens the one the settings name.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.text.lexical import sparse_vector

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


class ChunkStore(Protocol):
    """Chunks of all documents, filtered by document and tenant: one collection with a
    dense and a BM25 vector per chunk. One implementation per engine (core/storage/edge.py,
    core/storage/qdrant.py), built by core/storage/stores.py's `open_store`."""

    client: Any
    collection: str
    dim: int

    def ping(self) -> None:
        """Raise if the store cannot be reached."""

    def upsert(
        self,
        tenant_id: str,
        chunks: Sequence[StoredChunk],
        vectors: Sequence[Sequence[float]],
        title: str = "",
    ) -> None:
        """Write chunks with their dense vectors; their BM25 terms (title included) too."""

    def delete_document(self, tenant_id: str, document_id: str) -> None:
        """Remove every point of one of the tenant's documents."""

    def count(self, tenant_id: str, document_id: str) -> int:
        """How many points one of the tenant's documents has."""

    def count_all(self) -> int:
        """Every point in the collection."""

    def point_ids(self, tenant_id: str, document_id: str) -> set[str]:
        """The point ids of one of the tenant's documents."""

    def chunks(self, tenant_id: str, document_id: str, indices: Sequence[int]) -> list[StoredChunk]:
        """Chunks of one of the tenant's documents by index (a hit's neighbours)."""

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
        """Dense and BM25 prefetches filtered to tenant and documents, fused by Qdrant
        (DBSF, or RRF), best first."""

    def dense_search(
        self,
        query_vector: Sequence[float],
        tenant_id: str,
        document_ids: Sequence[str] | None = None,
        limit: int = 20,
    ) -> list[StoredChunk]:
        """Dense-only search, the baseline hybrid search is measured against."""
