"""Answer a question: resolve the documents, plan the route, run it, check the citations.

`prepare()` does everything that can refuse a question (unknown or unready documents,
an impossible forced mode) before anything is spent; `execute()` and `stream()` then
run the plan: stuff the pages or retrieve excerpts, ask the model (or the offline
reader), verify every quote against its page, and escalate a `rag` answer to `stuff`
with the long-context model where the plan keeps that in reserve: when the learned
router's gate expects it to pay, or, without one, when the answer says the passages
lack it (Self-Route).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from api import context
from api.citations import Citation, verify
from api.document_names import named_in
from api.model_call import attempt
from api.read_path import ReadPath
from api.route_learned import escalates
from api.routing import RoutePlan, plan, stuff_plan
from core.llm import Usage, available_models
from core.registry import Document
from core.store import StoredChunk


class DocumentNotFound(LookupError):
    """An asked-for document does not exist (or belongs to another tenant)."""


class DocumentNotReady(RuntimeError):
    """An asked-for document is still being ingested, or failed."""


class NoDocuments(RuntimeError):
    """The tenant has no ready document to ask."""


class RetrievalUnavailable(RuntimeError):
    """The plan needs the chunk store, and this process does not hold it."""


@dataclass
class Question:
    text: str
    documents: list[Document]  # in the stable order prompts use
    plan: RoutePlan
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


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


def resolve(rp: ReadPath, document_ids: Sequence[str] | None) -> list[Document]:
    """The documents to ask, in a stable order; all ready ones of the tenant by default."""
    if not document_ids:
        docs, _ = rp.registry.list(rp.tenant_id, limit=1_000_000, status="ready")
        if not docs:
            raise NoDocuments("no ready documents to ask: upload a PDF and wait until it is ready")
    else:
        docs = []
        for doc_id in dict.fromkeys(document_ids):
            doc = rp.registry.get(doc_id, tenant_id=rp.tenant_id)
            if doc is None:
                raise DocumentNotFound(f"no document with id {doc_id!r}")
            if doc.status != "ready":
                detail = f": {doc.error}" if doc.status == "failed" and doc.error else ""
                raise DocumentNotReady(
                    f"document {doc_id} ({doc.filename}) is {doc.status}{detail}"
                )
            docs.append(doc)
    # Sorted by id: the same documents always make the same prompt prefix (prompt cache).
    return sorted(docs, key=lambda d: d.id)


def prepare(
    rp: ReadPath,
    question: str,
    document_ids: Sequence[str] | None = None,
    mode: str = "auto",
    max_cost_usd: float | None = None,
    prefer: str | None = None,
) -> Question:
    """Resolve documents and plan the route; raises before anything is spent. `prefer`
    (cost | balanced | quality) overrides the service's default for the learned router."""
    docs = resolve(rp, document_ids)
    if rp.ranking.named_documents:  # "In the Acme NDA, ...": just that one
        docs = named_in(question, docs) or docs
    policy = replace(
        rp.policy,
        mode=mode,
        max_cost_usd=max_cost_usd,
        available=available_models(rp.catalog, rp.models.settings),
        prefer=prefer or rp.policy.prefer,
    )
    route = plan(question, docs, rp.catalog, policy, rp.router)
    if route.mode == "rag" and (rp.store is None or rp.embedder is None):
        raise RetrievalUnavailable(
            "retrieval needs the chunk store, which the worker process owns here: set"
            " FOLIO_QDRANT_URL to a Qdrant server, or ask with mode 'stuff'"
        )
    return Question(question, docs, route)


def execute(rp: ReadPath, q: Question) -> Answer:
    """Run the plan and return the answer (the model is asked for JSON where it can do it)."""
    for event in _run(rp, q, streaming=False):
        if isinstance(event, Answer):
            return event
    raise RuntimeError("the answer was not produced")  # pragma: no cover


def stream(rp: ReadPath, q: Question) -> Iterator[tuple[str, object]]:
    """Events: ("delta", text) as the answer is written; ("reset", why) when an escalation
    replaces what was written; finally ("answer", Answer)."""
    for event in _run(rp, q, streaming=True):
        if isinstance(event, Answer):
            yield "answer", event
        else:
            yield event


def _run(rp: ReadPath, q: Question, streaming: bool) -> Iterator:
    started = time.perf_counter()
    route, escalated = q.plan, False
    pages = context.PageCache(rp.pages)
    outcome = yield from attempt(rp, q.text, q.id, q.documents, route, pages, streaming)
    outcomes = [outcome]
    escalate, why = False, ""
    if route.mode == "rag" and route.escalation is not None:
        reply = outcome.reply
        escalate, why = escalates(rp.router, route.escalation, reply.answer, reply.found)
    if escalate:
        if streaming:
            yield "reset", why
        first = route
        route = stuff_plan(route)
        again = yield from attempt(rp, q.text, q.id, q.documents, route, pages, streaming)
        outcomes.append(again)
        escalated = True
        route = replace(
            route,
            reason=f"{first.reason}; escalated: {why}",
            estimated_cost_usd=round(first.estimated_cost_usd + route.estimated_cost_usd, 6),
        )
    elif why:  # the gate's verdict against escalating
        route = replace(route, reason=f"{route.reason}; {why}")
    final = outcomes[-1]
    filenames = {d.id: d.filename for d in q.documents}
    ocr_pages = {d.id: d.ocr_pages for d in q.documents}
    citations, dropped = verify(final.reply.citations, pages.page, filenames, ocr_pages)
    usage = Usage(
        input_tokens=sum(o.usage.input_tokens for o in outcomes),
        cached_input_tokens=sum(o.usage.cached_input_tokens for o in outcomes),
        output_tokens=sum(o.usage.output_tokens for o in outcomes),
    )
    if rp.metrics is not None:
        rp.metrics.observe_answer(q.plan.mode, time.perf_counter() - started, escalated)
    yield Answer(
        question_id=q.id,
        text=final.reply.answer,
        found=final.reply.found,
        citations=citations,
        dropped_citations=dropped,
        route=route,
        escalated=escalated,
        usage=usage,
        cost_usd=sum(o.cost_usd for o in outcomes),
        latency_ms=(time.perf_counter() - started) * 1000,
        models_used=[o.model for o in outcomes],
        retrieved=outcomes[0].ranked,
    )
