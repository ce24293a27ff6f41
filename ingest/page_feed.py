"""Parsing and chunking on a thread of their own, ahead of the embedder.

`PageFeed` reads pages from the parser (the sandboxed child's stream), counts their
tokens, enforces the token limit and chunks them as they come (ingest/chunk_stream.py),
handing events to the ingesting thread through a bounded queue: the next pages are
parsed and chunked while the current chunks embed (ONNX Runtime releases the GIL), and
a parser far ahead of the embedder waits instead of filling memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import closing

from core.text.tokens import count_tokens
from ingest.chunk_stream import ChunkStream
from ingest.limits import IngestLimits
from ingest.pdf import LimitError, Page

PAGE_BATCH = 8  # pages chunked together (fewer splitter runs, chunks settled sooner)
_QUEUE = 64  # events in flight: bounded, so memory is too


class PageFeed:
    """Iterate it for ("page", Page) and ("chunks", [Chunk]) events until the document is
    parsed; errors of the parser thread are raised in the iterating thread."""

    def __init__(
        self, pages: Iterator[Page], limits: IngestLimits, chunk_tokens: int, overlap: int
    ) -> None:
        self.texts: list[str] = []
        self.page_tokens: list[int] = []
        self.stream = ChunkStream(chunk_tokens, overlap)
        self._pages, self._limits = pages, limits
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="page-feed", daemon=True)

    def __iter__(self) -> Iterator[tuple[str, object]]:
        self._thread.start()
        try:
            while True:
                kind, value = self._queue.get()
                if kind == "error":
                    raise value  # type: ignore[misc]
                if kind == "done":
                    return
                yield kind, value
        finally:
            self.close()

    def close(self) -> None:
        """Stop the parser thread (and so the parsing child) and wait for it."""
        self._stop.set()
        while self._thread.is_alive():
            try:  # let a put blocked on a full queue go through
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()

    def _run(self) -> None:
        try:
            tokens, batch = 0, []
            with closing(self._pages):  # stopping early stops the parser at once
                for page in self._pages:
                    if self._stop.is_set():
                        return
                    self.texts.append(page.text)
                    self.page_tokens.append(count_tokens(page.text))
                    tokens += self.page_tokens[-1]
                    if tokens > self._limits.max_document_tokens:
                        raise LimitError(self._limits.tokens_reason(tokens, page.number))
                    self._put(("page", page))
                    batch.append(page.text)
                    if len(batch) >= PAGE_BATCH:
                        self._put(("chunks", self.stream.add(batch)))
                        batch = []
            self._put(("chunks", self.stream.add(batch, last=True)))
            self._put(("done", None))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the ingesting thread
            self._put(("error", exc))

    def _put(self, event: tuple[str, object]) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(event, timeout=0.1)
                return
            except queue.Full:
                continue
