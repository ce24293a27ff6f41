"""POST /query: the question, and the answer with its citations, route and cost."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from api.schemas.common import MaxCostUsd, MaxLatencyMs, Prefer


class HistoryTurn(BaseModel):
    """One earlier message of a conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=200_000)


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
    max_cost_usd: MaxCostUsd | None = Field(
        default=None, description="Refuse routes estimated to cost more than this."
    )
    stream: bool = Field(
        default=False,
        description="Server-sent events: `delta` events with text, `reset` if an escalation"
        " replaces it, and a final `answer` event holding the full response.",
    )
    debug: bool = Field(default=False, description="Add the retrieved chunks in rank order.")
    prefer: Prefer | None = Field(
        default=None,
        description="How the learned router trades cost for accuracy in auto mode (fast: the"
        " quickest way that fits); default: the service's FOLIO_ROUTE_PREFER (balanced).",
    )
    max_latency_ms: MaxLatencyMs | None = Field(
        default=None,
        description="Refuse routes expected to take longer: to the first token when"
        " streaming, else to the whole answer (each model's measured speed, or its catalog"
        " prior); auto mode takes the cheapest way within it, and says why.",
    )

    history: list[HistoryTurn] | None = Field(
        default=None,
        max_length=1000,
        description="The conversation's earlier turns, oldest first: a follow-up is"
        " rewritten into a standalone question (see `conversation` in the answer), and the"
        " most recent turns go into the prompt within a token budget.",
    )
    conversation_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="An id of your choosing: folio keeps the conversation's turns (per"
        " tenant) and uses them as the history (`history`, if given, is used instead), and"
        " adds this question and its answer to them.",
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


class LatencyEstimateOut(BaseModel):
    """Milliseconds expected to the first token and to the whole answer."""

    first_token: int
    total: int


class AlternativeOut(BaseModel):
    mode: str
    model: str
    estimated_cost_usd: float
    rejected_because: str
    estimated_latency_ms: LatencyEstimateOut | None = None


class RouteOut(BaseModel):
    """How the question was answered, why, and what else was considered (costed)."""

    mode: Literal["stuff", "rag"]
    model: str
    summary: str = Field(
        description="The route in one plain sentence: what was read, by what, at what cost"
        " (offline: what a model would cost)."
    )
    reason: str
    estimated_cost_usd: float = Field(description="Estimated before any call was made.")
    estimated_latency_ms: LatencyEstimateOut | None = Field(
        default=None, description="Expected time to the first token and to the whole answer."
    )
    estimated_cached_input_tokens: int = Field(
        default=0,
        description="Input tokens the estimate priced as cached: these documents went to the"
        " model within its cache lifetime (the reason says when).",
    )
    context_tokens: int = Field(description="Document tokens read (stuff) or retrieval budget.")
    alternatives: list[AlternativeOut]
    escalated: bool = Field(
        description="The rag answer was re-asked stuffed (the reason says why: the router's"
        " expected gain, or the passages lacked the answer)."
    )
    scope: Literal["global", "local"]
    offline: bool = Field(description="Answered by the offline reader: no model key configured.")
    p_rag_ok: float | None = Field(
        default=None,
        description="The learned router's estimate that retrieval answers as well as"
        " stuffing; null where the size and scope rules decided.",
    )
    paid_model: str | None = Field(
        default=None, description="Offline: the paid model this route stands in for."
    )
    paid_estimated_cost_usd: float | None = Field(
        default=None, description="Offline: what this route would cost with a model key."
    )


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


class ConversationOut(BaseModel):
    """How a follow-up was read before routing and retrieval."""

    question: str = Field(description="The question as asked.")
    rewritten_question: str = Field(description="The standalone question answered.")
    rewritten_by: str = Field(
        description="What rewrote it: `rules` (offline), a model's name (a short costed"
        " call, in cost_usd and usage), or `none`."
    )
    rewrite_cost_usd: float
    history_turns: int = Field(description="Earlier turns the prompt carried.")
    history_tokens: int = Field(description="Their tokens, counted by the router.")
    dropped_turns: int = Field(description="Older turns left out to fit the token budget.")
    conversation_id: str | None = None


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
    conversation: ConversationOut | None = Field(
        default=None, description="With `history` or `conversation_id`: how it was read."
    )
    retrieved: list[RetrievedOut] | None = None
