"""One model call of an answer: gather the context (whole pages or ranked passages), ask
the model or the offline reader, and say what it cost. Streaming calls pass the text on
as it comes, holding back the citations that follow it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from api import context, prompt
from api.read_path import ReadPath
from api.routing import RoutePlan
from core.llm import AllModelsFailed, Completion, Usage
from core.registry import Document, UsageRecord
from core.store import StoredChunk


@dataclass
class Outcome:
    reply: prompt.Reply
    usage: Usage
    cost_usd: float
    model: str
    ranked: list[StoredChunk] = field(default_factory=list)


def attempt(
    rp: ReadPath,
    question: str,
    question_id: str,
    documents: list[Document],
    route: RoutePlan,
    pages: context.PageCache,
    streaming: bool,
) -> Iterator:
    """One model call (a generator: yields deltas when streaming, returns an Outcome)."""
    if route.mode == "stuff":
        sources, ranked = context.whole(documents, pages), []
    else:
        assert rp.store is not None and rp.embedder is not None  # checked in prepare()
        sources, ranked = context.retrieved(
            rp.store,
            rp.embedder,
            question,
            rp.tenant_id,
            documents,
            route.retrieval_budget,
            pages,
            rp.ranking,
        )
    spec = rp.catalog.get(route.model)
    if spec.is_local:
        # Contract questions read the structure stored at ingest; names label the parts.
        contracts = {d.id: c for d in documents if (c := rp.pages.contract(d.id))}
        labels = {d.id: d.filename for d in documents}
        read = rp.reader.answer(question, context.passages(sources), 3, contracts, labels)
        _ledger(rp, question_id, route.model, read.usage, read.latency_ms)
        reply = prompt.Reply(read.text, read.found, [vars(c) for c in read.citations])
        if streaming and read.text:
            yield "delta", read.text
        return Outcome(reply, read.usage, 0.0, route.model, ranked)
    messages = prompt.messages(prompt.render(sources), question, streaming=streaming)
    models = [rp.catalog.get(name) for name in route.models]
    role = "long_context" if "long_context" in spec.roles else "cheap"
    max_tokens = rp.policy.output_reserve
    try:
        if not streaming:
            done = rp.models.complete(
                models,
                messages,
                role=role,
                json_mode=True,
                max_tokens=max_tokens,
                question_id=question_id,
            )
        else:
            done = yield from _stream_model(rp, models, messages, role, max_tokens, question_id)
    except AllModelsFailed as exc:
        if rp.metrics is not None:
            rp.metrics.observe_attempts(exc.attempts)
        raise
    if rp.metrics is not None:
        rp.metrics.observe_attempts(done.attempts)
    return Outcome(prompt.parse(done.text), done.usage, done.cost_usd, done.model, ranked)


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


def _ledger(rp: ReadPath, question_id: str, model: str, usage: Usage, latency_ms: float) -> None:
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
            question_id=question_id,
            tenant_id=rp.tenant_id,
            key_id=rp.key_id,
        )
    )
