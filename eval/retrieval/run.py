"""Run a retrieval benchmark through the real service: upload, search, score per query.

Every document is uploaded as a PDF through `POST /documents`; every query is asked
through `POST /search` with k = 64, and the metrics at each smaller k are read off the
same ranking (a search's top k is the top of its top 64). Gold spans and passages are
located in pypdf's text of the PDF, the text the service itself extracts.

Two settings: `per-document` (the query's own document only) and `corpus` (all the
benchmark's documents at once, as LegalBench-RAG measures it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from client import FolioClient
from eval.common.service import upload_ready
from eval.retrieval.data import Benchmark, BenchQuery
from eval.retrieval.metrics import K_VALUES, Located, TextSpace, score
from eval.retrieval.result import RetrievalResult

SETTINGS = ("per-document", "corpus")
Ranked = list[tuple[str, str, int]]  # (document key, passage text, first page), best first
Searcher = Callable[[BenchQuery, str], tuple[Ranked, float]]  # (query, setting) -> ranked, ms


def extracted_pages(pdf: Path) -> list[str]:
    """The PDF's page texts as pypdf extracts them (as the service's ingest does)."""
    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


@dataclass
class Corpus:
    """A benchmark's documents as uploaded: their ids and their text spaces."""

    ids: dict[str, str]  # document key -> service document id
    spaces: dict[str, TextSpace]

    @property
    def keys_by_id(self) -> dict[str, str]:
        """Service document id -> document key."""
        return {v: k for k, v in self.ids.items()}


def upload(client: FolioClient, bench: Benchmark, timeout_s: float = 1800.0) -> Corpus:
    """Upload every document, wait until each is ready; a failed one is an error."""
    pdfs = dict(sorted(bench.documents.items()))
    ids = upload_ready(client, pdfs, timeout_s)  # a failed one names its key
    spaces = {key: TextSpace(extracted_pages(pdf)) for key, pdf in bench.documents.items()}
    return Corpus(ids, spaces)


def service_searcher(client: FolioClient, corpus: Corpus, k: int = max(K_VALUES)) -> Searcher:
    """Ask `POST /search`: the query's document alone, or every document of the corpus."""
    every = sorted(corpus.ids.values())
    keys = corpus.keys_by_id

    def search(query: BenchQuery, setting: str) -> tuple[Ranked, float]:
        ids = [corpus.ids[query.document]] if setting == "per-document" else every
        body = client.search({"query": query.question, "document_ids": ids, "k": k})
        ranked = [
            (keys.get(p["document_id"], ""), p["text"], p["pages"][0]) for p in body["results"]
        ]
        return ranked, float(body.get("latency_ms", 0.0))

    return search


def locate_gold(query: BenchQuery, space: TextSpace) -> tuple[list[Located], int]:
    """The query's gold spans placed in its document, and how many could not be placed."""
    found, missing = [], 0
    for text in query.gold:
        span = space.locate(text)
        if span is None:
            missing += 1
        else:
            found.append(Located(query.document, span, frozenset(space.pages_of(span))))
    return found, missing


def score_rows(
    bench: Benchmark,
    spaces: dict[str, TextSpace],
    searcher: Searcher,
    system: str,
    settings: Sequence[str] = SETTINGS,
    ks: Sequence[int] = K_VALUES,
) -> Iterator[RetrievalResult]:
    """One result per (query, setting): precision, recall and page recall at each k."""
    for query in bench.queries:
        gold, missing = locate_gold(query, spaces[query.document])
        if not gold:
            continue  # nothing to score against: counted in the report as unlocated
        for setting in settings:
            ranked, latency_ms = searcher(query, setting)
            placed = []
            for key, text, page in ranked[: max(ks)]:
                space = spaces.get(key)
                span = space.locate(text, page) if space else None
                if span is not None:
                    placed.append(Located(key, span, frozenset(space.pages_of(span))))
            at = {k: score(gold, placed[:k]) for k in ks}
            yield RetrievalResult(
                dataset=bench.name,
                system=system,
                setting=setting,
                qid=query.qid,
                kind=query.kind,
                document=query.document,
                gold_spans=len(gold),
                gold_unlocated=missing,
                passages=len(ranked),
                passages_unlocated=len(ranked[: max(ks)]) - len(placed),
                latency_ms=round(latency_ms, 2),
                at=at,
            )
