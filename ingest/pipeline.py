"""The write path: a stored PDF becomes pages, chunks, vectors and a `ready` registry row.

`ingest_document` is a plain function: the CLI calls it directly, the Celery task calls
it for queued uploads. It never raises for a bad PDF: the document is marked failed
with the reason and every other document is left alone. What it runs with (`Ingestor`,
`build_ingestor`) is in ingest/ingestor.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from core.reader.contract import read_contract
from core.storage.documents import Document
from core.storage.pages import PageStore, PageText
from ingest.chunk import Chunk, chunk_pages
from ingest.chunk_batches import ChunkBatches
from ingest.ingestor import EMBED_BATCH, Ingestor, IngestResult
from ingest.ocr import OcrTally
from ingest.page_feed import PageFeed
from ingest.pdf import LimitError, PdfError, read_pages
from ingest.progress import Progress, ProgressFn
from ingest.sandbox import parse_job, read_pages_isolated

log = logging.getLogger(__name__)


class Paused(Exception):
    """The document gave way to others after a slice of its chunks: it is `queued` again,
    its page texts stored and its progress kept; resume it with `resume_from=next_chunk`."""

    def __init__(self, document_id: str, next_chunk: int) -> None:
        super().__init__(f"{document_id} paused before chunk {next_chunk}")
        self.document_id, self.next_chunk = document_id, next_chunk


def ingest_document(
    document_id: str,
    ing: Ingestor,
    password: str | None = None,
    on_progress: ProgressFn | None = None,
    should_yield: Callable[[], bool] | None = None,
    resume_from: int = 0,
    retryable: Callable[[Exception], bool] | None = None,
) -> IngestResult:
    """Parse, chunk, embed and store one registered document; mark it ready or failed.

    With `should_yield` (true when other documents wait), after each slice of
    `ing.slice_chunks` chunks the document may pause (raises Paused); `resume_from`
    continues a paused one from its stored page texts, without parsing it again. An
    error `retryable` accepts is raised without marking the document failed: the caller
    queues it again, and meanwhile it must not show `failed`.
    """
    doc = ing.registry.get(document_id)
    if doc is None:
        log.info("%s was deleted before it was ingested; nothing to do", document_id)
        return IngestResult(document_id, "deleted")
    password = password if password is not None else ing.registry.password(document_id)
    if resume_from:
        ing.registry.update(document_id, status="processing")
    else:
        ing.registry.restart(document_id)
    report = Progress(ing.registry, document_id, on_progress)
    try:
        return _run(doc, ing, password, report, should_yield, resume_from)
    except Paused:
        report.flush()
        raise
    except PdfError as exc:
        ing.registry.mark_failed(document_id, str(exc))
        report.flush()
        return IngestResult(document_id, "failed", error=str(exc))
    except Exception as exc:
        if ing.registry.get(document_id) is None:  # deleted under us: its files went too
            log.info("%s was deleted while it was ingested; stopped", document_id)
            return IngestResult(document_id, "deleted")
        if retryable is None or not retryable(exc):
            # Unexpected, or transient with no retry left: record why. The message names
            # the error class only, never document text.
            reason = f"ingest error: {type(exc).__name__}: {exc}"[:500]
            ing.registry.mark_failed(document_id, reason)
        report.flush()
        raise


def parse_ahead(document_id: str, ing: Ingestor, password: str | None = None) -> None:
    """Start parsing a registered document now, in the spare child, so its first pages are
    waiting when `ingest_document` gets to it: a caller that knows the next document (a
    multi-file `folio ingest`) calls this before ingesting the current one, and no core
    idles between the two. A no-op without isolation."""
    doc = ing.registry.get(document_id)
    if doc is None or not ing.limits.isolate:
        return
    password = password if password is not None else ing.registry.password(document_id)
    path = ing.files.path_for(doc.sha256)
    ing.parsers.ahead(parse_job(path, password, ing.limits, ing.ocr))


def _run(
    doc: Document,
    ing: Ingestor,
    password: str | None,
    report: Progress,
    should_yield: Callable[[], bool] | None,
    resume_from: int,
) -> IngestResult:
    started = time.perf_counter()
    limits = ing.limits
    if resume_from:
        return _embed(doc, ing, report, *_stored_pages(doc, ing), {}, resume_from, should_yield)
    timings: dict[str, float] = {}
    deadline = time.monotonic() + limits.max_ingest_s
    path = ing.files.path_for(doc.sha256)
    pages = (
        read_pages_isolated(path, password, limits, deadline, ing.ocr, ing.parsers)
        if limits.isolate
        else read_pages(path, password, limits, ing.ocr)
    )
    # A retry starts from a clean slate: points of an earlier, partial run go first.
    ing.store.delete_document(doc.tenant_id, doc.id)
    # Parsing and chunking run ahead on their own thread while settled chunks embed here:
    # the next pages are parsed while the current batch embeds (ingest/page_feed.py).
    feed = PageFeed(pages, limits, ing.chunk_tokens, ing.chunk_overlap)
    ocr = OcrTally()  # which pages OCR read, shown in the progress as they are
    pending, embedded, yielding = [], 0, False
    run = ChunkBatches(doc, ing)
    try:
        for kind, value in feed:
            if kind == "page":
                ocr.add(value)
                report.update(pages_parsed=value.number, **ocr.fields())
                continue
            pending += value
            # After a slice, a document others wait behind stops embedding; it finishes
            # parsing (its page texts are what a resumed run starts from), then pauses.
            yielding = yielding or (
                embedded >= ing.slice_chunks and should_yield is not None and should_yield()
            )
            while len(pending) >= EMBED_BATCH and not yielding:
                if time.monotonic() > deadline:
                    raise LimitError(limits.time_reason(f"embedding (chunk {embedded})"))
                batch, pending = pending[:EMBED_BATCH], pending[EMBED_BATCH:]
                run.store(batch)
                embedded += len(batch)
                report.update(chunks_embedded=embedded)
    except BaseException:
        # A document that fails while parsing (a limit, a broken page) leaves no points.
        ing.store.delete_document(doc.tenant_id, doc.id)
        raise
    texts, page_tokens = feed.texts, feed.page_tokens
    report.update(pages_total=len(texts), pages_parsed=len(texts), force=True, **ocr.fields())
    timings["parse_s"] = time.perf_counter() - started
    timings["embed_s"], timings["upsert_s"] = run.embed_s, run.upsert_s
    if yielding:
        report.update(chunks_total=len(feed.stream.chunks), chunks_embedded=embedded, force=True)
        _pause(doc, ing, texts, page_tokens, timings, started, embedded)
    timings["total_s"] = time.perf_counter() - started
    return _embed(
        doc, ing, report, texts, page_tokens, timings, embedded, should_yield, feed.stream.chunks
    )


def _stored_pages(doc: Document, ing: Ingestor) -> tuple[list[str], list[int]]:
    """A paused document's page texts and token counts, as its first run stored them."""
    stored = list(ing.pages.read(doc.id))
    return [p.text for p in stored], [p.tokens for p in stored]


