"""One document's chunks embedded and stored a batch at a time, with the time each part took."""

from __future__ import annotations

import time
from pathlib import Path

from core.storage.chunks import StoredChunk
from core.storage.documents import Document
from ingest.chunk import Chunk
from ingest.ingestor import Ingestor


class ChunkBatches:
    """Embeds and upserts batches of one document's chunks, adding up the time of each."""

    def __init__(self, doc: Document, ing: Ingestor) -> None:
        self.doc, self.ing = doc, ing
        self.title = Path(doc.filename).stem if ing.index_titles else ""
        self.embed_s = self.upsert_s = 0.0

    def store(self, batch: list[Chunk]) -> None:
        """Embed `batch`, then upsert it with its vectors under the document's tenant."""
        mark = time.perf_counter()
        vectors = self.ing.embedder.embed([c.text for c in batch])
        self.embed_s += time.perf_counter() - mark
        mark = time.perf_counter()
        stored = [
            StoredChunk(
                document_id=self.doc.id,
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
        self.ing.store.upsert(self.doc.tenant_id, stored, vectors, title=self.title)
        self.upsert_s += time.perf_counter() - mark
