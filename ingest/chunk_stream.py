"""Chunking while pages still arrive, with exactly the chunks `chunk_pages` makes at the end.

llama-index's SentenceSplitter works in two steps: it cuts the text into splits (first at
paragraph separators, then each paragraph longer than a chunk into sentences, phrases,
words), then merges the splits, in order, into chunks with overlap. Both steps can be
followed as pages arrive:

- Pages are joined by the paragraph separator, so every paragraph but the last one of the
  text so far is final (`str.split` of a longer text starts with the same pieces), and a
  paragraph's splits depend on that paragraph alone. Each is split once, when final.
- The merge is a left-to-right pass over the splits; it is re-run over the final splits
  (cheap: their token counts are known), and every chunk it closes before the last one is
  settled, because a chunk closes only on seeing the split after it.

This uses the splitter's `_split` and `_merge` (private in llama-index 0.14); tests check
on real PDFs, fed one page at a time and in windows, that the chunks equal one pass.
"""

from __future__ import annotations

import sys
import threading

from llama_index.core.node_parser import SentenceSplitter

from core.text.tokens import count_tokens, tokenizer
from ingest.chunk import PAGE_SEPARATOR, Chunk, locate_chunk

#: Imported by nltk only for features folio never uses (collocation statistics, sklearn
#: classifiers), each inside nltk's own try/except ImportError.
NLTK_EXTRAS = ("scipy", "sklearn")


def import_nltk_lean() -> None:
    """Import nltk without scipy and scikit-learn: 0.5 s and 55 MB instead of 1.5-2.3 s
    and 148 MB (measured in docs/PERFORMANCE.md).

    The two are hidden from the import system while nltk loads (a `None` entry in
    `sys.modules` makes their import raise ImportError), then unhidden, so a later
    `import scipy` works as usual. Call it on the composition root's thread before other
    threads start importing; it does nothing when nltk or the extras are already loaded.
    """
    if "nltk" in sys.modules:
        return
    hidden = [name for name in NLTK_EXTRAS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import nltk  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


def warm_up_splitter() -> threading.Thread:
    """Import nltk (lean) now and make the sentence splitter's first split happen on a
    background thread.

    The first split loads nltk's punkt, which the first document of a process would
    otherwise wait for while the embedder idles. A composition root calls this before
    loading the embedder, so the two overlap.
    """
    import_nltk_lean()
    splitter = SentenceSplitter(chunk_size=8, chunk_overlap=0, tokenizer=tokenizer())
    sample = "One sentence here. Another one follows it. And a third ends the sample text."
    thread = threading.Thread(target=splitter.split_text, args=(sample,), daemon=True)
    thread.start()
    return thread


class ChunkStream:
    """Feed pages in order with `add`; each call returns the chunks settled by it."""

    def __init__(self, chunk_tokens: int, overlap: int) -> None:
        self._size = chunk_tokens
        self._splitter = SentenceSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=overlap,
            tokenizer=tokenizer(),
            paragraph_separator=PAGE_SEPARATOR,
        )
        self._paragraphs = self._splitter._split_fns[0]  # the paragraph cut, separator kept
        self._text = ""
        self._starts: list[int] = []  # offset of each page in the joined text
        self._splits: list = []  # splits of the final paragraphs, in order
        self._split_upto = 0  # characters of the text whose paragraphs are split
        self._long = False  # the text is past one chunk (so the splitter cuts it)
        self._cursor = 0  # where the next chunk is searched for, as chunk_pages does
        self.chunks: list[Chunk] = []  # settled, in order

    def add(self, pages: list[str], last: bool = False) -> list[Chunk]:
        """Append page texts (`last`: no more follow) and return the newly settled chunks."""
        added, length = [], len(self._text)
        for text in pages:
            if self._starts:
                added.append(PAGE_SEPARATOR)
                length += len(PAGE_SEPARATOR)
            self._starts.append(length)
            added.append(text)
            length += len(text)
        self._text += "".join(added)  # one copy of the text per call, not one per page
        if not self._starts:
            return []
        before = len(self.chunks)
        if last and not self.chunks and not self._splits:
            texts = self._splitter.split_text(self._text)  # short or one paragraph: one pass
        else:
            texts = self._merged(last)
        for text in texts[len(self.chunks) :]:
            self._settle(text)
        return self.chunks[before:]

    def _merged(self, last: bool) -> list[str]:
        """The chunks the merge settles so far (all of them when `last`)."""
        self._long = self._long or count_tokens(self._text) > self._size
        pieces = self._paragraphs(self._text[self._split_upto :])
        if not self._long or (len(pieces) < 2 and not self._splits and not last):
            return []  # the splitter may still keep it whole or cut it otherwise
        final = pieces if last else pieces[:-1]
        for piece in final:
            self._splits += self._splitter._split(piece, self._size)
            self._split_upto += len(piece)
        texts = self._splitter._merge(self._splits, self._size)
        return texts if last else texts[:-1]

    def _settle(self, text: str) -> None:
        chunk, begin = locate_chunk(text, self._text, self._starts, len(self.chunks), self._cursor)
        self.chunks.append(chunk)
        self._cursor = begin + 1
