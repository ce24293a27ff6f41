"""Retrieval metrics as LegalBench-RAG defines them, computed in text space.

A PDF moves character offsets (line wrapping, page breaks), so every text is measured
by its *key*: its characters with all whitespace removed, private-use code points
(Symbol-font bullets) read as "•", and typographic quotes and dashes as plain ones
(an annotator's text file and the PDF's glyphs often differ there). A gold span or a
passage is located by its key in the key of the document's extracted text; its
characters are positions there.

- recall@k: share of the gold characters that the union of the top-k passages covers;
- precision@k: share of the union of the top-k passages' characters that are gold;
- page recall@k: share of the gold spans with a page among the top-k passages' pages.
Each is computed per query and averaged over queries by the caller.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_PLAIN = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "–": "-", "—": "-"}
)
K_VALUES = (1, 2, 4, 8, 16, 32, 64)


def text_key(text: str) -> str:
    """`text` without whitespace, bullets as "•", quotes and dashes plain: what stays put
    across a PDF."""
    return _PRIVATE_USE.sub("•", _SPACE.sub("", text)).translate(_PLAIN)


Interval = tuple[int, int]


class TextSpace:
    """One document's extracted pages in key space, to locate snippets by content."""

    def __init__(self, pages: Sequence[str]) -> None:
        keys = [text_key(p) for p in pages]
        self.page_starts: list[int] = []
        offset = 0
        for key in keys:
            self.page_starts.append(offset)
            offset += len(key)
        self.key = "".join(keys)

    def locate(self, snippet: str, page: int | None = None) -> Interval | None:
        """Where `snippet` lies (key offsets), searched from its 1-based `page` if given."""
        needle = text_key(snippet)
        if not needle:
            return None
        start = self.page_starts[page - 1] if page and page <= len(self.page_starts) else 0
        found = self.key.find(needle, start)
        if found < 0 and start:
            found = self.key.find(needle)
        return (found, found + len(needle)) if found >= 0 else None

    def pages_of(self, span: Interval) -> set[int]:
        """The 1-based pages a key interval touches."""
        first = bisect.bisect_right(self.page_starts, span[0]) - 1
        last = bisect.bisect_right(self.page_starts, max(span[0], span[1] - 1)) - 1
        return set(range(first + 1, last + 2))


def merge_close(spans: Sequence[Interval], gap: int = 2) -> list[Interval]:
    """Merge spans less than `gap` characters apart (LegalBench-RAG merges its gold so)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] < gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _union(intervals: Sequence[Interval]) -> list[Interval]:
    return merge_close(intervals, gap=0) if intervals else []


def _length(intervals: Sequence[Interval]) -> int:
    return sum(e - s for s, e in intervals)


def _overlap(a: Sequence[Interval], b: Sequence[Interval]) -> int:
    total, j = 0, 0
    for start, end in a:
        while j < len(b) and b[j][1] <= start:
            j += 1
        i = j
        while i < len(b) and b[i][0] < end:
            total += max(0, min(end, b[i][1]) - max(start, b[i][0]))
            i += 1
    return total


@dataclass
class Located:
    """A snippet placed in a document: `span` in key space, `pages` it sits on."""

    document: str
    span: Interval
    pages: frozenset[int]


@dataclass
class Scores:
    """Precision, recall and page recall of one ranking cut at k."""

    precision: float
    recall: float
    page_recall: float


def score(gold: Sequence[Located], passages: Sequence[Located]) -> Scores:
    """Precision, recall and page recall of `passages` (already cut to the top k)."""
    docs = {g.document for g in gold} | {p.document for p in passages}
    gold_chars = covered = passage_chars = 0
    for doc in docs:
        g = _union([x.span for x in gold if x.document == doc])
        p = _union([x.span for x in passages if x.document == doc])
        gold_chars += _length(g)
        passage_chars += _length(p)
        covered += _overlap(g, p)
    pages = {(p.document, n) for p in passages for n in p.pages}
    page_hits = sum(1 for g in gold if any((g.document, n) in pages for n in g.pages))
    return Scores(
        precision=covered / passage_chars if passage_chars else 0.0,
        recall=covered / gold_chars if gold_chars else 0.0,
        page_recall=page_hits / len(gold) if gold else 0.0,
    )
