"""Aggregate result rows: per cell, per suite and mode, misses by cause, and the router view."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from statistics import mean
from typing import Any

Row = dict[str, Any]
CELL = ("suite", "mode", "context_length", "depth")


def mean_of(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return mean(kept) if kept else None


def group(rows: Iterable[Row], keys: Sequence[str]) -> dict[tuple, list[Row]]:
    """Rows bucketed by the values of `keys`, in first-seen order."""
    out: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        out[tuple(row.get(k) for k in keys)].append(row)
    return out


def cost_of(rows: Sequence[Row]) -> Callable[[Row], float | None]:
    """What a row cost: the billed cost when anything was billed, else the list price."""
    billed = any((r.get("cost_usd") or 0) > 0 for r in rows)
    return (lambda r: r.get("cost_usd")) if billed else (lambda r: r.get("list_cost_usd"))


def cost_basis(rows: Sequence[Row]) -> str:
    billed = any((r.get("cost_usd") or 0) > 0 for r in rows)
    return "billed" if billed else "list price (offline reader billed $0)"


def stats(rows: Sequence[Row]) -> Row:
    """The numbers every table shows for a set of rows."""
    diag = [r for r in rows if r.get("retrieved_count") is not None]
    cost = cost_of(rows)
    return {
        "n": len(rows),
        "accuracy": mean_of(r.get("score") for r in rows),
        "cited_needle_page": mean_of(
            float(r["cited_needle_page"]) for r in rows if r.get("cited_needle_page") is not None
        ),
        "needle_retrieved": mean_of(r.get("needles_retrieved") for r in diag) if diag else None,
        "needle_rank": mean_of(r.get("needle_chunk_rank") for r in diag),
        "judge": mean_of(r.get("judge_score") for r in rows),
        "cost_usd": mean_of(cost(r) for r in rows),
        "billed_usd": mean_of(r.get("cost_usd") for r in rows),
        "list_cost_usd": mean_of(r.get("list_cost_usd") for r in rows),
        "latency_ms": mean_of(r.get("latency_ms") or r.get("wall_ms") for r in rows),
        "input_tokens": mean_of(r.get("input_tokens") for r in rows),
        "cached_input_tokens": mean_of(r.get("cached_input_tokens") for r in rows),
        "output_tokens": mean_of(r.get("output_tokens") for r in rows),
        "ingest_s": mean_of(r.get("ingest_s") for r in rows),
        "errors": sum(1 for r in rows if r.get("error")),
    }


def cells(rows: Sequence[Row]) -> list[Row]:
    """One summary row per (suite, mode, length, depth): the summary.csv."""
    out = []
    for key, bucket in group(rows, CELL).items():
        out.append(dict(zip(CELL, key, strict=True)) | stats(bucket))
    return out


def by_mode(rows: Sequence[Row]) -> list[Row]:
    """One summary row per (suite, mode)."""
    return [
        {"suite": s, "mode": m} | stats(bucket)
        for (s, m), bucket in group(rows, ("suite", "mode")).items()
    ]


def miss_causes(rows: Sequence[Row]) -> Counter:
    """Misses (score < 1) by cause: not retrieved, retrieved but misread, or unknown."""
    causes: Counter = Counter()
    for row in rows:
        if (row.get("score") or 0) >= 1:
            continue
        if row.get("error"):
            causes["error"] += 1
        elif row.get("route_mode") == "stuff":
            causes["reader"] += 1  # the whole text was read: the reader missed it
        elif row.get("retrieved_count") is None:
            causes["no retrieval diagnostics"] += 1
        elif (row.get("needles_retrieved") or 0) < 1:
            causes["retrieval"] += 1
        else:
            causes["reader"] += 1
    return causes


def router_view(rows: Sequence[Row]) -> dict[str, Any]:
    """auto vs always-stuff vs always-rag (and the per-question oracle) on the router suite."""
    rows = [r for r in rows if r.get("suite") == "router" and not r.get("error")]
    cost = cost_of(rows)
    strategies = {}
    for mode, bucket in group(rows, ("mode",)).items():
        strategies[mode[0]] = {
            "accuracy": mean_of(r["score"] for r in bucket),
            "cost_usd": mean_of(cost(r) for r in bucket),
            "latency_ms": mean_of(r.get("latency_ms") or r.get("wall_ms") for r in bucket),
            "n": len(bucket),
            **{
                f"accuracy_{kind[0]}": mean_of(r["score"] for r in kb)
                for kind, kb in group(bucket, ("kind",)).items()
            },
        }
    oracle_scores, oracle_costs = [], []
    for _, bucket in group(rows, ("doc", "question_id", "trial")).items():
        right = [r for r in bucket if (r.get("score") or 0) >= 1]
        pick = min(right or bucket, key=lambda r: cost(r) or 0.0)
        oracle_scores.append(pick["score"])
        oracle_costs.append(cost(pick))
    if oracle_scores:
        strategies["oracle"] = {
            "accuracy": mean_of(oracle_scores),
            "cost_usd": mean_of(oracle_costs),
            "latency_ms": None,
            "n": len(oracle_scores),
        }
    auto = [r for r in rows if r.get("mode") == "auto"]
    by_length = {
        key: {
            "accuracy": mean_of(r["score"] for r in bucket),
            "cost_usd": mean_of(cost(r) for r in bucket),
            "chose": Counter(r.get("route_mode") for r in bucket),
        }
        for key, bucket in group(rows, ("context_length", "mode")).items()
    }
    return {
        "strategies": strategies,
        "by_length": by_length,
        "auto_choices": Counter(r.get("route_mode") for r in auto),
        "auto_choices_by_kind": Counter((r.get("kind"), r.get("route_mode")) for r in auto),
        "escalated": sum(1 for r in auto if r.get("escalated")),
        "cost_basis": cost_basis(rows),
    }


def frontier(strategies: dict[str, Row]) -> list[str]:
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
