"""One model call of an answer: gather the context (whole pages or ranked passages), ask
the model or the offline reader, and say what it cost. `ask` returns the reply whole;
`ask_streaming` passes the text on as it comes, holding back the citations that follow
it, and returns the same Outcome."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from core.llm.catalog import ModelSpec
from core.llm.client import AllModelsFailed, Completion, Usage
from core.llm.types import Attempt
from core.reader.contract import Contract
from core.storage.chunks import StoredChunk
from core.storage.documents import Document
from core.storage.usage import UsageRecord
from query import context, prompt
from query.events import Delta
from query.read_path import ReadPath
from query.routing.cache import document_set_key
from query.routing.plan import RoutePlan


@dataclass
class Outcome:
    reply: prompt.Reply
    usage: Usage
    cost_usd: float
    model: str
    ranked: list[StoredChunk] = field(default_factory=list)


@dataclass
class _Call:
    """What one call reads and who answers it."""

    sources: list[prompt.Source]
    ranked: list[StoredChunk]
    spec: ModelSpec
    chain: list[ModelSpec]  # the model and its fallbacks
    options: dict  # role, max_tokens and question_id, as ModelClient takes them

    def outcome(self, done: Completion) -> Outcome:
        return Outcome(prompt.parse(done.text), done.usage, done.cost_usd, done.model, self.ranked)


def ask(
    rp: ReadPath,
    question: str,
    question_id: str,
    documents: list[Document],
    route: RoutePlan,
    pages: context.PageCache,
    history: str = "",
) -> Outcome:
    """One call, answered whole (the model is asked for JSON); `history` is the
    conversation's earlier turns as the prompt shows them."""
    call = _prepare(rp, question, question_id, documents, route, pages)
    if call.spec.is_local:
        return _read(rp, question, question_id, documents, route, call)
    messages = prompt.messages(prompt.render(call.sources), question, False, history)
    with _counted(rp):
        done = rp.models.complete(call.chain, messages, json_mode=True, **call.options)
    _count(rp, done.attempts)
    return call.outcome(done)


def ask_streaming(
    rp: ReadPath,
    question: str,
    question_id: str,
    documents: list[Document],
    route: RoutePlan,
    pages: context.PageCache,
    history: str = "",
) -> Iterator[Delta]:
    """One call, streamed: yields Delta events, returns the Outcome (`yield from` it)."""
    call = _prepare(rp, question, question_id, documents, route, pages)
    if call.spec.is_local:
        outcome = _read(rp, question, question_id, documents, route, call)
        if outcome.reply.answer:
            yield Delta(outcome.reply.answer)
        return outcome
    messages = prompt.messages(prompt.render(call.sources), question, True, history)
    with _counted(rp):
        done = yield from _deltas(rp.models.stream(call.chain, messages, **call.options))
    _count(rp, done.attempts)
    return call.outcome(done)


@contextmanager
def _counted(rp: ReadPath) -> Iterator[None]:
    """A model call whose attempts, should every model fail, go to the app's metrics."""
    try:
        yield
    except AllModelsFailed as exc:
        _count(rp, exc.attempts)
        raise


def _prepare(
    rp: ReadPath,
    question: str,
    question_id: str,
    documents: list[Document],
    route: RoutePlan,
    pages: context.PageCache,
) -> _Call:
    if route.mode == "stuff":
        sources, ranked = context.whole(documents, pages), []
    else:
        store, embedder = rp.retrieval("retrieval")
        sources, ranked = context.retrieved(
            store,
            embedder,
            question,
            rp.tenant_id,
            documents,
            route.retrieval_budget,
            pages,
            rp.ranking,
        )
    spec = rp.catalog.get(route.model)
    chain = [rp.catalog.get(name) for name in route.models]
    role = "long_context" if "long_context" in spec.roles else "cheap"
    options = {"role": role, "max_tokens": rp.policy.output_reserve, "question_id": question_id}
    if route.mode == "stuff":  # the same documents first every time: a prefix worth caching
        options["cache_key"] = document_set_key(rp.tenant_id, route.document_ids)
    return _Call(sources, ranked, spec, chain, options)


def _read(
    rp: ReadPath,
    question: str,
    question_id: str,
    documents: list[Document],
    route: RoutePlan,
    call: _Call,
) -> Outcome:
    """The offline reader answers; contract questions read the structure stored at
    ingest, and file names label the parts of an answer over several documents."""
    contracts = {d.id: Contract.from_dict(s) for d in documents if (s := rp.pages.structure(d.id))}
    labels = {d.id: d.filename for d in documents}
    read = rp.reader.answer(question, context.passages(call.sources), 3, contracts, labels)
    _ledger(rp, question_id, route.model, read.usage, read.latency_ms)
    reply = prompt.Reply(read.text, read.found, [vars(c) for c in read.citations])
    return Outcome(reply, read.usage, 0.0, route.model, call.ranked)


def _count(rp: ReadPath, attempts: list[Attempt]) -> None:
    """The call's failed attempts, in the app's metrics (fallbacks, retries)."""
    if rp.metrics is not None:
        rp.metrics.observe_attempts(attempts)


def _deltas(chunks: Iterator[str | Completion]) -> Iterator[Delta]:
    """Pass text deltas on until the citations marker; return the Completion.

    A model that answers in JSON anyway is not streamed raw: its answer is sent whole
    once parsed."""
    shown, held, raw_json = 0, "", None
    for item in chunks:
        if isinstance(item, Completion):
            if raw_json:
                yield Delta(prompt.parse(item.text).answer)
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
            yield Delta(held[shown:safe])
            shown = safe
    raise RuntimeError("the model stream ended without a completion")  # pragma: no cover


def _ledger(rp: ReadPath, question_id: str, model: str, usage: Usage, latency_ms: float) -> None:
    rp.registry.usage.record(
        UsageRecord(
            model=model,
            role="local",
            input_tokens=usage.input_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=0.0,
            latency_ms=latency_ms,
            outcome="ok",
            question_id=question_id,
            tenant_id=rp.tenant_id,
            key_id=rp.key_id,
        )
    )
