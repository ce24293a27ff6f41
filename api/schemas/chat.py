"""POST /v1/chat/completions and GET /v1/models: OpenAI's chat-completions protocol as the
openai SDK sends it, with folio's extensions (the SDK's `extra_body`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.schemas.common import MaxCostUsd, MaxLatencyMs, Prefer


class TextPart(BaseModel):
    """A content part; only text parts can be asked of documents."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[TextPart] | None = None

    @field_validator("content")
    @classmethod
    def _text_only(cls, value: str | list[TextPart] | None) -> str | list[TextPart] | None:
        if isinstance(value, list) and any(p.type != "text" for p in value):
            raise ValueError("only text content parts are supported (no images, audio or files)")
        return value

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text or "" for p in self.content)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatRequest(BaseModel):
    """A chat completion request. `model` is one of folio-auto, folio-stuff, folio-rag;
    the messages before the last user message are the conversation's history. Sampling
    parameters (temperature, top_p, ...) are accepted and ignored; those that would change
    the meaning of the answer (n > 1, tools, functions) are refused."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[ChatMessage] = Field(min_length=1, max_length=1000)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(default=None, ge=1)
    tools: list[dict] | None = None
    functions: list[dict] | None = None
    tool_choice: str | dict | None = None
    response_format: dict | None = None
    # folio's extensions, sent by the openai SDK as extra_body={...}
    document_ids: list[str] | None = Field(
        default=None, description="Documents to ask; default: every ready one of the tenant."
    )
    max_cost_usd: MaxCostUsd | None = Field(
        default=None, description="Refuse routes estimated to cost more than this."
    )
    prefer: Prefer | None = None
    max_latency_ms: MaxLatencyMs | None = Field(
        default=None,
        description="Refuse routes expected to take longer (to the first token when"
        " streaming); auto mode takes the cheapest way within it.",
    )

    @model_validator(mode="after")
    def _meaningful(self) -> ChatRequest:
        if self.n is not None and self.n > 1:
            raise ValueError("n > 1 is not supported: folio gives one cited answer")
        if self.tools or self.functions or self.tool_choice not in (None, "none"):
            raise ValueError("tools and function calling are not supported")
        if self.response_format and self.response_format.get("type") not in (None, "text"):
            raise ValueError("only the text response format is supported")
        return self


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


class ChatCompletion(BaseModel):
    """OpenAI's chat.completion, plus `citations` (quotes checked on their pages) and
    `folio` (route, cost, latency, the question as asked and as rewritten)."""

    model_config = ConfigDict(extra="allow")

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = Field(description="The model that really answered (offline-reader offline).")
    choices: list[dict]
    usage: dict
    citations: list[dict]
    folio: dict


class OpenAIError(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIErrorOut(BaseModel):
    """OpenAI's error shape, which OpenAI clients read: every error of the /v1 routes."""

    error: OpenAIError
