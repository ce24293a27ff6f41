"""Aggregate NIAH results: per cell, per suite and mode, misses by cause, the router view.

The aggregates are plain dicts (a summary.csv row, a table's cells), keyed by column.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from statistics import mean
from typing import Any

from eval.niah.result import NiahResult

Stats = dict[str, Any]  # an aggregate's columns: n, accuracy, cost, ...
CELL = ("suite", "mode", "context_length", "depth")


def mean_of(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None; None when there are none."""
    kept = [v for v in values if v is not None]
    return mean(kept) if kept else None


def group(results: Iterable[NiahResult], keys: Sequence[str]) -> dict[tuple, list[NiahResult]]:
    """Results bucketed by the values of their fields `keys`, in first-seen order."""
    out: dict[tuple, list[NiahResult]] = defaultdict(list)
    for result in results:
        out[tuple(getattr(result, k) for k in keys)].append(result)
    return out


def cost_of(rows: Sequence[NiahResult]) -> Callable[[NiahResult], float | None]:
    """What a row cost: the billed cost when anything was billed, else the list price."""
    billed = any((r.cost_usd or 0) > 0 for r in rows)
    return (lambda r: r.cost_usd) if billed else (lambda r: r.list_cost_usd)


def cost_basis(rows: Sequence[NiahResult]) -> str:
    """Which cost `cost_of` uses, in words for the report."""
    billed = any((r.cost_usd or 0) > 0 for r in rows)
    return "billed" if billed else "list price (offline reader billed $0)"


def stats(rows: Sequence[NiahResult]) -> Stats:
    """The numbers every table shows for a set of rows."""
    diag = [r for r in rows if r.retrieved_count is not None]
    cost = cost_of(rows)
    return {
        "n": len(rows),
        "accuracy": mean_of(r.score for r in rows),
        "cited_needle_page": mean_of(
            float(r.cited_needle_page) for r in rows if r.cited_needle_page is not None
        ),
        "needle_retrieved": mean_of(r.needles_retrieved for r in diag) if diag else None,
        "needle_rank": mean_of(r.needle_chunk_rank for r in diag),
        "judge": mean_of(r.judge_score for r in rows),
        "cost_usd": mean_of(cost(r) for r in rows),
        "billed_usd": mean_of(r.cost_usd for r in rows),
        "list_cost_usd": mean_of(r.list_cost_usd for r in rows),
        "latency_ms": mean_of(r.latency_ms or r.wall_ms for r in rows),
        "input_tokens": mean_of(r.input_tokens for r in rows),
        "cached_input_tokens": mean_of(r.cached_input_tokens for r in rows),
        "output_tokens": mean_of(r.output_tokens for r in rows),
        "ingest_s": mean_of(r.ingest_s for r in rows),
        "errors": sum(1 for r in rows if r.error),
    }


def cells(rows: Sequence[NiahResult]) -> list[Stats]:
    """One summary row per (suite, mode, length, depth): the summary.csv."""
    out = []
    for key, bucket in group(rows, CELL).items():
        out.append(dict(zip(CELL, key, strict=True)) | stats(bucket))
    return out


def by_mode(rows: Sequence[NiahResult]) -> list[Stats]:
    """One summary row per (suite, mode)."""
    return [
        {"suite": s, "mode": m} | stats(bucket)
        for (s, m), bucket in group(rows, ("suite", "mode")).items()
    ]


def miss_causes(rows: Sequence[NiahResult]) -> Counter:
    """Misses (score < 1) by cause: not retrieved, retrieved but misread, or unknown."""
    causes: Counter = Counter()
    for row in rows:
        if (row.score or 0) >= 1:
            continue
        if row.error:
            causes["error"] += 1
        elif row.route_mode == "stuff":
            causes["reader"] += 1  # the whole text was read: the reader missed it
        elif row.retrieved_count is None:
            causes["no retrieval diagnostics"] += 1
        elif (row.needles_retrieved or 0) < 1:
            causes["retrieval"] += 1
        else:
            causes["reader"] += 1
    return causes


def router_view(rows: Sequence[NiahResult]) -> dict[str, Any]:
    """auto vs always-stuff vs always-rag (and the per-question oracle) on the router suite."""
    rows = [r for r in rows if r.suite == "router" and not r.error]
    cost = cost_of(rows)
    strategies = {}
    for mode, bucket in group(rows, ("mode",)).items():
        strategies[mode[0]] = {
            "accuracy": mean_of(r.score for r in bucket),
            "cost_usd": mean_of(cost(r) for r in bucket),
            "latency_ms": mean_of(r.latency_ms or r.wall_ms for r in bucket),
            "n": len(bucket),
            **{
                f"accuracy_{kind[0]}": mean_of(r.score for r in kb)
                for kind, kb in group(bucket, ("kind",)).items()
            },
        }
    oracle_scores, oracle_costs = [], []
    for _, bucket in group(rows, ("doc", "question_id", "trial")).items():
        right = [r for r in bucket if (r.score or 0) >= 1]
        pick = min(right or bucket, key=lambda r: cost(r) or 0.0)
        oracle_scores.append(pick.score)
        oracle_costs.append(cost(pick))
    if oracle_scores:
        strategies["oracle"] = {
            "accuracy": mean_of(oracle_scores),
            "cost_usd": mean_of(oracle_costs),
            "latency_ms": None,
            "n": len(oracle_scores),
        }
    auto = [r for r in rows if r.mode == "auto"]
    by_length = {
        key: {
            "accuracy": mean_of(r.score for r in bucket),
            "cost_usd": mean_of(cost(r) for r in bucket),
            "chose": Counter(r.route_mode for r in bucket),
        }
        for key, bucket in group(rows, ("context_length", "mode")).items()
    }
    return {
        "strategies": strategies,
        "by_length": by_length,
        "auto_choices": Counter(r.route_mode for r in auto),
        "auto_choices_by_kind": Counter((r.kind, r.route_mode) for r in auto),
        "escalated": sum(1 for r in auto if r.escalated),
        "cost_basis": cost_basis(rows),
    }


def frontier(strategies: dict[str, Stats]) -> list[str]:
    """Strategies no other beats on both accuracy and cost (the Pareto frontier)."""
    names = [n for n, s in strategies.items() if s.get("accuracy") is not None]

    def dominated(a: str) -> bool:
        sa = strategies[a]
        return any(
            strategies[b]["accuracy"] >= sa["accuracy"]
            and (strategies[b]["cost_usd"] or 0) <= (sa["cost_usd"] or 0)
            and (
                strategies[b]["accuracy"] > sa["accuracy"]
                or (strategies[b]["cost_usd"] or 0) < (sa["cost_usd"] or 0)
            )
            for b in names
            if b != a
        )

    return [n for n in names if not dominated(n)]
