"""The chunk store on qdrant-client: a Qdrant server (FOLIO_QDRANT_URL) or local mode.

Also where qdrant-client's embedded local mode is opened (FOLIO_STORE_ENGINE=local, and
what `folio reindex` moves from). The Edge engine's twin is core/storage/edge.py, with the
same collection layout, points, filters and searches: core/storage/chunks.py computes them,
and this module puts them in qdrant-client's types.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from qdrant_client import QdrantClient, models

from core.settings import Settings
from core.storage.chunks import DENSE, SPARSE, ChunkStore, StoreLockedError
from core.storage.operations import Condition, DenseSearch, HybridSearch, Nearest, Point

_FUSIONS = {"dbsf": models.Fusion.DBSF, "rrf": models.Fusion.RRF}


class QdrantChunkStore(ChunkStore):
    """The ChunkStore on a qdrant-client client (server or embedded local mode)."""

    def __init__(self, client: QdrantClient, collection: str, dim: int) -> None:
        super().__init__(client, collection, dim)
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

    def count_all(self) -> int:
        """Every point in the collection (reindex checks its copy with this)."""
        return self.client.count(self.collection, exact=True).count

    def _write(self, points: Sequence[Point]) -> None:
        self.client.upsert(self.collection, points=[_point(p) for p in points], wait=True)

    def _delete(self, conditions: list[Condition]) -> None:
        selector = models.FilterSelector(filter=_filter(conditions))
        self.client.delete(self.collection, points_selector=selector, wait=True)

    def _count(self, conditions: list[Condition]) -> int:
        flt = _filter(conditions)
        return self.client.count(self.collection, count_filter=flt, exact=True).count

    def _point_ids(self, conditions: list[Condition]) -> set[str]:
        flt = _filter(conditions)
        ids, offset = set(), None
        while True:
            points, offset = self.client.scroll(
                self.collection, scroll_filter=flt, limit=512, offset=offset, with_payload=False
            )
            ids.update(str(p.id) for p in points)
            if offset is None:
                return ids

    def _retrieve(self, ids: Sequence[str]) -> list[models.Record]:
        return self.client.retrieve(self.collection, ids=ids, with_payload=True)

    def _hybrid(self, search: HybridSearch) -> list[models.ScoredPoint]:
        flt, params = _filter(search.conditions), _params(search.exact)
        prefetch = [
            models.Prefetch(
                query=_query(q),
                using=q.using,
                filter=flt,
                limit=search.prefetch_limit,
                params=params,
            )
            for q in search.prefetches
        ]
        result = self.client.query_points(
            self.collection,
            prefetch=prefetch,
            query=models.FusionQuery(fusion=_FUSIONS[search.fusion]),
            query_filter=flt,
            limit=search.limit,
            with_payload=True,
        )
        return result.points

    def _dense(self, search: DenseSearch) -> list[models.ScoredPoint]:
        result = self.client.query_points(
            self.collection,
            query=_query(search.query),
            using=search.query.using,
            query_filter=_filter(search.conditions),
            search_params=_params(search.exact),
            limit=search.limit,
            with_payload=True,
        )
        return result.points


def _point(point: Point) -> models.PointStruct:
    indices, values = point.sparse
    vectors = {
        DENSE: list(point.dense),
        SPARSE: models.SparseVector(indices=indices, values=values),
    }
    return models.PointStruct(id=point.id, vector=vectors, payload=point.payload)


def _query(query: Nearest) -> list[float] | models.SparseVector:
    if query.using == SPARSE:
        indices, values = query.vector
        return models.SparseVector(indices=indices, values=values)
    return list(query.vector)


def _filter(conditions: list[Condition]) -> models.Filter:
    return models.Filter(
        must=[models.FieldCondition(key=k, match=_match(v)) for k, v in conditions]
    )


def _match(value: str | list[str]) -> models.MatchValue | models.MatchAny:
    if isinstance(value, list):
        return models.MatchAny(any=value)
    return models.MatchValue(value=value)


def _params(exact: bool) -> models.SearchParams | None:
    return models.SearchParams(exact=True) if exact else None


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
