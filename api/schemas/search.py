"""Request and response models of `POST /search`."""

from __future__ import annotations

from pydantic import BaseModel, Field

from query.search import SearchResult


class SearchRequest(BaseModel):
    """A query over some (by default all ready) documents of the tenant."""

    query: str = Field(min_length=1, max_length=8000)
    document_ids: list[str] | None = Field(
        default=None,
        description="Documents to search; default: every ready one. A query that spells out"
        " some of their file names searches those.",
    )
    k: int = Field(default=8, ge=1, le=100, description="How many passages to return.")


class PassageOut(BaseModel):
    """One passage: the document's own text, exactly as extracted, and where it is."""

    document_id: str
    filename: str
    pages: tuple[int, int] = Field(description="First and last page, 1-based.")
    text: str
    score: float = Field(description="Fused dense and BM25 score; higher is better.")
    rank: int = Field(description="1 for the best passage.")


class SearchResponse(BaseModel):
    results: list[PassageOut]
    document_ids: list[str] = Field(description="The documents searched.")
    latency_ms: float

    @classmethod
    def of(cls, result: SearchResult) -> SearchResponse:
        return cls(
            results=[PassageOut(**vars(p)) for p in result.results],
            document_ids=result.document_ids,
            latency_ms=round(result.latency_ms, 2),
        )
