"""What the write path runs with: the `Ingestor` a composition root builds once per process
(`build_ingestor`), and the `IngestResult` of one document."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.embeddings.embedders import Embedder, build_embedder
from core.storage.chunks import ChunkStore
from core.storage.files import FileStore
from core.storage.pages import PageStore
from core.storage.registry import Registry, open_registry
from core.storage.stores import open_store
from ingest.limits import IngestLimits
from ingest.ocr import OcrOptions
from ingest.sandbox import Parsers

EMBED_BATCH = 64  # chunks per embed-and-upsert round (progress granularity)
#: Chunks a document embeds in one go before it may give way to documents waiting behind
#: it (`ingest_document`'s `should_yield`): a long document never holds the worker longer.
EMBED_SLICE = 256


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
    ocr: OcrOptions = field(default_factory=OcrOptions)  # pages without text (docs/OCR.md)
    slice_chunks: int = EMBED_SLICE
    parsers: Parsers = field(default_factory=Parsers)  # parsing children, one started ahead


@dataclass
class IngestResult:
    """What became of one document: its status and counts, or the reason it failed."""

    document_id: str
    status: str
    pages: int = 0
    chunks: int = 0
    tokens: int = 0
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


def build_ingestor(
    settings,
    *,
    embedder: Embedder | None = None,
    registry: Registry | None = None,
    store: ChunkStore | None = None,
    files: FileStore | None = None,
    pages: PageStore | None = None,
    parsers: Parsers | None = None,
) -> Ingestor:
    """Build the ingestion clients from settings (for composition roots only).

    Pass any part the process already holds to share it: a loaded `embedder`, or the API's
    own registry, file and page stores and store (the embedded store has one owner), or
    `parsers` already parsing ahead. Stop the parsing children with `ing.parsers.close()`.
    """
    from ingest.chunk_stream import warm_up_splitter  # llama-index: only where one ingests

    settings.ensure_dirs()
    limits = IngestLimits.from_settings(settings)
    parsers = parsers or Parsers()
    if limits.isolate:  # the first document's child starts up while the embedder loads
        parsers.start_spare()
    warm_up_splitter()  # overlaps with loading the embedder too
    embedder = embedder or build_embedder(settings)
    return Ingestor(
        registry=registry or open_registry(settings),
        store=store or open_store(settings, embedder.dim),
        embedder=embedder,
        files=files or FileStore(settings.files_dir),
        pages=pages or PageStore(settings.pages_dir),
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        index_titles=settings.index_titles,
        limits=limits,
        ocr=OcrOptions.from_settings(settings),
        parsers=parsers,
    )
