"""Token-aware chunking anchored to pages.

Pages are joined with a blank line and split by llama-index's SentenceSplitter on the
o200k tokenizer; each chunk is then located in the joined text (chunks are exact
substrings of it) to recover its page span and its character offsets in those pages.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from llama_index.core.node_parser import SentenceSplitter

from core.storage.pages import PAGE_SEPARATOR
from core.text.tokens import count_tokens, tokenizer


@dataclass
class Chunk:
    index: int
    text: str
    page_start: int  # 1-based, inclusive
    page_end: int
    char_start: int  # offset into the text of page_start
    char_end: int  # offset into the text of page_end (exclusive)
    tokens: int


def chunk_pages(pages: Sequence[str], chunk_tokens: int, overlap: int) -> list[Chunk]:
    """Split page texts into overlapping chunks of at most `chunk_tokens` o200k tokens."""
    starts, offset = [], 0
    for text in pages:
        starts.append(offset)
        offset += len(text) + len(PAGE_SEPARATOR)
    full = PAGE_SEPARATOR.join(pages)
    splitter = SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=overlap,
        tokenizer=tokenizer(),
        paragraph_separator=PAGE_SEPARATOR,
    )
    chunks, cursor = [], 0
    for text in splitter.split_text(full):
        chunk, begin = locate_chunk(text, full, starts, len(chunks), cursor)
        chunks.append(chunk)
        cursor = begin + 1
    return chunks


def locate_chunk(
    text: str, full: str, starts: Sequence[int], index: int, cursor: int
) -> tuple[Chunk, int]:
    """Chunk `index`, whose `text` the splitter returned, found in the joined text `full`
    from `cursor` on, with its page span and offsets (`starts`: each page's offset in
    `full`); and where it begins. The next chunk is searched for from that begin + 1."""
    begin = full.find(text, cursor)
    if begin < 0:  # not expected: the splitter only strips; search from the start
        begin = full.find(text)
    end = begin + len(text)
    first = bisect.bisect_right(starts, begin) - 1
    last = bisect.bisect_right(starts, end - 1) - 1
    chunk = Chunk(
        index=index,
        text=text,
        page_start=first + 1,
        page_end=last + 1,
        char_start=begin - starts[first],
        char_end=end - starts[last],
        tokens=count_tokens(text),
    )
    return chunk, begin
