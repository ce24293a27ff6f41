"""The chunk store on qdrant-client: a Qdrant server (FOLIO_QDRANT_URL) or local mode.

Also where qdrant-client's embedded local mode is opened (FOLIO_STORE_ENGINE=local, and
what `folio reindex` moves from). The Edge engine's twin is core/storage/edge.py, with the
same collection layout, payloads, filters and query.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from qdrant_client import QdrantClient, models

from core.settings import Settings
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

_FUSIONS = {"dbsf": models.Fusion.DBSF, "rrf": models.Fusion.RRF}


class QdrantChunkStore:
    """The ChunkStore on a qdrant-client client (server or embedded local mode)."""

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
        """Write chunks with their dense vectors; their BM25 terms, title included, are
        computed here (`point_fields`)."""
        points = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            pid, (indices, values), payload = point_fields(tenant_id, chunk, title)
            points.append(
                models.PointStruct(
                    id=pid,
                    vector={
                        DENSE: list(vector),
                        SPARSE: models.SparseVector(indices=indices, values=values),
                    },
                    payload=payload,
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

    def count_all(self) -> int:
        """Every point in the collection (reindex checks its copy with this)."""
        return self.client.count(self.collection, exact=True).count

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
        return [chunk_from_payload(p.payload, p.score) for p in result.points]

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
        return [chunk_from_payload(p.payload, p.score) for p in result.points]


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
