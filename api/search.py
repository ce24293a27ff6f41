"""Search: the ranked passages the `rag` path would read, for a person to find the clause.

The ranking is `api.retrieval.rank()`, the one the `rag` path uses. A passage is a hit
grown over neighbouring chunks that score nearly as well (api/passages.py): an exact
slice of the document's text, with its first and last page.
A question that spells out a document's name searches that document among those asked
(see api/document_names.py); otherwise all of them (by default every ready one).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from api.answer import RetrievalUnavailable, resolve
from api.document_names import named_in
from api.passages import grow, run_score, run_text
from api.read_path import ReadPath
from api.retrieval import rank

CANDIDATES = 128  # chunks ranked per search; passages are cut from these


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
    ranking = rp.ranking
    # Always the same candidates, whatever k: a longer list starts with the shorter one.
    hits = rank(rp.store, rp.embedder, query, rp.tenant_id, list(names), CANDIDATES, ranking)
    runs = grow(hits, k, ranking.grow_within, ranking.grow_chunks)
    texts = cache(lambda doc_id: [page.text for page in rp.pages.read(doc_id)])
    results = [
        Passage(
            document_id=run[0].document_id,
            filename=names.get(run[0].document_id, ""),
            pages=(run[0].page_start, run[-1].page_end),
            text=run_text(run, texts),
            score=run_score(run),
            rank=i + 1,
        )
        for i, run in enumerate(runs)
    ]
    return SearchResult(results, list(names), (time.perf_counter() - started) * 1000)
