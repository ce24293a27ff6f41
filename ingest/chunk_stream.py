"""Chunking while pages still arrive, with exactly the chunks `chunk_pages` makes at the end.

`ChunkStream.add(pages)` splits only the text not yet settled: it restarts the splitter
at the start of an already settled chunk (the anchor) and keeps the new run only if its
first chunk reproduces the anchor, so the splitter is provably in the same state there as
in one run over the whole text (its next chunk starts from the anchor's own overlap).
The last chunks of a run may still grow with the next page, so they wait. A run whose
first chunk does not match the anchor (rare) is redone from the start of the text, so
the result never differs from `chunk_pages(all pages)`; tests check it on real PDFs.
"""

from __future__ import annotations

import bisect

from llama_index.core.node_parser import SentenceSplitter

from core.tokens import count_tokens, tokenizer
from ingest.chunk import PAGE_SEPARATOR, Chunk

_HELD = 2  # chunks at the end of a run that the next page may still change


class ChunkStream:
    """Feed pages in order with `add`; each call returns the chunks settled by it."""

    def __init__(self, chunk_tokens: int, overlap: int) -> None:
        self._splitter = SentenceSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=overlap,
            tokenizer=tokenizer(),
            paragraph_separator=PAGE_SEPARATOR,
        )
        self._parts: list[str] = []  # the joined text, as pieces
        self._starts: list[int] = []  # offset of each page in the joined text
        self._length = 0
        self._text_cache = ""
        self.chunks: list[Chunk] = []  # settled, in order
        self._spans: list[tuple[int, int]] = []  # (begin, end) of each settled chunk
        self.restarts = 0  # runs redone from the start (for tests and logs)

    def add(self, pages: list[str], last: bool = False) -> list[Chunk]:
        """Append page texts (`last`: no more follow) and return the newly settled chunks."""
        for text in pages:
            if self._starts:
                self._parts.append(PAGE_SEPARATOR)
                self._length += len(PAGE_SEPARATOR)
            self._starts.append(self._length)
            self._parts.append(text)
            self._length += len(text)
        if not self._starts:
            return []
        full = self._text()
        before = len(self.chunks)
        anchor = len(self.chunks) - 1  # re-split from the last settled chunk
        begin = self._spans[anchor][0] if anchor >= 0 else 0
        run = self._locate(self._splitter.split_text(full[begin:]), full, begin)
        if anchor >= 0:
            if not run or run[0] != self._spans[anchor]:
                self.restarts += 1  # not in step: settle from the start of the text
                run, anchor = self._locate(self._splitter.split_text(full), full, 0), -1
                run = run[len(self.chunks) :]
            else:
                run = run[1:]
        keep = len(run) if last else max(0, len(run) - _HELD)
        for span in run[:keep]:
            self._settle(span, full)
        return self.chunks[before:]

    def _text(self) -> str:
        if len(self._text_cache) != self._length:
            self._text_cache = "".join(self._parts)
            self._parts = [self._text_cache]
        return self._text_cache

    def _locate(self, texts: list[str], full: str, offset: int) -> list[tuple[int, int]]:
        """Each split's (begin, end) in the joined text, found as chunk_pages finds them."""
        spans, cursor = [], offset
        for text in texts:
            begin = full.find(text, cursor)
            if begin < 0:
                begin = full.find(text, offset)
            spans.append((begin, begin + len(text)))
            cursor = begin + 1
        return spans

    def _settle(self, span: tuple[int, int], full: str) -> None:
        begin, end = span
        first = bisect.bisect_right(self._starts, begin) - 1
        last = bisect.bisect_right(self._starts, end - 1) - 1
        text = full[begin:end]
        self._spans.append(span)
        self.chunks.append(
            Chunk(
                index=len(self.chunks),
                text=text,
                page_start=first + 1,
                page_end=last + 1,
                char_start=begin - self._starts[first],
                char_end=end - self._starts[last],
                tokens=count_tokens(text),
            )
        )
