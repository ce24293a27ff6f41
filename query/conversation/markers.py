"""[n] markers in an answer's text, for clients that render only text: each after the
words its citation quotes (an offline answer is built from its quotes), else after the
sentence sharing the most words with the quote (a model's paraphrase), else at the end;
and the short "Sources" list (file, page) that ends the text. The web page places its
markers the same way (api/web/js/markers.js)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from query.conversation.history import SOURCES_MARK

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n")


class Cited(Protocol):
    filename: str
    page: int
    quote: str


def _folded(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with runs of whitespace as one space, and the index in `text`
    just past each kept character."""
    chars, ends, space = [], [], False
    for i, ch in enumerate(text):
        if ch.isspace():
            if space:
                continue
            ch, space = " ", True
        else:
            space = False
        chars.append(ch.lower())
        ends.append(i + 1)
    return "".join(chars), ends


def _after_quote(text: str, quote: str) -> int:
    hay, ends = _folded(text)
    needle, _ = _folded(quote.strip())
    for n in (len(needle), min(len(needle), 40)):
        at = hay.find(needle[:n]) if n >= 12 else -1
        if at >= 0:
            end = ends[at + n - 1]
            while end < len(text) and text[end].isalnum():
                end += 1
            return end
    return -1


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 3}


def _after_sentence(text: str, quote: str) -> int:
    wanted, best, start = _words(quote), -1, 0
    most = max(2, -(-len(wanted) // 4)) - 1
    for match in [*_SENTENCE_END.finditer(text), None]:
        if match is None:
            end = len(text)
        else:
            end = match.start() if match.group() == "\n" else match.end()
        shared = len(_words(text[start:end]) & wanted)
        if shared > most:
            best, most = end, shared
        start = end
    return best


def place(text: str, citations: Sequence[Cited]) -> str:
    """`text` with a marker [n] for each citation (numbered from 1 in their order)."""
    places = []
    for n, c in enumerate(citations, 1):
        at = _after_quote(text, c.quote)
        if at < 0:
            at = _after_sentence(text, c.quote)
        places.append((len(text) if at < 0 else at, n))
    out, done = [], 0
    for at, n in sorted(places):
        out.append(text[done:at])
        out.append(f" [{n}]" if at == len(text) and at > done else f"[{n}]")
        done = at
    out.append(text[done:])
    return "".join(out)


def sources(citations: Sequence[Cited]) -> str:
    """The "Sources" list ending the text: "[n] file, p. N", one a line ("" without any)."""
    if not citations:
        return ""
    lines = [f"[{n}] {c.filename}, p. {c.page}" for n, c in enumerate(citations, 1)]
    return SOURCES_MARK + "\n".join(lines)
