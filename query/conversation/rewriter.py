"""Follow-ups made standalone before routing and retrieval: by the cheap model where one
is configured (one short call, costed and counted with the answer), else, and whenever
that call fails, by the offline rules (query/conversation/rules.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from core.llm.client import AllModelsFailed, Usage
from core.llm.providers import available_models
from core.storage.documents import Document
from core.text.tokens import count_tokens
from query.conversation.history import History, render
from query.conversation.rules import rewrite_by_rules
from query.read_path import ReadPath

log = logging.getLogger(__name__)

#: The catalog role whose chain rewrites: the cheap models (core/llm/models.yaml).
REWRITE_ROLE = "cheap"
_MAX_TOKENS = 120
_SYSTEM = """You rewrite the user's latest question about some documents into one
standalone question that can be understood without the conversation: carry over the
subject it refers to (the clause, the document, the party). Do not answer it. If it
already stands alone, repeat it unchanged. Reply with the question only."""


@dataclass(frozen=True)
class Rewrite:
    """The question as asked, the standalone question routed and retrieved with, and what
    rewrote it: "none" (no history), "rules" (offline) or the model's name."""

    asked: str
    standalone: str
    by: str = "none"
    cost_usd: float = 0.0
    usage: Usage = field(default_factory=Usage)

    @property
    def changed(self) -> bool:
        return self.standalone != self.asked


def rewrite(
    rp: ReadPath,
    question: str,
    history: History,
    documents: Sequence[Document] = (),
    question_id: str | None = None,
) -> Rewrite:
    """`question` as a standalone question, given the conversation's earlier turns."""
    if not history:
        return Rewrite(question, question)  # a first turn stands alone
    chain = _chain(rp)
    if chain:
        messages = _messages(question, history)
        try:
            with _held(rp, chain, messages):  # a caller over budget pays not even this call
                done = rp.models.complete(
                    chain,
                    messages,
                    role=REWRITE_ROLE,
                    max_tokens=_MAX_TOKENS,
                    question_id=question_id,
                )
        except AllModelsFailed as exc:  # the rules stand in: the question is still asked
            log.warning("the rewrite call failed (%s); the rules rewrite instead", exc)
        else:
            text = _clean(done.text)
            if text:
                return Rewrite(question, text, done.model, done.cost_usd, done.usage)
    standalone = rewrite_by_rules(question, history.turns, documents)
    return Rewrite(question, standalone, "rules")


def _chain(rp: ReadPath) -> list:
    available = available_models(rp.catalog, rp.models.settings)
    return [m for m in rp.catalog.chain(REWRITE_ROLE) if m.name in available and not m.is_local]


def _held(rp: ReadPath, chain: list, messages: list[dict]) -> AbstractContextManager:
    """The rewrite's most expensive estimate held against the caller's budgets (402
    before the call, as for the answer's own route)."""
    if rp.budgets is None:
        return nullcontext()
    prompt = sum(count_tokens(m["content"]) for m in messages)
    estimate = max(m.cost(prompt, _MAX_TOKENS) for m in chain)
    return rp.budgets.reserve(rp.payer, estimate)


def _messages(question: str, history: History) -> list[dict]:
    return [
        {"role": "system", "content": _SYSTEM},
        {"role": "user", "content": f"{render(history)}\n\nLatest question: {question}"},
    ]


def _clean(text: str) -> str:
    """The model's question, without quotes or a label it may have added."""
    text = (text or "").strip().strip('"').strip()
    for label in ("Standalone question:", "Question:", "Rewritten question:"):
        if text.lower().startswith(label.lower()):
            text = text[len(label) :].strip()
    return text.splitlines()[0].strip() if text else ""
