"""Where the needles are in what the service sees: their pages, and the chunks holding them.

Pages come from the layout of the rendered PDF. Chunk indices come from parsing that PDF
and chunking it as ingest does (same parser, same chunker, same settings), done only when
the service returned retrieval diagnostics, since a 400K-token PDF takes seconds to parse.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from eval.niah.haystack import needle_spans
from ingest.chunk import PAGE_SEPARATOR, chunk_pages
from ingest.pdf import read_pages


def holds(text: str, needle: str) -> bool:
    """True when `text` carries the needle, or at least either half of it (a chunk edge)."""
    if needle_spans(text, needle):
        return True
    words = needle.split()
    if len(words) < 8:
        return False
    half = len(words) // 2
    return bool(
        needle_spans(text, " ".join(words[:half])) or needle_spans(text, " ".join(words[half:]))
    )


class Evidence:
    """The chunk indices of one PDF that hold each needle, computed on first use."""

    def __init__(
        self, pdf: Path, needles: Iterable[str], chunk_tokens: int, chunk_overlap: int
    ) -> None:
        self.pdf = Path(pdf)
        self.needles = list(needles)
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap

    @cached_property
    def chunks(self) -> dict[str, set[int]]:
        """needle -> indices of chunks covering at least half of one of its occurrences."""
        pages = [page.text for page in read_pages(self.pdf)]
        starts, offset = [], 0
        for text in pages:
            starts.append(offset)
            offset += len(text) + len(PAGE_SEPARATOR)
        full = PAGE_SEPARATOR.join(pages)
        spans = [
            (c.index, starts[c.page_start - 1] + c.char_start, starts[c.page_end - 1] + c.char_end)
            for c in chunk_pages(pages, self.chunk_tokens, self.chunk_overlap)
        ]
        found: dict[str, set[int]] = {}
        for needle in self.needles:
            found[needle] = set()
            for begin, end in needle_spans(full, needle):
                need = (end - begin) / 2
                found[needle].update(i for i, s, e in spans if min(e, end) - max(s, begin) >= need)
        return found

    def rank(self, retrieved: list[dict], document_id: str, needle: str) -> int | None:
        """1-based rank of the first retrieved chunk holding `needle`, None if none does."""
        for position, hit in enumerate(retrieved, 1):
            if hit.get("document_id") not in (None, document_id):
                continue
            text = hit.get("text")
            if text is not None:
                if holds(text, needle):
                    return position
            elif hit.get("chunk_index") in self.chunks.get(needle, ()):
                return position
        return None
