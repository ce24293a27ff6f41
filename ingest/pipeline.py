"""The write path: a stored PDF becomes pages, chunks, vectors and a `ready` registry row.

`ingest_document` is a plain function: the CLI calls it directly, the Celery task calls
it for queued uploads. It never raises for a bad PDF: the document is marked failed
with the reason and every other document is left alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from core.embeddings import Embedder
from core.files import FileStore
from core.pages import PageStore, PageText
from core.registry import Document, Registry, open_registry
from core.store import ChunkStore, StoredChunk
from core.tokens import count_tokens
from ingest.chunk import chunk_pages
from ingest.limits import IngestLimits
from ingest.pdf import LimitError, PdfError, read_pages
from ingest.sandbox import read_pages_isolated

log = logging.getLogger(__name__)

EMBED_BATCH = 64  # chunks per embed-and-upsert round (progress granularity)
_PROGRESS_EVERY_S = 0.5


@dataclass
class Ingestor:
    """What ingestion needs, built once per process by its composition root."""

    registry: Registry
    store: ChunkStore
    embedder: Embedder
    files: FileStore
    pages: PageStore
    chunk_tokens: int = 128
    chunk_overlap: int = 16
    index_titles: bool = True  # the file name joins each chunk's BM25 terms
    limits: IngestLimits = field(default_factory=IngestLimits)


@dataclass
class IngestResult:
    document_id: str
    status: str
    pages: int = 0
    chunks: int = 0
    tokens: int = 0
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


ProgressFn = Callable[[Document], None]


def ingest_document(
    document_id: str,
    ing: Ingestor,
    password: str | None = None,
    on_progress: ProgressFn | None = None,
) -> IngestResult:
    """Parse, chunk, embed and store one registered document; mark it ready or failed."""
    doc = ing.registry.get(document_id)
    if doc is None:
        raise KeyError(f"unknown document {document_id}")
    password = password if password is not None else ing.registry.password(document_id)
    ing.registry.mark_queued(document_id)
    ing.registry.update(document_id, status="processing")
    report = _Reporter(ing.registry, document_id, on_progress)
    try:
        return _run(doc, ing, password, report)
    except PdfError as exc:
        ing.registry.mark_failed(document_id, str(exc))
        report.flush()
        return IngestResult(document_id, "failed", error=str(exc))
    except Exception as exc:
        # Unexpected or transient (store down): record why, then let the caller decide
        # whether to retry. The message names the error class only, never document text.
        ing.registry.mark_failed(document_id, f"ingest error: {type(exc).__name__}: {exc}"[:500])
        report.flush()
        raise


def _run(doc: Document, ing: Ingestor, password: str | None, report: _Reporter) -> IngestResult:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    limits = ing.limits
    deadline = time.monotonic() + limits.max_ingest_s
    texts: list[str] = []
    page_tokens: list[int] = []
    path = ing.files.path_for(doc.sha256)
    pages = (
        read_pages_isolated(path, password, limits, deadline)
        if limits.isolate
        else read_pages(path, password, limits)
    )
    tokens = 0
    with closing(pages):  # leaving early (a limit, a shutdown) stops the parser at once
        for page in pages:
            texts.append(page.text)
            page_tokens.append(count_tokens(page.text))
            tokens += page_tokens[-1]
            if tokens > limits.max_document_tokens:
                raise LimitError(limits.tokens_reason(tokens, page.number))
            report.update(pages_parsed=page.number)
    report.update(pages_total=len(texts), pages_parsed=len(texts), force=True)
    timings["parse_s"] = time.perf_counter() - started

    mark = time.perf_counter()
    chunks = chunk_pages(texts, ing.chunk_tokens, ing.chunk_overlap)
    timings["chunk_s"] = time.perf_counter() - mark
    report.update(chunks_total=len(chunks), chunks_embedded=0, force=True)

    # A retry starts from a clean slate: points of an earlier, partial run go first.
    ing.store.delete_document(doc.id)
    embed_s = upsert_s = 0.0
    for start in range(0, len(chunks), EMBED_BATCH):
        if time.monotonic() > deadline:
            ing.store.delete_document(doc.id)  # a failed document leaves no points behind
            raise LimitError(limits.time_reason(f"embedding (chunk {start} of {len(chunks)})"))
        batch = chunks[start : start + EMBED_BATCH]
        mark = time.perf_counter()
        vectors = ing.embedder.embed([c.text for c in batch])
        embed_s += time.perf_counter() - mark
        mark = time.perf_counter()
        stored = [
            StoredChunk(
                document_id=doc.id,
                chunk_index=c.index,
                text=c.text,
                page_start=c.page_start,
                page_end=c.page_end,
                char_start=c.char_start,
                char_end=c.char_end,
                tokens=c.tokens,
            )
            for c in batch
        ]
        title = Path(doc.filename).stem if ing.index_titles else ""
        ing.store.upsert(doc.tenant_id, stored, vectors, title=title)
        upsert_s += time.perf_counter() - mark
        report.update(chunks_embedded=start + len(batch))
    timings.update(embed_s=embed_s, upsert_s=upsert_s)

    ing.pages.write(
        doc.id,
        (PageText(i + 1, t, n) for i, (t, n) in enumerate(zip(texts, page_tokens, strict=True))),
    )
    timings["total_s"] = time.perf_counter() - started
    timings = {k: round(v, 4) for k, v in timings.items()}
    ing.registry.update(
        doc.id,
        status="ready",
        pages=len(texts),
        chunks=len(chunks),
        tokens=tokens,
        page_tokens=page_tokens,
        chunks_embedded=len(chunks),
        timings=timings,
        password=None,
    )
    report.flush()
    log.info(
        "ingested %s: %d pages, %d chunks, %d tokens in %.2fs",
        doc.id,
        len(texts),
        len(chunks),
        tokens,
        timings["total_s"],
    )
    return IngestResult(doc.id, "ready", len(texts), len(chunks), tokens, timings=timings)


class _Reporter:
    """Writes progress to the registry at most every half second, and tells a callback."""

    def __init__(self, registry: Registry, document_id: str, callback: ProgressFn | None):
        self.registry, self.document_id, self.callback = registry, document_id, callback
        self.pending: dict[str, int] = {}
        self.last = 0.0

    def update(self, force: bool = False, **fields: int) -> None:
        self.pending.update(fields)
        if force or time.monotonic() - self.last >= _PROGRESS_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.registry.update(self.document_id, **self.pending)
            self.pending = {}
        self.last = time.monotonic()
        if self.callback is not None:
            doc = self.registry.get(self.document_id)
            if doc is not None:
                self.callback(doc)


def build_ingestor(
    settings,
    *,
    embedder: Embedder | None = None,
    registry: Registry | None = None,
    store: ChunkStore | None = None,
    files: FileStore | None = None,
    pages: PageStore | None = None,
) -> Ingestor:
    """Build the ingestion clients from settings (for composition roots only).

    Pass any part the process already holds to share it: a loaded `embedder`, or the API's
    own registry, file and page stores and store (the embedded store has one owner).
    """
    from core.embeddings import build_embedder
    from core.store import open_client

    settings.ensure_dirs()
    embedder = embedder or build_embedder(settings)
    return Ingestor(
        registry=registry or open_registry(settings),
        store=store or ChunkStore(open_client(settings), settings.collection, embedder.dim),
        embedder=embedder,
        files=files or FileStore(settings.files_dir),
        pages=pages or PageStore(settings.pages_dir),
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        index_titles=settings.index_titles,
        limits=IngestLimits.from_settings(settings),
    )
