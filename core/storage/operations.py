"""What a chunk store asks of its engine, in no engine's types: points to write, the
conditions a request is filtered by, and dense and hybrid searches.

core/storage/chunks.py's ChunkStore builds these, once for every engine; each engine
(core/storage/edge.py, core/storage/qdrant.py) only puts them in its own client's types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Terms = tuple[list[int], list[float]]  # a sparse BM25 vector: term indices and weights
# A payload field and the value it must hold; a list: any one of its values.
Condition = tuple[str, str | list[str]]


def filter_conditions(tenant_id: str, document_ids: Sequence[str] | None = None) -> list[Condition]:
    """What every request is filtered by, all of it to hold: the tenant's points only, and
    (`document_ids`) only those of these documents."""
    conditions: list[Condition] = [("tenant_id", tenant_id)]
    if document_ids is not None:
        conditions.append(("document_id", list(document_ids)))
    return conditions


@dataclass(frozen=True)
class Point:
    """A chunk's point: its id, its dense vector and BM25 terms, and its payload."""

    id: str
    dense: Sequence[float]
    sparse: Terms
    payload: dict


@dataclass(frozen=True)
class Nearest:
    """A nearest-neighbour query on one of a point's vectors: `using` names it (DENSE: a
    vector; SPARSE: BM25 terms)."""

    using: str
    vector: Sequence[float] | Terms


@dataclass(frozen=True)
class DenseSearch:
    """The `limit` points nearest to `query` that meet every one of `conditions`; `exact`:
    without the vector index."""

    query: Nearest
    conditions: list[Condition]
    limit: int
    exact: bool


@dataclass(frozen=True)
class HybridSearch:
    """Each of `prefetches` fetches the `prefetch_limit` nearest points that meet
    `conditions` (`exact`: without the vector index); Qdrant fuses the lists (`fusion`:
    "dbsf" or "rrf") and returns the best `limit` that meet `conditions`."""

    prefetches: list[Nearest]
    fusion: str
    conditions: list[Condition]
    limit: int
    prefetch_limit: int
    exact: bool
