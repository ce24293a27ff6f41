"""Sentence splitting for contracts and reports, keeping each sentence's exact page offsets.

PDF text breaks lines mid-sentence and numbers its clauses; a sentence ends at ., ! or ?
before a capital (not after "Inc." or an initial), at a blank line, or before a numbered
heading on a new line. Headings shorter than a few words join the sentence that follows,
and run-on clauses are cut at semicolons so each piece stays quotable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_END = re.compile(r"[.!?][\"'\u201d)\]]*\s+(?=[\"'\u201c(\[]?[A-Z0-9])")
_BLANK = re.compile(r"\n[ \t]*\n\s*")
_HEADING = re.compile(r"\n(?=[ \t]*(?:\d+(?:\.\d+)*\.?|\([a-zA-Z0-9]{1,4}\)|ARTICLE|Section)\s)")
_SEMI = re.compile(r";\s+")
_ABBREV = frozenset(
    """inc ltd co corp llc lp plc no nos mr mrs ms dr st sec art u.s e.g i.e etc vs cf jr sr
    p pp para fig approx dept est ext viz
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
MIN_WORDS = 4
MAX_CHARS = 600


@dataclass
class Sentence:
    passage: int  # index of its passage
    start: int  # offsets into the passage text: text == passage.text[start:end]
    end: int
    text: str


def split_sentences(text: str, passage: int = 0) -> list[Sentence]:
    """Sentences of one passage, in order, each a verbatim slice of `text`."""
    spans = list(_merge_short(text, _cut_long(text, _spans(text))))
    return [Sentence(passage, s, e, text[s:e]) for s, e in spans]


def _spans(text: str) -> Iterator[tuple[int, int]]:
    cuts = {0, len(text)}
    for match in _END.finditer(text):
        if not _abbreviation(text, match.start()):
            cuts.add(match.end())
    cuts.update(m.end() for m in _BLANK.finditer(text))
    cuts.update(m.end() for m in _HEADING.finditer(text) if _line_closed(text, m.start()))
    bounds = sorted(cuts)
    for start, end in zip(bounds, bounds[1:], strict=False):
        span = _strip(text, start, end)
        if span:
            yield span


def _line_closed(text: str, newline: int) -> bool:
    """Whether the line before `newline` ends a clause (so a number after it is a heading).

    A wrapped sentence ("the fee is\n48213. ...", "within\n30 days") continues on the
    next line; a heading follows a line ending in punctuation or written in capitals."""
    line = text[text.rfind("\n", 0, newline) + 1 : newline].rstrip()
    return not line or line[-1] in ".:;!?)]\"'\u201d" or (line.isupper() and len(line) < 80)


def _abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 12) : dot])
    if not word or text[dot] != ".":
        return False
    token = word.group(1).lower().strip(".")
    return token in _ABBREV or (len(token) == 1 and word.group(1)[-1].isupper())


def _cut_long(text: str, spans: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    for start, end in spans:
        if end - start <= MAX_CHARS:
            yield start, end
            continue
        piece = start
        for match in _SEMI.finditer(text, start, end):
            if match.start() - piece >= MAX_CHARS // 3:
                yield from _window(text, piece, match.start() + 1)
                piece = match.end()
        yield from _window(text, piece, end)


def _window(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut a still-too-long run at whitespace so no piece is much over MAX_CHARS."""
    while end - start > MAX_CHARS * 1.5:
        cut = text.rfind(" ", start, start + MAX_CHARS)
        cut = cut if cut > start else start + MAX_CHARS
        span = _strip(text, start, cut)
        if span:
            yield span
        start = cut
    span = _strip(text, start, end)
    if span:
        yield span


def _merge_short(text: str, spans: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    pending: tuple[int, int] | None = None
    for start, end in spans:
        if pending is not None:
            start, pending = pending[0], None
        if len(text[start:end].split()) < MIN_WORDS:
            pending = (start, end)
            continue
        yield start, end
    if pending is not None:
        yield pending


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
