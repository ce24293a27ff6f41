"""The NIAH eval's per-sample result: one question asked of one document in one mode and
trial, scored. Each is one line of results.jsonl (the fields in this order)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class DocFacts:
    """One rendered and ingested document of a suite: what it is, what ingest made of it."""

    suite: str
    doc: str  # the DocSpec's key, e.g. "single-4k-d50"
    source: str  # the haystack folder or the contract it was built from
    context_length: int  # the asked length in tokens (the PDF's own when not asked)
    pdf_tokens: int  # tokens of the PDF's page texts, as ingest counts them
    haystack_tokens: int
    depth: float | None  # the suite's depth %, None where depths are fixed (router)
    document_id: str | None  # None when the upload failed
    doc_tokens: int | None
    pages: int
    chunks: int | None
    ingest_s: float  # upload to ready
    version: str  # folio's version and commit
    seed: int


@dataclass(frozen=True)
class NiahResult(DocFacts):
    """One scored answer, with the route it took, what it cost and where the needles were."""

    question_id: str
    question: str
    kind: str  # "local", or "global" when it needs the whole document
    mode: str  # the mode asked for: stuff, rag or auto
    trial: int
    needle: str  # the question's needles, joined by " | "
    expected: str
    needle_depths: list[float]  # where they landed, % of the tokens before them
    needle_pages: list[int]
    time: str
    answer: str
    score: float  # share of the required facts stated (0 if a distractor was given)
    found: list[str]
    missing: list[str]
    distractor_hit: bool
    cited_needle_page: bool | None  # None when the query failed
    citations: int
    route_mode: str | None  # what the service chose (auto) or was told
    model: str | None
    escalated: bool | None
    route_reason: str | None
    route_scope: str | None
    estimated_cost_usd: float | None
    retrieved_count: int | None  # None: no retrieval diagnostics (a plain stuff)
    needle_chunk_rank: int | None  # the worst rank among the needles, None if one missed
    needles_retrieved: float | None  # share of the needles in any retrieved chunk
    input_tokens: int | None
    cached_input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None  # billed
    list_cost_usd: float | None  # at catalog list prices
    latency_ms: float | None  # service-reported
    wall_ms: float  # seen by the eval
    judge_score: float | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        """The results.jsonl line."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NiahResult:
        """A result read back from results.jsonl."""
        return cls(**data)
