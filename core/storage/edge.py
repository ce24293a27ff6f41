"""The chunk store on Qdrant Edge: Qdrant's embedded Rust engine, in this process.

The default embedded store (FOLIO_STORE_ENGINE=edge, DATA_DIR/edge): the same collection
layout, payloads, filters and hybrid query as core/storage/chunks.py's qdrant-client store, with
indexed payload filters and Rust search instead of local mode's brute force in Python.
One shard (folder) per collection; one process owns the folder, as with local mode.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import qdrant_edge as qe

from core.storage.chunks import (
    DENSE,
    SPARSE,
    StoredChunk,
    StoreLockedError,
    chunk_from_payload,
    point_fields,
    point_id,
    tenant_chunks,
)
from core.text.lexical import sparse_query

# RRF with Qdrant's default k=2, which the server and local mode use for Fusion.RRF.
_FUSIONS = {"dbsf": qe.Fusion.Dbsf, "rrf": lambda: qe.Fusion.Rrf(k=2)}


class EdgeClient:
    """A folder of Edge shards, one per collection; `stores.open_client` gives this for the edge
    engine. It holds an exclusive lock on the folder until `close()`."""

    engine = "edge"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.path / ".lock", "a+")  # noqa: SIM115 - held until close
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._lock_file.close()
            raise StoreLockedError(
                f"the embedded store at {self.path} is in use by another folio process (a"
                " running `folio serve`?). Use that server (--url), stop it, or set"
                " FOLIO_QDRANT_URL to a Qdrant server."
            ) from exc
        self._shards: dict[str, qe.EdgeShard] = {}
        self._guard = threading.Lock()

    def shard(self, collection: str, dim: int) -> qe.EdgeShard:
        """The collection's shard, created with folio's vectors and indexes if new."""
        with self._guard:
            if collection in self._shards:
                return self._shards[collection]
            folder = self.path / collection
            if folder.is_dir() and any(folder.iterdir()):
                shard = qe.EdgeShard.load(str(folder))
            else:
                shard = qe.EdgeShard.create(str(folder), _config(dim))
                shard.update(
                    qe.UpdateOperation.create_field_index(
                        "document_id", qe.PayloadSchemaType.Keyword
                    )
                )
                # Like the server store: the tenant field is marked as the tenant key.
                shard.update(
                    qe.UpdateOperation.create_field_index(
                        "tenant_id", qe.KeywordIndexParams(is_tenant=True)
                    )
                )
            self._shards[collection] = shard
            return shard

    def collection_exists(self, collection: str) -> bool:
        folder = self.path / collection
        return folder.is_dir() and any(folder.iterdir())

    def get_collections(self) -> list[str]:
        """Collection names on disk (the readiness probe calls this)."""
        return sorted(p.name for p in self.path.iterdir() if p.is_dir())

    def close(self) -> None:
        """Flush and close every shard, then release the folder."""
        with self._guard:
            for shard in self._shards.values():
                shard.flush()
                shard.close()
            self._shards.clear()
            if not self._lock_file.closed:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
                self._lock_file.close()


def _config(dim: int) -> qe.EdgeConfig:
    return qe.EdgeConfig(
        vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        max_search_threads=os.cpu_count() or 1,
    )


class EdgeChunkStore:
    """The ChunkStore on an Edge shard (core/storage/stores.py's `store_for` makes one)."""

    def __init__(self, client: EdgeClient, collection: str, dim: int) -> None:
        self.client = client
        self.collection = collection
        self.dim = dim
        self.shard = client.shard(collection, dim)

    def ping(self) -> None:
        """Raise if the shard cannot be read."""
        self.shard.info()

    def upsert(
        self,
        tenant_id: str,
        chunks: Sequence[StoredChunk],
        vectors: Sequence[Sequence[float]],
        title: str = "",
    ) -> None:
        """Write chunks with their dense vectors; their BM25 terms, title included, are
        computed here (`point_fields`, as the qdrant-client store does)."""
        points = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            pid, (indices, values), payload = point_fields(tenant_id, chunk, title)
            vec = {DENSE: [float(x) for x in vector], SPARSE: qe.SparseVector(indices, values)}
            points.append(qe.Point(pid, vec, payload))
        if points:
            self.shard.update(qe.UpdateOperation.upsert_points(points))

    def delete_document(self, tenant_id: str, document_id: str) -> None:
        """Remove every point of one of the tenant's documents."""
        flt = _filter(document_ids=[document_id], tenant_id=tenant_id)
        self.shard.update(qe.UpdateOperation.delete_points_by_filter(flt))

    def count(self, tenant_id: str, document_id: str) -> int:
        """How many points one of the tenant's documents has."""
        flt = _filter(document_ids=[document_id], tenant_id=tenant_id)
        return self.shard.count(qe.CountRequest(exact=True, filter=flt))

    def count_all(self) -> int:
        """Every point in the collection (reindex checks its copy with this)."""
        return self.shard.count(qe.CountRequest(exact=True))

    def point_ids(self, tenant_id: str, document_id: str) -> set[str]:
        """The point ids of one of the tenant's documents."""
        flt = _filter(document_ids=[document_id], tenant_id=tenant_id)
        ids, offset = set(), None
        while True:
            request = qe.ScrollRequest(offset=offset, limit=512, filter=flt, with_payload=False)
            records, offset = self.shard.scroll(request)
            ids.update(str(r.id) for r in records)
            if offset is None:
                return ids

    def chunks(self, tenant_id: str, document_id: str, indices: Sequence[int]) -> list[StoredChunk]:
        """Fetch chunks of one of the tenant's documents by index (a hit's neighbours)."""
        ids = [point_id(document_id, i) for i in indices]
        records = self.shard.retrieve(ids, with_payload=True, with_vector=False)
        return tenant_chunks(records, tenant_id)

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
        """Dense and BM25 prefetches, filtered to tenant and documents, fused by Qdrant's
        own DBSF (or RRF, k=2), as QdrantChunkStore.hybrid_search (`exact`: no vector index,
        the answer bench/corpus.py measures recall against)."""
        flt = _filter(document_ids=document_ids, tenant_id=tenant_id)
        params = qe.SearchParams(exact=True) if exact else None
        dense = qe.Query.Nearest([float(x) for x in query_vector], using=DENSE)
        prefetches = [qe.Prefetch(prefetch_limit, query=dense, filter=flt, params=params)]
        indices, values = sparse_query(query_text)
        if indices:
            sparse = qe.Query.Nearest(qe.SparseVector(indices, values), using=SPARSE)
            prefetches.append(qe.Prefetch(prefetch_limit, query=sparse, filter=flt, params=params))
        request = qe.QueryRequest(
            limit,
            prefetches=prefetches,
            query=_FUSIONS[fusion](),
            filter=flt,
            with_payload=True,
        )
        return [chunk_from_payload(p.payload, p.score) for p in self.shard.query(request)]

    def dense_search(
        self,
        query_vector: Sequence[float],
        tenant_id: str,
        document_ids: Sequence[str] | None = None,
        limit: int = 20,
        exact: bool = False,
    ) -> list[StoredChunk]:
        """Dense-only search (`exact`: no index, the ground truth recall is measured on)."""
        request = qe.QueryRequest(
            limit,
            query=qe.Query.Nearest([float(x) for x in query_vector], using=DENSE),
            filter=_filter(document_ids=document_ids, tenant_id=tenant_id),
            params=qe.SearchParams(exact=True) if exact else None,
            with_payload=True,
        )
        return [chunk_from_payload(p.payload, p.score) for p in self.shard.query(request)]

    def optimize(self) -> bool:
        """Merge segments and build the vector index now (blocking); True if anything
        changed."""
        return self.shard.optimize()


def _filter(document_ids: Sequence[str] | None = None, tenant_id: str | None = None):
    must = []
    if tenant_id is not None:
        must.append(qe.FieldCondition("tenant_id", match=qe.MatchValue(tenant_id)))
    if document_ids is not None:
        must.append(qe.FieldCondition("document_id", match=qe.MatchAny(list(document_ids))))
    return qe.Filter(must=must) if must else None
