"""Search: the ranked passages the `rag` path would read, for a person to find the clause.

The ranking is `api.retrieval.rank()`, the one the `rag` path uses. A passage is a
chunk as stored: an exact slice of the document's text, with its first and last page.
A question that spells out a document's name searches that document among those asked
(see api/document_names.py); otherwise all of them (by default every ready one).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from api.answer import ReadPath, RetrievalUnavailable, resolve
from api.document_names import named_in
from api.retrieval import rank


@dataclass
class Passage:
    document_id: str
    filename: str
    pages: tuple[int, int]  # first and last, 1-based
    text: str
    score: float
    rank: int  # 1 = best


@dataclass
class SearchResult:
    results: list[Passage]
    document_ids: list[str]  # the documents searched
    latency_ms: float


def search(
    rp: ReadPath, query: str, document_ids: Sequence[str] | None = None, k: int = 8
) -> SearchResult:
    """The `k` best passages for `query` among the documents (default: all ready ones),
    narrowed to those the query names. Raises like `answer.prepare` for unknown or
    unready ones."""
    started = time.perf_counter()
    docs = resolve(rp, document_ids)
    if rp.ranking.named_documents:
        docs = named_in(query, docs) or docs
    if rp.store is None or rp.embedder is None:
        raise RetrievalUnavailable(
            "search needs the chunk store, which the worker process owns here: set"
            " FOLIO_QDRANT_URL to a Qdrant server"
        )
    names = {d.id: d.filename for d in docs}
    hits = rank(rp.store, rp.embedder, query, rp.tenant_id, list(names), k, rp.ranking)
    results = [
        Passage(
            document_id=hit.document_id,
            filename=names.get(hit.document_id, ""),
            pages=(hit.page_start, hit.page_end),
            text=hit.text,
            score=hit.score,
            rank=i + 1,
        )
        for i, hit in enumerate(hits)
    ]
    return SearchResult(results, list(names), (time.perf_counter() - started) * 1000)
