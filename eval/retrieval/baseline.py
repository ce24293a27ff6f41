"""The bare baseline the report sets beside folio: fixed 500-character chunks, plain BM25.

No stemming, no stop words, no dense vectors, no overlap: each page's text is cut every
500 characters and ranked by bm25s (Lucene's BM25). It runs in this process on the same
extracted text the service reads, so the two are scored the same way.
"""

from __future__ import annotations

import bm25s

from eval.retrieval.data import BenchQuery
from eval.retrieval.metrics import TextSpace
from eval.retrieval.run import Ranked, Searcher, extracted_pages

CHUNK_CHARS = 500


def _chunks(key: str, pages: list[str]) -> list[tuple[str, str, int]]:
    out = []
    for number, text in enumerate(pages, 1):
        out += [(key, text[i : i + CHUNK_CHARS], number) for i in range(0, len(text), CHUNK_CHARS)]
    return [c for c in out if c[1].strip()]


class _Index:
    def __init__(self, chunks: list[tuple[str, str, int]]) -> None:
        self.chunks = chunks
        self.bm25 = bm25s.BM25()
        self.bm25.index(_tokens([c[1] for c in chunks]), show_progress=False)

    def rank(self, question: str, k: int) -> Ranked:
        k = min(k, len(self.chunks))
        ids, _ = self.bm25.retrieve(_tokens([question]), k=k, show_progress=False)
        return [self.chunks[i] for i in ids[0]]


def _tokens(texts: list[str]):
    return bm25s.tokenize(texts, stopwords=None, show_progress=False)


def bare_bm25_searcher(pdfs: dict, k: int = 64) -> tuple[Searcher, dict[str, TextSpace]]:
    """A searcher over the documents `pdfs` (key -> PDF path), and their text spaces."""
    pages = {key: extracted_pages(pdf) for key, pdf in sorted(pdfs.items())}
    per_doc = {key: _Index(_chunks(key, p)) for key, p in pages.items()}
    corpus = _Index([c for key, p in pages.items() for c in _chunks(key, p)])

    def search(query: BenchQuery, setting: str) -> tuple[Ranked, float]:
        index = per_doc[query.document] if setting == "per-document" else corpus
        return index.rank(query.question, k), 0.0

    return search, {key: TextSpace(p) for key, p in pages.items()}
