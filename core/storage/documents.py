"""A document as the registry keeps it: its record (status, counts, ingest progress and
timings, what OCR read) and its deterministic id. The registry (core/storage/registry.py)
stores and finds them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_DOC_NAMESPACE = uuid.UUID("6f1c0d55-3b8e-4f0a-9a57-2f1b8d7c9e10")


def document_id_for(tenant_id: str, sha256: str) -> str:
    """Deterministic id: the same file in the same tenant is the same document."""
    return str(uuid.uuid5(_DOC_NAMESPACE, f"{tenant_id}:{sha256}"))


@dataclass
class Document:
    """One uploaded file of one tenant, and how far its ingestion has got."""

    id: str
    tenant_id: str
    filename: str
    sha256: str
    status: str = "queued"
    size_bytes: int = 0
    pages: int = 0
    chunks: int = 0
    tokens: int = 0
    page_tokens: list[int] = field(default_factory=list)
    error: str | None = None
    pages_parsed: int = 0
    pages_total: int = 0
    chunks_embedded: int = 0
    chunks_total: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages read by OCR
    ocr_confidence: float | None = None  # their mean word confidence, 0..1
    ocr_skipped: int = 0  # pages OCR tried and could not read
    created_at: float = 0.0
    updated_at: float = 0.0
    enqueued_at: float | None = None  # its job's last sending to the queue

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Document:
        """A registry row as a Document: JSON columns decoded, the password left out."""
        data = dict(row)
        data.pop("password", None)
        data["page_tokens"] = json.loads(data["page_tokens"] or "[]")
        data["timings"] = json.loads(data["timings"] or "{}")
        data["ocr_pages"] = json.loads(data.get("ocr_pages") or "[]")
        return cls(**data)
