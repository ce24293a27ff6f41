"""Answer a question: resolve the documents, plan the route, run it, check the citations.

`prepare()` does everything that can refuse a question (unknown or unready documents,
an impossible forced mode) before anything is spent; `execute()` and `stream()` then
run the plan: stuff the pages or retrieve excerpts, ask the model (or the offline
reader), verify every quote against its page, and escalate a `rag` answer that says
the passages lack the answer to `stuff` with the long-context model (Self-Route).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from api import context, prompt
from api.citations import Citation, verify
from api.document_names import named_in
from api.metrics import Metrics
from api.retrieval import Ranking
from api.routing import Policy, RoutePlan, plan, stuff_plan
from core.catalog import Catalog, load_catalog
from core.embeddings import Embedder
from core.llm import AllModelsFailed, Completion, ModelClient, Usage, available_models
from core.pages import PageStore
from core.question_vectors import static_minilm
from core.reader import OfflineReader
from core.registry import Document, Registry, UsageRecord
from core.route_model import LearnedRouter, load_route_model
from core.settings import Settings
from core.store import ChunkStore, StoredChunk

ESCALATION_NOTE = "the retrieved passages did not contain the answer, so the whole text was read"


class DocumentNotFound(LookupError):
    """An asked-for document does not exist (or belongs to another tenant)."""


class DocumentNotReady(RuntimeError):
    """An asked-for document is still being ingested, or failed."""


class NoDocuments(RuntimeError):
    """The tenant has no ready document to ask."""


class RetrievalUnavailable(RuntimeError):
    """The plan needs the chunk store, and this process does not hold it."""


@dataclass
class ReadPath:
    """The read path's clients, built once by a composition root and shared by requests."""

    registry: Registry
    store: ChunkStore | None  # None where another process owns the embedded store
    embedder: Embedder | None
    pages: PageStore
    catalog: Catalog
    models: ModelClient
    reader: OfflineReader
    tenant_id: str = "default"
    policy: Policy = field(default_factory=Policy)
    metrics: Metrics | None = None  # the app's Prometheus series, when it has them
    router: LearnedRouter | None = None  # the learned estimate plan() weighs, if loaded
    ranking: Ranking = field(default_factory=Ranking)  # how search and rag rank chunks


def build_read_path(
    settings: Settings,
    registry: Registry,
    pages: PageStore,
    store: ChunkStore | None,
    embedder: Embedder | None,
    metrics: Metrics | None = None,
) -> ReadPath:
    """The read path for a composition root: catalog from FOLIO_MODELS_FILE, a ModelClient
    writing the usage ledger, the offline reader sharing the loaded embedder, and the
    app's `metrics` (latency by mode, escalations, failed model attempts) if any."""
    catalog = load_catalog(settings.models_file)
    router = None
    if settings.route_learned:
        # Without MiniLM's table (an API embedder, or none here) the vector is left out.
        router = LearnedRouter(load_route_model(settings.route_model_file), static_minilm(embedder))
    return ReadPath(
        registry=registry,
        store=store,
        embedder=embedder,
        pages=pages,
        catalog=catalog,
        models=ModelClient(catalog, settings, ledger=registry.record_usage),
        reader=OfflineReader(embedder),
        tenant_id=settings.tenant_id,
        policy=Policy(prefer=settings.route_prefer),
        metrics=metrics,
        router=router,
        ranking=Ranking(
            settings.search_fusion,
            settings.search_clean_query,
            settings.search_named_documents,
            settings.search_grow_within,
            settings.search_grow_chunks,
        ),
    )


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

    def to_dict(self, debug: bool = False) -> dict:
        """The response body of POST /query; `debug` adds the retrieved chunks in rank order."""
        r = self.route
        body = {
            "question_id": self.question_id,
            "answer": self.text,
            "found": self.found,
            "citations": [vars(c) for c in self.citations],
            "dropped_citations": self.dropped_citations,
            "route": {
                "mode": r.mode,
                "model": r.model,
                "reason": r.reason,
                "estimated_cost_usd": r.estimated_cost_usd,
                "context_tokens": r.context_tokens,
                "alternatives": [vars(a) for a in r.alternatives],
                "escalated": self.escalated,
                "scope": r.scope,
                "offline": r.offline,
            },
            "models_used": self.models_used,
            "usage": vars(self.usage),
            "cost_usd": round(self.cost_usd, 6),
            "latency_ms": round(self.latency_ms, 1),
        }
        if debug:
            body["retrieved"] = [
                {
                    "document_id": c.document_id,
                    "chunk_index": c.chunk_index,
                    "page_start": c.page_start,
                    "page_end": c.page_end,
                    "tokens": c.tokens,
                    "score": round(c.score, 6),
                }
                for c in self.retrieved
            ]
        return body


