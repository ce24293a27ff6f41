"""Request and response models of the HTTP API (they are its OpenAPI schema)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from core.registry import Document

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


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    instance_id: str = Field(
        description="The data directory this server serves (the CLI checks it before using it)."
    )


class Readiness(BaseModel):
    """Each dependency and `ok` or what is wrong with it."""

    status: Literal["ready", "not ready"]
    checks: dict[str, str]


class ErrorOut(BaseModel):
    detail: str


class FieldErrorOut(BaseModel):
    """One invalid field of a request (FastAPI's ValidationError, without the input)."""

    loc: list[str | int]
    msg: str
    type: str


class InvalidOut(BaseModel):
    """A 422: a list of invalid fields, or one message about the request as a whole."""

    detail: list[FieldErrorOut] | str


# --- questions (POST /query, GET /usage) ------------------------------------------------


class QueryRequest(BaseModel):
    """A question about some (by default all ready) documents of the tenant."""

    question: str = Field(min_length=1, max_length=8000)
    document_ids: list[str] | None = Field(
        default=None, description="Documents to ask; default: every ready document."
    )
    mode: Literal["auto", "stuff", "rag"] = Field(
        default="auto",
        description="auto: the router decides; stuff: read the whole documents; rag: retrieve.",
    )
    max_cost_usd: float | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        allow_inf_nan=False,
        description="Refuse routes estimated to cost more than this.",
    )
    stream: bool = Field(
        default=False,
        description="Server-sent events: `delta` events with text, `reset` if an escalation"
        " replaces it, and a final `answer` event holding the full response.",
    )
    debug: bool = Field(default=False, description="Add the retrieved chunks in rank order.")
    prefer: Literal["cost", "balanced", "quality"] | None = Field(
        default=None,
        description="How the learned router trades cost for accuracy in auto mode; default:"
        " the service's FOLIO_ROUTE_PREFER (balanced).",
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value.strip()


class CitationOut(BaseModel):
    """A quote checked to occur on the cited page (whitespace-normalised)."""

    document_id: str
    filename: str
    page: int
    quote: str
    ocr: bool = Field(default=False, description="The page's text was read by OCR.")


class AlternativeOut(BaseModel):
    mode: str
    model: str
    estimated_cost_usd: float
    rejected_because: str


class RouteOut(BaseModel):
    """How the question was answered, why, and what else was considered (costed)."""

    mode: Literal["stuff", "rag"]
    model: str
    reason: str
    estimated_cost_usd: float = Field(description="Estimated before any call was made.")
    context_tokens: int = Field(description="Document tokens read (stuff) or retrieval budget.")
    alternatives: list[AlternativeOut]
    escalated: bool = Field(
        description="The rag answer was re-asked stuffed (the reason says why: the router's"
        " expected gain, or the passages lacked the answer)."
    )
    scope: Literal["global", "local"]
    offline: bool = Field(description="Answered by the offline reader: no model key configured.")


class TokenUsage(BaseModel):
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int


class RetrievedOut(BaseModel):
    document_id: str
    chunk_index: int
    page_start: int
    page_end: int
    tokens: int
    score: float


class QueryResponse(BaseModel):
    """The answer, its checked citations, the route taken, and what it really cost."""

    question_id: str = Field(description="Ties the answer to its rows in the usage ledger.")
    answer: str
    found: bool = Field(description="False when the documents do not answer the question.")
    citations: list[CitationOut]
    dropped_citations: int = Field(description="Citations whose quote is not on their page.")
    route: RouteOut
    models_used: list[str]
    usage: TokenUsage
    cost_usd: float = Field(description="Actual cost of every call, escalation included.")
    latency_ms: float
    retrieved: list[RetrievedOut] | None = None


class UsageRow(BaseModel):
    calls: int
    input_tokens: int | None
    cached_input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None


class ModelUsage(UsageRow):
    model: str


class DayUsage(UsageRow):
    day: str = Field(description="UTC date, YYYY-MM-DD.")


class KeyUsage(UsageRow):
    key: str | None = Field(description="The API key's id; null for calls made without one.")


class BudgetOut(BaseModel):
    """The monthly caps on the caller's spend (None: no cap) and this month's spend."""

    key_budget_usd: float | None
    key_spent_usd: float | None = Field(description="None with auth off (no key).")
    tenant_budget_usd: float | None
    tenant_spent_usd: float
    resets_at: datetime = Field(description="Start of the next UTC month.")


class UsageTotals(BaseModel):
    """Model calls, tokens and dollars from the usage ledger of the caller's tenant, by
    model, by UTC day and by API key, and the budgets that apply to the caller."""

    by_model: list[ModelUsage]
    by_day: list[DayUsage]
    by_key: list[KeyUsage] = []
    budget: BudgetOut | None = None
