"""The chunk store on Qdrant Edge: Qdrant's embedded Rust engine, in this process.

The default embedded store (FOLIO_STORE_ENGINE=edge, DATA_DIR/edge): the same collection
layout, points, filters and searches as core/storage/qdrant.py's store (core/storage/chunks.py
computes them; this module puts them in Edge's types), with indexed payload filters and Rust
search instead of local mode's brute force in Python.
One shard (folder) per collection; one process owns the folder, as with local mode.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import qdrant_edge as qe

from core.storage.chunks import DENSE, SPARSE, ChunkStore, StoreLockedError
from core.storage.operations import Condition, DenseSearch, HybridSearch, Nearest, Point

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


class EdgeChunkStore(ChunkStore):
    """The ChunkStore on an Edge shard (core/storage/stores.py's `store_for` makes one)."""

    def __init__(self, client: EdgeClient, collection: str, dim: int) -> None:
        super().__init__(client, collection, dim)
        self.shard = client.shard(collection, dim)

    def ping(self) -> None:
        """Raise if the shard cannot be read."""
        self.shard.info()

    def count_all(self) -> int:
        """Every point in the collection (reindex checks its copy with this)."""
        return self.shard.count(qe.CountRequest(exact=True))

    def optimize(self) -> bool:
        """Merge segments and build the vector index now (blocking); True if anything
        changed."""
        return self.shard.optimize()

    def _write(self, points: Sequence[Point]) -> None:
        self.shard.update(qe.UpdateOperation.upsert_points([_point(p) for p in points]))

    def _delete(self, conditions: list[Condition]) -> None:
        self.shard.update(qe.UpdateOperation.delete_points_by_filter(_filter(conditions)))

    def _count(self, conditions: list[Condition]) -> int:
        return self.shard.count(qe.CountRequest(exact=True, filter=_filter(conditions)))

    def _point_ids(self, conditions: list[Condition]) -> set[str]:
        flt = _filter(conditions)
        ids, offset = set(), None
        while True:
            request = qe.ScrollRequest(offset=offset, limit=512, filter=flt, with_payload=False)
            records, offset = self.shard.scroll(request)
            ids.update(str(r.id) for r in records)
            if offset is None:
                return ids

    def _retrieve(self, ids: Sequence[str]) -> list[qe.Record]:
        return self.shard.retrieve(ids, with_payload=True, with_vector=False)

    def _hybrid(self, search: HybridSearch) -> list[qe.ScoredPoint]:
        flt, params = _filter(search.conditions), _params(search.exact)
        prefetches = [
            qe.Prefetch(search.prefetch_limit, query=_nearest(q), filter=flt, params=params)
            for q in search.prefetches
        ]
        request = qe.QueryRequest(
            search.limit,
            prefetches=prefetches,
            query=_FUSIONS[search.fusion](),
            filter=flt,
            with_payload=True,
        )
        return self.shard.query(request)

    def _dense(self, search: DenseSearch) -> list[qe.ScoredPoint]:
        request = qe.QueryRequest(
            search.limit,
            query=_nearest(search.query),
            filter=_filter(search.conditions),
            params=_params(search.exact),
            with_payload=True,
        )
        return self.shard.query(request)


def _point(point: Point) -> qe.Point:
    vectors = {DENSE: [float(x) for x in point.dense], SPARSE: qe.SparseVector(*point.sparse)}
    return qe.Point(point.id, vectors, point.payload)


def _nearest(query: Nearest) -> qe.Query:
    if query.using == SPARSE:
        vector = qe.SparseVector(*query.vector)
    else:
        vector = [float(x) for x in query.vector]
    return qe.Query.Nearest(vector, using=query.using)


def _filter(conditions: list[Condition]) -> qe.Filter:
    return qe.Filter(
        must=[qe.FieldCondition(key, match=_match(value)) for key, value in conditions]
    )


def _match(value: str | list[str]) -> qe.MatchValue | qe.MatchAny:
    return qe.MatchAny(value) if isinstance(value, list) else qe.MatchValue(value)


def _params(exact: bool) -> qe.SearchParams | None:
    return qe.SearchParams(exact=True) if exact else None