def _embed(
    doc: Document,
    ing: Ingestor,
    report: Progress,
    texts: list[str],
    page_tokens: list[int],
    timings: dict[str, float],
    first: int,
    should_yield: Callable[[], bool] | None,
    chunks: list[Chunk] | None = None,
) -> IngestResult:
    """Embed and upsert chunks from index `first` on; pause after a slice when others
    wait; mark the document ready after the last. `chunks` is None on a resumed run: the
    stored page texts are chunked again (the same chunks: chunking is deterministic)."""
    started = time.perf_counter()
    limits = ing.limits
    resumed = chunks is None
    if resumed:  # the earlier slices' times carry on, and count against the limit
        timings = {k: float(v) for k, v in (ing.registry.get(doc.id).timings or {}).items()}
        mark = time.perf_counter()
        chunks = chunk_pages(texts, ing.chunk_tokens, ing.chunk_overlap)
        timings["chunk_s"] = timings.get("chunk_s", 0.0) + time.perf_counter() - mark
    deadline = time.monotonic() + limits.max_ingest_s - timings.get("total_s", 0.0)
    report.update(chunks_total=len(chunks), chunks_embedded=first, force=True)

    run = ChunkBatches(doc, ing)
    origin = first if resumed else 0  # a slice counts from where this run took over
    for start in range(first, len(chunks), EMBED_BATCH):
        if time.monotonic() > deadline:
            # A failed document leaves no points behind.
            ing.store.delete_document(doc.tenant_id, doc.id)
            raise LimitError(limits.time_reason(f"embedding (chunk {start} of {len(chunks)})"))
        if start - origin >= ing.slice_chunks and should_yield is not None and should_yield():
            _pause(doc, ing, texts, page_tokens, timings, started, start)
        batch = chunks[start : start + EMBED_BATCH]
        run.store(batch)
        report.update(chunks_embedded=start + len(batch))
    timings["embed_s"] = timings.get("embed_s", 0.0) + run.embed_s
    timings["upsert_s"] = timings.get("upsert_s", 0.0) + run.upsert_s
    timings.setdefault("chunk_s", 0.0)  # chunking ran inside parse_s, on the feed's thread

    if not resumed:
        store_pages(ing.pages, doc.id, texts, page_tokens)
    timings["total_s"] = timings.get("total_s", 0.0) + time.perf_counter() - started
    timings = {k: round(v, 4) for k, v in timings.items()}
    tokens = sum(page_tokens)
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


def _pause(doc, ing, texts, page_tokens, timings, started, next_chunk) -> None:
    """Store what a resumed run needs (page texts once, times so far), put the document
    back to `queued` with its progress as it is, and raise Paused."""
    if not timings.get("paused"):
        store_pages(ing.pages, doc.id, texts, page_tokens)
    timings["total_s"] = timings.get("total_s", 0.0) + time.perf_counter() - started
    timings["paused"] = timings.get("paused", 0.0) + 1
    # enqueued_at cleared: the job continuing it is sent by the task (or by the recovery
    # sweep, should this process die first).
    ing.registry.update(
        doc.id, status="queued", page_tokens=page_tokens, timings=timings, enqueued_at=None
    )
    log.info("%s gives way to waiting documents before chunk %d", doc.id, next_chunk)
    raise Paused(doc.id, next_chunk)


def store_pages(pages: PageStore, document_id: str, texts: list[str], tokens: list[int]) -> None:
    """Keep a document's page texts and token counts (pages count from 1), with its
    structure as a contract, which the reader uses to answer contract questions."""
    rows = [PageText(i + 1, t, n) for i, (t, n) in enumerate(zip(texts, tokens, strict=True))]
    try:
        structure = read_contract(texts).to_dict()
    except Exception:  # the structure helps answers; it must never fail an ingest
        log.exception("no contract structure for %s", document_id)
        structure = None
    pages.write(document_id, rows, structure)
