"""/documents: a document and its ingestion state, and pages of the list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from core.storage.documents import Document

Status = Literal["queued", "processing", "ready", "failed"]


class Progress(BaseModel):
    """How far ingestion has got; totals are 0 until known."""

    pages_parsed: int
    pages_total: int
    chunks_embedded: int
    chunks_total: int
    pages_ocr: int = Field(default=0, description="Pages read by OCR so far.")


class OcrOut(BaseModel):
    """Which pages had no text layer and were read by OCR (docs/OCR.md)."""

    pages: list[int] = Field(description="1-based pages whose text OCR read.")
    mean_confidence: float | None = Field(description="Their mean word confidence, 0..1.")
    skipped: int = Field(description="Pages OCR tried and could not read (blank, a picture).")


class DocumentOut(BaseModel):
    """A document and its ingestion state. Its PDF password is never returned."""

    id: str = Field(description="Deterministic: the same file in the same tenant, the same id.")
    filename: str
    status: Status
    pages: int
    chunks: int
    tokens: int = Field(description="Tokens of the whole text (o200k_base).")
    progress: Progress
    error: str | None = Field(description="Why it failed, or a note while retrying.")
    ocr: OcrOut
    sha256: str
    size_bytes: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, doc: Document) -> DocumentOut:
        return cls(
            id=doc.id,
            filename=doc.filename,
            status=doc.status,  # type: ignore[arg-type]
            pages=doc.pages,
            chunks=doc.chunks,
            tokens=doc.tokens,
            progress=Progress(
                pages_parsed=doc.pages_parsed,
                pages_total=doc.pages_total,
                chunks_embedded=doc.chunks_embedded,
                chunks_total=doc.chunks_total,
                pages_ocr=len(doc.ocr_pages),
            ),
            error=doc.error,
            ocr=OcrOut(
                pages=doc.ocr_pages, mean_confidence=doc.ocr_confidence, skipped=doc.ocr_skipped
            ),
            sha256=doc.sha256,
            size_bytes=doc.size_bytes,
            created_at=datetime.fromtimestamp(doc.created_at, UTC),
            updated_at=datetime.fromtimestamp(doc.updated_at, UTC),
        )


class DocumentPage(BaseModel):
    """One page of the document list, newest first."""

    items: list[DocumentOut]
    total: int
    limit: int
    offset: int
