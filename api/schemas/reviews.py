"""Bodies of /reviews: a review asked for, its estimate, and the table as it fills."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import MaxCostUsd

ReviewStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class ReviewCreate(BaseModel):
    """A review of some (by default all ready) documents of the tenant, field by field."""

    fields: str | list[dict[str, Any]] | dict[str, Any] = Field(
        description="A preset's name (\"cuad\": CUAD's 41 clause categories), a list of"
        ' {"name", "question" (or "description"), "type": text|date|boolean|number|enum|list,'
        ' "values" (enum)}, or a JSON Schema object whose properties are the fields.'
    )
    document_ids: list[str] | None = Field(
        default=None, max_length=1000, description="Documents to review; default: every ready one."
    )
    mode: Literal["auto", "stuff", "rag"] = Field(
        default="auto",
        description="auto: per document, one stuffed call or a retrieval per field, the"
        " cheaper; stuff or rag: that way for every document.",
    )
    prefer: Literal["cost", "balanced", "quality"] | None = Field(
        default=None, description="quality: stuff every document that fits a window."
    )
    max_cost_usd: MaxCostUsd | None = Field(
        default=None, description="Refuse a review whose whole table is estimated to cost more."
    )
    estimate_only: bool = Field(default=False, description="Return the estimate; start nothing.")


class ProgressOut(BaseModel):
    cells_done: int
    cells_total: int


class CitationOut(BaseModel):
    page: int
    quote: str = Field(description="Checked to occur on that page.")


class PassageOut(BaseModel):
    pages: list[int] = Field(description="First and last page.")
    text: str


class CellOut(BaseModel):
    """One document's value for one field."""

    done: bool
    found: bool = Field(description="False with no citations: the contract has no such clause.")
    value: Any = Field(description="Typed: an ISO date, a boolean, a number, a list, text.")
    citations: list[CitationOut]
    passages: list[PassageOut] = Field(description="What was read for this cell.")
    route: dict[str, Any] = Field(description="mode, model and reason.")
    cost_usd: float
    error: str | None = Field(description="Why the cell failed, or what was dropped.")


class RowOut(BaseModel):
    document_id: str
    filename: str
    cells: dict[str, CellOut]


class ReviewOut(BaseModel):
    """A review: where it stands, what it was estimated to cost and has cost; with its
    rows when read one at a time."""

    id: str
    status: ReviewStatus
    progress: ProgressOut
    fields: list[dict[str, Any]]
    document_ids: list[str]
    cost_usd: float = Field(description="Spent so far, from the calls' real usage.")
    estimate: dict[str, Any] = Field(description="The whole table's cost, per document.")
    error: str | None
    created_at: float
    updated_at: float
    rows: list[RowOut] | None = None


class ReviewEstimate(BaseModel):
    """What a review would cost (estimate_only): nothing was started."""

    estimate: dict[str, Any]
    fields: list[dict[str, Any]]
    document_ids: list[str]


class ReviewList(BaseModel):
    items: list[ReviewOut]