def resolve(rp: ReadPath, document_ids: Sequence[str] | None) -> list[Document]:
    """The documents to ask, in a stable order; all ready ones of the tenant by default."""
    if not document_ids:
        docs, _ = rp.registry.list(rp.tenant_id, limit=1_000_000, status="ready")
        if not docs:
            raise NoDocuments("no ready documents to ask: upload a PDF and wait until it is ready")
    else:
        docs = []
        for doc_id in dict.fromkeys(document_ids):
            doc = rp.registry.get(doc_id)
            if doc is None or doc.tenant_id != rp.tenant_id:
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


@dataclass
class _Outcome:
    reply: prompt.Reply
    usage: Usage
    cost_usd: float
    model: str
    ranked: list[StoredChunk] = field(default_factory=list)


def _run(rp: ReadPath, q: Question, streaming: bool) -> Iterator:
    started = time.perf_counter()
    route, escalated = q.plan, False
    pages = context.PageCache(rp.pages)
    outcome = yield from _attempt(rp, q, route, pages, streaming)
    outcomes = [outcome]
    if route.mode == "rag" and not outcome.reply.found and route.escalation is not None:
        if streaming:
            yield "reset", ESCALATION_NOTE
        first = route
        route = stuff_plan(route)
        outcomes.append((yield from _attempt(rp, q, route, pages, streaming)))
        escalated = True
        route = replace(
            route,
            reason=f"{first.reason}; escalated: {ESCALATION_NOTE}",
            estimated_cost_usd=round(first.estimated_cost_usd + route.estimated_cost_usd, 6),
        )
    final = outcomes[-1]
    filenames = {d.id: d.filename for d in q.documents}
    citations, dropped = verify(final.reply.citations, pages.page, filenames)
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


def _attempt(
    rp: ReadPath, q: Question, route: RoutePlan, pages: context.PageCache, streaming: bool
):
    """One model call (generator: yields deltas when streaming, returns an _Outcome)."""
    if route.mode == "stuff":
        sources, ranked = context.whole(q.documents, pages), []
    else:
        assert rp.store is not None and rp.embedder is not None  # checked in prepare()
        sources, ranked = context.retrieved(
            rp.store,
            rp.embedder,
            q.text,
            rp.tenant_id,
            q.documents,
            route.retrieval_budget,
            pages,
            rp.ranking,
        )
    spec = rp.catalog.get(route.model)
    if spec.is_local:
        # Contract questions read the structure stored at ingest; names label the parts.
        contracts = {d.id: c for d in q.documents if (c := rp.pages.contract(d.id))}
        labels = {d.id: d.filename for d in q.documents}
        read = rp.reader.answer(q.text, context.passages(sources), 3, contracts, labels)
        _ledger(rp, q, route.model, read.usage, read.latency_ms)
        reply = prompt.Reply(read.text, read.found, [vars(c) for c in read.citations])
        if streaming and read.text:
            yield "delta", read.text
        return _Outcome(reply, read.usage, 0.0, route.model, ranked)
    messages = prompt.messages(prompt.render(sources), q.text, streaming=streaming)
    models = [rp.catalog.get(name) for name in route.models]
    role = "long_context" if "long_context" in spec.roles else "cheap"
    max_tokens = rp.policy.output_reserve
    try:
        if not streaming:
            done = rp.models.complete(
                models, messages, role=role, json_mode=True, max_tokens=max_tokens, question_id=q.id
            )
        else:
            done = yield from _stream_model(rp, models, messages, role, max_tokens, q.id)
    except AllModelsFailed as exc:
        if rp.metrics is not None:
            rp.metrics.observe_attempts(exc.attempts)
        raise
    if rp.metrics is not None:
        rp.metrics.observe_attempts(done.attempts)
    return _Outcome(prompt.parse(done.text), done.usage, done.cost_usd, done.model, ranked)


def _stream_model(rp, models, messages, role, max_tokens, question_id):
    """Pass text deltas on until the citations marker; return the Completion.

    A model that answers in JSON anyway is not streamed raw: its answer is sent whole
    once parsed."""
    shown, held, raw_json = 0, "", None
    for item in rp.models.stream(
        models, messages, role=role, max_tokens=max_tokens, question_id=question_id
    ):
        if isinstance(item, Completion):
            if raw_json:
                yield "delta", prompt.parse(item.text).answer
            return item
        held += item
        if raw_json is None and held.strip():
            raw_json = held.lstrip()[0] in "{`"
        if raw_json is not False:
            continue
        cut = held.find(prompt.CITATIONS_MARK)
        # Hold back anything that could be the start of the marker.
        safe = cut if cut >= 0 else max(len(held) - len(prompt.CITATIONS_MARK), 0)
        if safe > shown:
            yield "delta", held[shown:safe]
            shown = safe
    raise RuntimeError("the model stream ended without a completion")  # pragma: no cover


def _ledger(rp: ReadPath, q: Question, model: str, usage: Usage, latency_ms: float) -> None:
    rp.registry.record_usage(
        UsageRecord(
            model=model,
            role="local",
            input_tokens=usage.input_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=0.0,
            latency_ms=latency_ms,
            outcome="ok",
            question_id=q.id,
            tenant_id=rp.tenant_id,
        )
    )
