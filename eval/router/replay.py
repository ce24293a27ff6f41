"""Replay LaRA's real model answers through folio's real router, and score each strategy.

For every question, `query.routing.router.plan()` is called on a document of that question's
token count, with a catalog holding just the two models compared; the answer LaRA
recorded for the side (and model) it picked is scored by eval/router/scoring.py, and the
cost is the plan's own catalog estimate. It measures the real router (query/routing/),
not a copy.
"""

from __future__ import annotations

from collections.abc import Callable

from core.llm.catalog import Catalog
from eval.router.lara import answer, document, pair_catalog
from eval.router.result import Outcome, RouterResult
from eval.router.scoring import is_refusal, score
from query.routing.escalation import after_rag
from query.routing.model import LearnedRouter
from query.routing.plan import Policy, RoutePlan
from query.routing.router import plan

BASELINES = ("always-stuff", "always-rag", "self-route", "today's rule", "oracle")


class Replay:
    """One pair of models: `stuff_model` reads whole documents, `rag_model` retrieved chunks."""

    def __init__(self, catalog: Catalog, stuff_model: str, rag_model: str) -> None:
        self.catalog = pair_catalog(catalog, stuff_model, rag_model)
        self.stuff_model, self.rag_model = stuff_model, rag_model
        self.policy = Policy(available=frozenset({stuff_model, rag_model}))

    def right(self, row: dict, model: str, mode: str) -> bool:
        """Is `model`'s recorded answer on side `mode` right for this row?"""
        return score(row["task"], answer(row, model, mode), row["answer"])

    def follow(self, row: dict, route: RoutePlan, router: LearnedRouter | None = None) -> Outcome:
        """Score the answer of the side a plan picked, escalating as answer.py does (the
        same `after_rag`: a refusal without a gate, the router's gate with one; both calls
        paid). LaRA's answers carry no `found` flag: a refusal in words stands for it."""
        text = answer(row, route.model, route.mode)
        cost, model, escalated = route.estimated_cost_usd, route.model, False
        said = text or ""
        verdict = after_rag(router, route, said, not is_refusal(said))
        if verdict.stuffed is not None:
            model, escalated = verdict.stuffed.model, True
            text = answer(row, model, "stuff")
            cost += verdict.stuffed.estimated_cost_usd
        right = score(row["task"], text, row["answer"])
        reason = verdict.route.reason
        return Outcome(route.mode, model, escalated, right, cost, reason, route.p_rag_ok)

    def baselines(self, row: dict) -> dict[str, Outcome]:
        """Always-stuff, always-rag, Self-Route, today's rule and the oracle for one row."""
        doc = document(row)
        today = plan(row["question"], [doc], self.catalog, self.policy)
        costs = {(a.mode, a.model): a.estimated_cost_usd for a in today.alternatives}
        costs[(today.mode, today.model)] = today.estimated_cost_usd
        s_cost = costs[("stuff", self.stuff_model)]
        r_cost = costs[("rag", self.rag_model)]
        s_right = self.right(row, self.stuff_model, "stuff")
        r_right = self.right(row, self.rag_model, "rag")
        refused = is_refusal(answer(row, self.rag_model, "rag") or "")
        stuff = Outcome("stuff", self.stuff_model, False, s_right, s_cost)
        rag = Outcome("rag", self.rag_model, False, r_right, r_cost)
        self_route = (
            Outcome("rag", self.stuff_model, True, s_right, r_cost + s_cost) if refused else rag
        )
        oracle = rag if r_right or not s_right else stuff
        return {
            "always-stuff": stuff,
            "always-rag": rag,
            "self-route": self_route,
            "today's rule": self.follow(row, today),
            "oracle": oracle,
        }

    def routed(self, row: dict, router: LearnedRouter, prefer: str = "balanced") -> Outcome:
        """The learned router's choice (and escalation) for one row."""
        policy = Policy(available=self.policy.available, prefer=prefer)
        route = plan(row["question"], [document(row)], self.catalog, policy, router)
        return self.follow(row, route, router)

    def run(
        self,
        rows: list[dict],
        routers: dict[str, Callable[[dict], LearnedRouter]],
        prefers: tuple[str, ...] = ("balanced",),
    ) -> list[RouterResult]:
        """Per question: every baseline and, for each named router (a function of the row,
        so cross-validation can give each document the model that never saw it) and each
        preference, its outcome. Keys: '<router>' for balanced, '<router> (<prefer>)'."""
        out = []
        for row in rows:
            results = self.baselines(row)
            for name, router_for in routers.items():
                router = router_for(row)
                for prefer in prefers:
                    key = name if prefer == "balanced" else f"{name} ({prefer})"
                    results[key] = self.routed(row, router, prefer)
            out.append(RouterResult(row, results))
        return out
