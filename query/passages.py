"""Passages from ranked chunks: a hit grows over neighbours that score nearly as well.

A clause often runs over two or three chunks. Taking hits in rank order, each one
becomes a passage, and takes in its neighbour (the better of left and right, then the
next) while that neighbour scored within `within` standard deviations of the hit
(the spread of the candidates' scores), up to `max_chunks`. Chunks taken into a passage
are not shown again. A passage's text is the document's own text from its first chunk's
start to its last chunk's end, so it can be found in the PDF as it is.

Passages come out in the order of the hits that started them, so the first k of any
longer list are the k a shorter search returns.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from core.storage.chunks import StoredChunk
from core.storage.pages import PAGE_SEPARATOR

Run = list[StoredChunk]  # neighbouring chunks of one document, in document order


def grow(hits: Sequence[StoredChunk], k: int, within: float, max_chunks: int) -> list[Run]:
    """The first `k` passages of `hits` (best first), each a run of neighbouring chunks."""
    by_key = {(h.document_id, h.chunk_index): h for h in hits}
    spread = statistics.pstdev([h.score for h in hits]) if len(hits) > 1 else 0.0
    used: set[tuple[str, int]] = set()
    runs: list[Run] = []
    for hit in hits:
        if len(runs) == k:
            break
        if (hit.document_id, hit.chunk_index) in used:
            continue
        run = [hit]
        used.add((hit.document_id, hit.chunk_index))
        floor = hit.score - within * spread
        while len(run) < max_chunks:
            doc = hit.document_id
            sides = [(doc, run[0].chunk_index - 1), (doc, run[-1].chunk_index + 1)]
            near = [by_key[s] for s in sides if s in by_key and s not in used]
            near = [c for c in near if c.score >= floor]
            if not near:
                break
            best = max(near, key=lambda c: c.score)
            used.add((best.document_id, best.chunk_index))
            run = [best, *run] if best.chunk_index < run[0].chunk_index else [*run, best]
        runs.append(run)
    return runs


def run_score(run: Run) -> float:
    """A passage scores as the hit that started it (its best chunk)."""
    return max(c.score for c in run)


def run_text(run: Run, page_texts: Callable[[str], Sequence[str] | None]) -> str:
    """The document's text from the run's first chunk to its last (one chunk: its text)."""
    first, last = run[0], run[-1]
    if len(run) == 1:
        return first.text
    pages = page_texts(first.document_id) or []
    if last.page_end > len(pages):  # no stored text: not expected of a ready document
        return first.text
    window = pages[first.page_start - 1 : last.page_end]
    offset = sum(len(p) + len(PAGE_SEPARATOR) for p in window[:-1])
    return PAGE_SEPARATOR.join(window)[first.char_start : offset + last.char_end]
