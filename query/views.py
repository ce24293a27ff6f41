"""Answers, their stream and search results as JSON-ready dicts: the bodies `POST /query`
and `POST /search` send (api/ checks them against its schemas), and what the CLI prints
when it answers in this process, so both show the same thing."""

from __future__ import annotations

from dataclasses import asdict

from query.answer import Answer, Event
from query.events import Delta, Reset
from query.routing.summary import route_summary
from query.search import SearchResult


def answer_view(answer: Answer, debug: bool = False) -> dict:
    """An answer as POST /query returns it; `debug` adds the retrieved chunks in rank order."""
    r = answer.route
    answered_by = answer.models_used[-1] if answer.models_used else r.model
    body = {
        "question_id": answer.question_id,
        "answer": answer.text,
        "found": answer.found,
        "citations": [asdict(c) for c in answer.citations],
        "dropped_citations": answer.dropped_citations,
        "route": {
            "mode": r.mode,
            "model": r.model,
            "summary": route_summary(r, answer.escalated, answered_by, answer.cost_usd),
            "reason": r.reason,
            "estimated_cost_usd": r.estimated_cost_usd,
            "estimated_latency_ms": r.estimated_latency_ms,
            "estimated_cached_input_tokens": r.cached_input_tokens,
            "context_tokens": r.context_tokens,
            "alternatives": [asdict(a) for a in r.alternatives],
            "escalated": answer.escalated,
            "scope": r.scope,
            "offline": r.offline,
            "p_rag_ok": r.p_rag_ok,
            "paid_model": r.paid_model,
            "paid_estimated_cost_usd": r.paid_cost_usd,
        },
        "models_used": answer.models_used,
        "usage": asdict(answer.usage),
        "cost_usd": round(answer.cost_usd, 6),
        "latency_ms": round(answer.latency_ms, 1),
    }
    if answer.rewrite is not None:
        body["conversation"] = conversation_view(answer)
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
            for c in answer.retrieved
        ]
    return body


def conversation_view(answer: Answer) -> dict:
    """How a follow-up was read: the question as asked, the standalone question routed
    and retrieved with, what rewrote it and at what cost, and the history it carried."""
    rw, history = answer.rewrite, answer.history
    assert rw is not None
    return {
        "question": rw.asked,
        "rewritten_question": rw.standalone,
        "rewritten_by": rw.by,
        "rewrite_cost_usd": round(rw.cost_usd, 6),
        "history_turns": len(history.turns),
        "history_tokens": history.tokens,
        "dropped_turns": history.dropped,
        "conversation_id": answer.conversation_id,
    }


def event_view(event: Event, debug: bool = False) -> tuple[str, dict]:
    """A stream event's name and data: ("delta", {"text"}), ("reset", {"reason"}) or
    ("answer", the answer's body)."""
    if isinstance(event, Delta):
        return "delta", {"text": event.text}
    if isinstance(event, Reset):
        return "reset", {"reason": event.reason}
    return "answer", answer_view(event, debug)


def search_view(result: SearchResult) -> dict:
    """Search results as POST /search returns them."""
    return {
        "results": [asdict(p) for p in result.results],
        "document_ids": result.document_ids,
        "latency_ms": round(result.latency_ms, 2),
    }
