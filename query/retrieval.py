"""Hybrid, order-preserving retrieval with page labels.

`rank()` is the one ranking, shared by `POST /search` and the `rag` path: the question
is stripped of its framing ("Does the agreement state that ..."), and Qdrant fuses a
dense (MiniLM) and a sparse BM25 prefetch by their score distributions (DBSF), filtered
to the tenant and the requested documents (core/storage/). Here the best chunks are taken
up to a token budget, the neighbours of the best few are pulled in (an answer often runs
across a chunk boundary), and the result is put back in document order: order-preserving
retrieval reads better than relevance order on long documents (OP-RAG, Yu et al. 2024).
Chunks are cut at page boundaries and overlapping spans merged, so every excerpt is an
exact slice of one page's text and carries that page's number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from core.embeddings.embedders import Embedder
from core.reader.clause_kinds import ClauseKind, searched_kinds
from core.storage.chunks import ChunkStore, StoredChunk
from core.text.tokens import count_tokens

PageTexts = Callable[[str], Sequence[str] | None]  # document id -> its page texts (page 1 first)

# "Consider the <agreement>; " (LegalBench-RAG's wording) and "Does the document state
# that ...": words every question shares, which pull dense search toward any clause
# that talks about "the document". Only framing verbs go; "allow" or "terminate" stay.
_CONSIDER = re.compile(r"^\s*consider\s+the\b[^;]{0,300};\s*", re.IGNORECASE)
_FRAMING = re.compile(
    r"^\s*(?:does|do|did|is|are|will|would|can)\s+(?:the|this|our|my)\s+"
    r"(?:document|agreement|contract|nda|text|policy)\s+"
    r"(?:(?:say|state|mention|indicate|specify|stipulate|provide|contain|include|describe)s?"
    r"\s+)?(?:(?:a|any)\s+(?:clause|provision|section|term)s?\s+)?"
    r"(?:that|whether(?:\s+or\s+not)?|if)?\s*",
    re.IGNORECASE,
)


def clean_query(question: str) -> str:
    """The question without its framing; the question itself if nothing would be left."""
    stripped = _FRAMING.sub("", _CONSIDER.sub("", question), count=1).strip()
    return stripped if len(stripped) >= 3 else question


@dataclass(frozen=True)
class Ranking:
    """How `rank()` ranks, from settings (FOLIO_SEARCH_*); the defaults measured best."""

    fusion: str = "dbsf"  # or "rrf"
    clean_query: bool = True
    named_documents: bool = True  # a question naming documents asks just those
    # /search passages: a hit takes in neighbours scoring within this many standard
    # deviations of it, up to grow_chunks chunks (query/passages.py); 0 keeps single chunks.
    grow_within: float = 0.9
    grow_chunks: int = 3
    # A query naming clause kinds ("non-compete exclusivity") is searched, densely, halfway
    # toward those kinds' paraphrases, and hits worded like them (their cue) rank up, those
    # saying there is none (their opposite) down (core/reader/clause_kinds.yaml).
    clause_paraphrases: bool = True


DEFAULT_RANKING = Ranking()
PREFETCH = 128  # chunks each of the dense and BM25 searches returns before fusion
CUE_BONUS = 0.3  # on DBSF's scale (each prefetch adds up to about 1): the finder's cue weight


def rank(
    store: ChunkStore,
    embedder: Embedder,
    question: str,
    tenant_id: str,
    document_ids: Sequence[str] | None,
    limit: int,
    ranking: Ranking = DEFAULT_RANKING,
) -> list[StoredChunk]:
    """The chunks that best answer `question`, best first (`POST /search` shows these)."""
    query = clean_query(question) if ranking.clean_query else question
    kinds = searched_kinds(query) if ranking.clause_paraphrases else []
    vector = _query_vector(embedder, query, kinds)
    # DBSF normalises over each prefetched list, so its length must not depend on who asks:
    # /search (128 candidates) and the rag path (40) then score every chunk alike.
    prefetch = max(limit, PREFETCH)
    ids = list(document_ids) if document_ids is not None else None
    hits = store.hybrid_search(
        query, vector, tenant_id, ids, limit=limit, prefetch_limit=prefetch, fusion=ranking.fusion
    )
    return _cued(hits, kinds)


def _cued(hits: list[StoredChunk], kinds: Sequence[ClauseKind]) -> list[StoredChunk]:
    """Hits re-ordered as the clause finder weighs a sentence: a bonus for wording that
    states a named kind ("net 30 days" for payment terms; "exclusive" for exclusivity),
    twice as much off for wording that says there is none ("non-exclusive")."""
    cues = [k.cue for k in kinds if k.cue is not None]
    against = [k.opposite for k in kinds if k.opposite is not None]
    if not cues and not against:
        return hits

    def bonus(text: str) -> float:
        states = any(c.search(text) for c in cues)
        denies = any(o.search(text) for o in against)
        return CUE_BONUS * states - 2 * CUE_BONUS * denies

    scored = [replace(h, score=h.score + bonus(h.text)) for h in hits]
    return sorted(scored, key=lambda h: -h.score)


def _query_vector(embedder: Embedder, query: str, kinds: Sequence[ClauseKind]) -> list[float]:
    """The query's vector; where the query names clause kinds, the mean of its unit vector
    and theirs (each kind's description and paraphrases), so a clause worded unlike the
    query ("exclusive sponsor" for "non-compete exclusivity") ranks up."""
    vector = embedder.embed([query])[0]
    if not kinds:
        return vector
    unit = _unit(np.asarray([vector], dtype=np.float32))[0]
    mixed = unit + np.mean([_kind_vector(embedder, k) for k in kinds], axis=0)
    return (mixed / (np.linalg.norm(mixed) + 1e-9)).tolist()


@lru_cache(maxsize=256)
def _kind_vector(embedder: Embedder, kind: ClauseKind) -> np.ndarray:
    """The mean unit vector of a kind's phrases: they never change, so each embedder
    embeds them once (a search naming a kind costs one short text, not seven)."""
    return _unit(np.asarray(embedder.embed(list(kind.phrases)), dtype=np.float32)).mean(axis=0)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)


@dataclass
class Excerpt:
    """A contiguous slice of one page: `text == page_text[start:end]` when pages are known."""

    document_id: str
    page: int
    start: int
    end: int
    text: str


@dataclass
class Retrieved:
    excerpts: list[Excerpt]  # in document order: document, page, offset
    chunks: list[StoredChunk]  # the chunks chosen, in document order
    hits: int  # chunks the search returned
    tokens: int  # tokens of the excerpts
    ranked: list[StoredChunk] = field(default_factory=list)  # search order, for inspection


def retrieve(
    store: ChunkStore,
    embedder: Embedder,
    question: str,
    tenant_id: str,
    document_ids: Sequence[str],
    token_budget: int,
    page_texts: PageTexts | None = None,
    expand: int = 2,
    limit: int = 40,
    ranking: Ranking = DEFAULT_RANKING,
) -> Retrieved:
    """Best chunks for `question` up to `token_budget`, neighbours of the top `expand` hits
    included, returned as page-labelled excerpts in document order."""
    hits = rank(store, embedder, question, tenant_id, document_ids, limit, ranking)
    chosen = select(store, tenant_id, hits, token_budget, expand)
    order = {doc_id: i for i, doc_id in enumerate(document_ids)}
    chosen.sort(key=lambda c: (order.get(c.document_id, len(order)), c.chunk_index))
    excerpts = to_excerpts(chosen, page_texts)
    tokens = sum(count_tokens(e.text) for e in excerpts)
    return Retrieved(excerpts, chosen, len(hits), tokens, ranked=hits)


def select(
    store: ChunkStore,
    tenant_id: str,
    hits: Sequence[StoredChunk],
    token_budget: int,
    expand: int,
) -> list[StoredChunk]:
    """Hits in rank order while they fit the budget; each of the first `expand` brings its
    neighbours along (they are fetched by index, not searched)."""
    chosen: dict[tuple[str, int], StoredChunk] = {}
    used = 0

    def take(chunk: StoredChunk) -> None:
        nonlocal used
        key = (chunk.document_id, chunk.chunk_index)
        if key not in chosen and used + chunk.tokens <= token_budget:
            chosen[key] = chunk
            used += chunk.tokens

    for rank, hit in enumerate(hits):
        take(hit)
        if rank < expand and (hit.document_id, hit.chunk_index) in chosen:
            around = [i for i in (hit.chunk_index - 1, hit.chunk_index + 1) if i >= 0]
            around = [i for i in around if (hit.document_id, i) not in chosen]
            for neighbour in sorted(store.chunks(tenant_id, hit.document_id, around), key=_index):
                take(neighbour)
    return list(chosen.values())


def to_excerpts(chunks: Sequence[StoredChunk], page_texts: PageTexts | None) -> list[Excerpt]:
    """Cut chunks at page boundaries, merge overlaps per page, keep document order."""
    spans: dict[tuple[str, int], list[tuple[int, int]]] = {}
    texts: dict[str, Sequence[str] | None] = {}
    loose: list[Excerpt] = []  # chunks whose pages are unknown: labelled by their first page
    doc_order: list[str] = []
    for chunk in chunks:
        doc = chunk.document_id
        if doc not in texts:
            texts[doc] = page_texts(doc) if page_texts else None
            doc_order.append(doc)
        pages = texts[doc]
        if not pages or chunk.page_end > len(pages):
            end = chunk.char_start + len(chunk.text)
            loose.append(Excerpt(doc, chunk.page_start, chunk.char_start, end, chunk.text))
            continue
        for page, start, end in _page_spans(chunk, pages):
            spans.setdefault((doc, page), []).append((start, end))
    excerpts = list(loose)
    for (doc, page), intervals in spans.items():
        text = texts[doc][page - 1]  # type: ignore[index]
        for start, end in _merge(intervals):
            if text[start:end].strip():
                excerpts.append(Excerpt(doc, page, start, end, text[start:end]))
    rank = {doc: i for i, doc in enumerate(doc_order)}
    excerpts.sort(key=lambda e: (rank[e.document_id], e.page, e.start))
    return excerpts


def _page_spans(chunk: StoredChunk, pages: Sequence[str]) -> list[tuple[int, int, int]]:
    first, last = chunk.page_start, chunk.page_end
    if first == last:
        return [(first, chunk.char_start, chunk.char_end)]
    spans = [(first, chunk.char_start, len(pages[first - 1]))]
    spans += [(p, 0, len(pages[p - 1])) for p in range(first + 1, last)]
    spans.append((last, 0, chunk.char_end))
    return spans


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _index(chunk: StoredChunk) -> int:
    return chunk.chunk_index
