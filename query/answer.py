"""Answer a question: resolve the documents, plan the route, run it, check the citations.

`prepare()` does everything that can refuse a question (unknown or unready documents,
an impossible forced mode, a budget it would pass) before anything is spent, and holds
the route's estimate against the caller's budgets; `execute()` and `stream()` then run
the plan: stuff the pages or retrieve excerpts, ask the model (or the offline reader),
escalate a `rag` answer to `stuff` where the route's escalation says so
(query/routing/escalation.py), verify every quote against its page, and release the hold.
`stream()` yields typed events: `Delta` text, a `Reset` when an escalation replaces what
was written, and the `Answer` last.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

from core.llm.client import Usage, available_models
from core.storage.chunks import StoredChunk
from core.storage.documents import Document
from query import context
from query.citations import Citation, verify
from query.conversation.history import History, Turn, fit, render
from query.conversation.rewriter import Rewrite, rewrite
from query.documents import asked, resolve
from query.events import Delta, Reset
from query.model_call import Outcome, ask, ask_streaming
from query.read_path import ReadPath
from query.routing.cache import document_set_key, warm_caches
from query.routing.escalation import after_rag
from query.routing.plan import RoutePlan
from query.routing.router import plan


@dataclass
class Question:
    """A planned question; it holds its estimate against the budgets until answered."""

    text: str
    documents: list[Document]  # in the stable order prompts use
    plan: RoutePlan
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    held: ExitStack = field(default_factory=ExitStack, repr=False)
    history: History = field(default_factory=History)  # earlier turns the prompt carries
    rewrite: Rewrite | None = None  # the follow-up made standalone (`text` is its result)
    conversation_id: str | None = None  # the kept conversation it joins once answered

    @property
    def context_note(self) -> str:
        """The history as the prompt shows it ("" without one)."""
        return render(self.history) if self.history else ""


@dataclass
class Answer:
    question_id: str
    text: str
    found: bool
    citations: list[Citation]
    dropped_citations: int
    route: RoutePlan
    escalated: bool
    usage: Usage
    cost_usd: float
    latency_ms: float
    models_used: list[str]
    retrieved: list[StoredChunk] = field(default_factory=list)  # search rank order (rag)
    rewrite: Rewrite | None = None  # how a follow-up was made standalone, and its cost
    history: History = field(default_factory=History)
    conversation_id: str | None = None


Event = Delta | Reset | Answer


def prepare(
    rp: ReadPath,
    question: str,
    document_ids: Sequence[str] | None = None,
    mode: str = "auto",
    max_cost_usd: float | None = None,
    prefer: str | None = None,
    *,
    history: Sequence[Turn] | None = None,
    conversation_id: str | None = None,
    max_latency_ms: float | None = None,
    streaming: bool = False,
) -> Question:
    """Resolve documents, plan the route and hold its estimate (with a planned
    escalation's) against the caller's budgets; raises before anything is spent. `prefer`
    (cost | balanced | quality | fast) overrides the service's default for the router;
    `max_latency_ms` refuses routes expected to take longer (to the first token when
    `streaming`, else to the whole answer), by each model's measured speed.

    With `history` (the conversation's earlier turns) the question is first made
    standalone (query/conversation/rewriter.py: the cheap model, or the offline rules);
    routing and retrieval use that, and the prompt carries the most recent turns within
    a token budget, which the router counts. With `conversation_id` the history is the
    turns folio kept for it (this tenant's), and this question and its answer join them."""
    qid = uuid.uuid4().hex
    if conversation_id is not None and history is None:
        kept = rp.registry.conversations.turns(rp.tenant_id, conversation_id)
        history = [Turn(role, content) for role, content in kept]
    turns = fit(history or ())
    standalone = None
    if history is not None:  # a conversation, even at its first turn: say how it was read
        standalone = rewrite(rp, question, turns, resolve(rp, document_ids), qid)
        question = standalone.standalone
    docs = asked(rp, question, document_ids)
    policy = replace(
        rp.policy,
        mode=mode,
        max_cost_usd=max_cost_usd,
        available=available_models(rp.catalog, rp.models.settings),
        prefer=prefer or rp.policy.prefer,
        prompt_tokens=rp.policy.prompt_tokens + turns.tokens,
        max_latency_ms=max_latency_ms,
        streaming=streaming,
        latencies=rp.latency.all() if rp.latency is not None else None,
        warm=_warm(rp, docs),
    )
    route = plan(question, docs, rp.catalog, policy, rp.router)
    if route.mode == "rag":
        rp.retrieval("retrieval", ", or ask with mode 'stuff'")  # refuse before holding
    q = Question(question, docs, route, qid, history=turns, rewrite=standalone)
    q.conversation_id = conversation_id  # joined by this question once it is answered
    if rp.budgets is not None:
        # 402 here, before any spending; released when the answer is done and its real
        # cost is in the ledger, which the next check reads.
        q.held.enter_context(rp.budgets.reserve(rp.payer, _estimate(route)))
    return q


def execute(rp: ReadPath, q: Question) -> Answer:
    """Run the plan and return the answer (the model is asked for JSON where it can do it)."""
    with q.held:
        started = time.perf_counter()
        pages = context.PageCache(rp.pages)
        note = q.context_note
        first = ask(rp, q.text, q.id, q.documents, q.plan, pages, note)
        verdict = after_rag(rp.router, q.plan, first.reply.answer, first.reply.found)
        outcomes = [first]
        if verdict.stuffed is not None:
            outcomes.append(ask(rp, q.text, q.id, q.documents, verdict.stuffed, pages, note))
        return _answer(rp, q, verdict.route, outcomes, pages, started)


def stream(rp: ReadPath, q: Question) -> Iterator[Event]:
    """The answer as it is written: Delta events, a Reset if an escalation replaces what
    was written, and the Answer last."""
    with q.held:
        started = time.perf_counter()
        pages = context.PageCache(rp.pages)
        note = q.context_note
        first = yield from ask_streaming(rp, q.text, q.id, q.documents, q.plan, pages, note)
        verdict = after_rag(rp.router, q.plan, first.reply.answer, first.reply.found)
        outcomes = [first]
        if verdict.stuffed is not None:
            yield Reset(verdict.why)
            call = ask_streaming(rp, q.text, q.id, q.documents, verdict.stuffed, pages, note)
            outcomes.append((yield from call))
        yield _answer(rp, q, verdict.route, outcomes, pages, started)


def _warm(rp: ReadPath, docs: Sequence[Document]) -> dict:
    """The models whose prompt cache holds these documents now, by the ledger."""
    key = document_set_key(rp.tenant_id, [d.id for d in docs])
    return warm_caches(rp.registry.usage.last_cache_use, rp.catalog, key, time.time())


def _estimate(route: RoutePlan) -> float:
    escalation = route.escalation.estimated_cost_usd if route.escalation else 0.0
    return route.estimated_cost_usd + escalation


def _answer(
    rp: ReadPath,
    q: Question,
    route: RoutePlan,
    outcomes: list[Outcome],
    pages: context.PageCache,
    started: float,
) -> Answer:
    """The answer of the last call, its citations checked on their pages, every call's
    usage and cost counted."""
    final = outcomes[-1]
    filenames = {d.id: d.filename for d in q.documents}
    ocr_pages = {d.id: d.ocr_pages for d in q.documents}
    citations, dropped = verify(final.reply.citations, pages.page, filenames, ocr_pages)
    # A rewrite's call is part of what the answer used and cost.
    spent = [o.usage for o in outcomes] + ([q.rewrite.usage] if q.rewrite else [])
    usage = Usage(
        input_tokens=sum(u.input_tokens for u in spent),
        cached_input_tokens=sum(u.cached_input_tokens for u in spent),
        output_tokens=sum(u.output_tokens for u in spent),
    )
    escalated = len(outcomes) > 1
    if q.conversation_id is not None and q.rewrite is not None:
        said = [("user", q.rewrite.asked), ("assistant", final.reply.answer)]
        rp.registry.conversations.append(rp.tenant_id, q.conversation_id, said)
    if rp.metrics is not None:
        rp.metrics.observe_answer(q.plan.mode, time.perf_counter() - started, escalated)
    return Answer(
        question_id=q.id,
        text=final.reply.answer,
        found=final.reply.found,
        citations=citations,
        dropped_citations=dropped,
        route=route,
        escalated=escalated,
        usage=usage,
        cost_usd=sum(o.cost_usd for o in outcomes) + (q.rewrite.cost_usd if q.rewrite else 0.0),
        latency_ms=(time.perf_counter() - started) * 1000,
        models_used=[o.model for o in outcomes],
        retrieved=outcomes[0].ranked,
        rewrite=q.rewrite,
        history=q.history,
        conversation_id=q.conversation_id,
    )
