"""Haystacks of an exact token length with needles at exact depths, as gkamradt's harness.

The files of a folder (.txt, or .pdf read with the ingest parser) are concatenated in
sorted order, repeated if the folder is shorter than the target, and cut in token space
so the haystack plus its needles is the target length. A needle goes in at its depth in
token space, moved back to the start of the sentence there (as the reference harness
backs up to the previous period), so it never splits a sentence.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.text.tokens import count_tokens, encoding
from eval.common.paths import shared_data
from eval.niah.render import clean_text
from ingest.pdf import PdfError, read_pages

log = logging.getLogger(__name__)

# A sentence starts after . ! or ? (and any closing quote or bracket) followed by space
# or, as in the essays' lost paragraph breaks ("accelerating.We"), by a capital; and at
# every paragraph.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*(?:[ \t]+|(?=[A-Z]))|\n\n")


def default_haystack_dir() -> Path:
    """The Paul Graham essays of the reference harness."""
    return shared_data() / "niah" / "paul_graham"


def parse_length(value: str | int) -> int:
    """'1k' -> 1000, '400K' -> 400000, '1.5m' -> 1500000, '2048' -> 2048."""
    if isinstance(value, int):
        return value
    text = value.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale != 1 else text
    try:
        return int(float(number) * scale)
    except ValueError:
        raise ValueError(f"not a token length: {value!r} (use e.g. 1k, 32k, 400k)") from None


def read_document(path: Path) -> str:
    """The text of one .txt or .pdf file, cleaned for rendering."""
    if path.suffix.lower() == ".pdf":
        return clean_text("\n\n".join(page.text for page in read_pages(path)))
    return clean_text(path.read_text(encoding="utf-8", errors="replace"))


@lru_cache(maxsize=4)
def load_corpus(folder: Path) -> str:
    """Every .txt and .pdf of `folder`, in sorted name order, cleaned and joined."""
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".txt", ".pdf"))
    texts = []
    for path in files:
        try:
            texts.append(read_document(path))
        except PdfError as exc:  # one unreadable PDF in the folder does not stop the run
            log.warning("haystack: skipping %s (%s)", path.name, exc.kind)
    texts = [t for t in texts if t]
    if not texts:
        raise FileNotFoundError(f"no .txt or .pdf text found in {folder}")
    return "\n\n".join(texts)


@dataclass(frozen=True)
class Placement:
    """Where one needle went: its character span in the final text and its depths."""

    needle: str
    depth: float  # asked, percent of the haystack's tokens before it
    asked_char: int  # where that depth falls in the text without needles
    char_start: int  # in the final text
    char_end: int
    token_start: int  # tokens of the final text before the needle

    def actual_depth(self, total_tokens: int) -> float:
        """Where the needle sits, in % of the final text's tokens before it."""
        return 100.0 * self.token_start / max(total_tokens, 1)


@dataclass
class Haystack:
    text: str
    tokens: int
    target_tokens: int
    placements: list[Placement]
    background: str = ""  # the text before any needle went in


def sentence_starts(text: str) -> list[int]:
    """Offsets where sentences (and paragraphs) begin, ascending, starting with 0."""
    return [0] + [m.end() for m in _SENTENCE_END.finditer(text) if m.end() < len(text)]


def insert_needles(background: str, needles: Sequence[tuple[str, float]]) -> Haystack:
    """Insert each (needle, depth%) into `background` at the sentence start at or before it."""
    enc = encoding()
    tokens = enc.encode(background, disallowed_special=())
    _, offsets = enc.decode_with_offsets(tokens)
    starts = sentence_starts(background)
    planned = []
    for order, (needle, depth) in enumerate(needles):
        if not 0 <= depth <= 100:
            raise ValueError(f"depth must be within 0..100, got {depth}")
        at_token = round(len(tokens) * depth / 100)
        asked = offsets[at_token] if at_token < len(offsets) else len(background)
        at = starts[bisect.bisect_right(starts, asked) - 1]
        planned.append((at, order, needle, depth, asked))
    planned.sort()
    pieces, spans, cursor, length, tail = [], [], 0, 0, ""
    for at, _, needle, depth, asked in planned:
        before = background[cursor:at]
        if before:
            pieces.append(before)
            length, tail = length + len(before), before[-1]
        lead = " " if length and not tail.isspace() else ""
        right = background[at : at + 1]
        trail = " " if right and not right.isspace() else ""
        pieces.append(f"{lead}{needle}{trail}")
        start = length + len(lead)
        spans.append((needle, depth, asked, start, start + len(needle)))
        length += len(lead) + len(needle) + len(trail)
        tail = pieces[-1][-1]
        cursor = at
    pieces.append(background[cursor:])
    text = "".join(pieces)
    placements = [
        Placement(n, d, asked, s, e, count_tokens(text[:s])) for n, d, asked, s, e in spans
    ]
    total = count_tokens(text)
    return Haystack(text, total, total, placements, background)


def build_haystack(
    corpus: str, target_tokens: int, needles: Sequence[tuple[str, float]]
) -> Haystack:
    """A haystack of `target_tokens` tokens in all, its needles included."""
    enc = encoding()
    needle_tokens = sum(count_tokens(f" {n} ") for n, _ in needles)
    budget = max(target_tokens - needle_tokens, 0)
    corpus_tokens = enc.encode(corpus, disallowed_special=())
    repeats = budget // max(len(corpus_tokens), 1) + 1
    separator = enc.encode("\n\n")
    tokens: list[int] = []
    for _ in range(repeats):  # as the reference harness, read the folder again if short
        tokens.extend(corpus_tokens + separator)
    background = enc.decode(tokens[:budget]).strip()
    haystack = insert_needles(background, needles)
    haystack.target_tokens = target_tokens
    return haystack


def needle_spans(text: str, needle: str) -> list[tuple[int, int]]:
    """Spans of `needle` in `text`, matching any run of whitespace between its words."""
    words = needle.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [m.span() for m in re.finditer(pattern, text)]
