"""The router eval's per-sample result: one LaRA question, and what each strategy (the
baselines, the learned router at each preference, the oracle) did with it. Each is one
line of results.jsonl."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROUTER = "router"  # the learned router, balanced, cross-validated by document


@dataclass(frozen=True)
class Outcome:
    """What one strategy did for one question."""

    mode: str  # the side it chose: stuff or rag
    model: str  # the model whose answer it ended with
    escalated: bool  # a rag answer re-asked with the whole text (both calls paid)
    right: bool  # by the deterministic scorer (eval/router/scoring.py)
    cost_usd: float  # the plan's catalog estimate
    reason: str = ""
    p_rag_ok: float | None = None  # the learned router's estimate, where it decided

    def to_dict(self) -> dict[str, Any]:
        """The outcome as results.jsonl has it."""
        return {
            "mode": self.mode,
            "model": self.model,
            "escalated": self.escalated,
            "right": self.right,
            "estimated_cost_usd": round(self.cost_usd, 6),
            "reason": self.reason,
            "p_rag_ok": self.p_rag_ok,
        }


@dataclass(frozen=True)
class RouterResult:
    """One LaRA row (as the data file has it) and every strategy's outcome, by name."""

    row: dict[str, Any]
    results: dict[str, Outcome]

    def to_dict(self, router: str = ROUTER) -> dict[str, Any]:
        """The results.jsonl line: the question, `router`'s outcome, and every strategy's."""
        return {
            "qid": self.row["qid"],
            "task": self.row["task"],
            "length": self.row["length"],
            "context_tokens": self.row["context_tokens"],
            **self.results[router].to_dict(),
            "strategies": {k: v.to_dict() for k, v in self.results.items()},
        }
