"""Router benchmark: `plan()` with the learned router, question vector included.

    python -m bench.route [--questions 500] [--repeat 3]

Plans every LaRA DEV question (distinct texts, so nothing is cached) over a document
of its size with the packaged catalog and weights, and prints p50/p90/p99 in ms: once
with the learned router (static MiniLM vector, features, two logistic heads) and once
with the rules alone, so the difference is what the learned estimate costs. Then times
the escalation gate's decision on each question's recorded gpt-4o-mini rag answer (it
runs after that answer, outside `plan()`).
"""

from __future__ import annotations

import argparse
import statistics
import time

from core.embeddings.embedders import LocalEmbedder
from core.embeddings.question_vectors import static_minilm
from core.llm.catalog import load_catalog
from eval.router.lara import DEFAULT_DATA, document, load_rows
from query.routing.escalation import escalates
from query.routing.model import LearnedRouter, load_route_model
from query.routing.plan import Policy
from query.routing.router import plan


def _timings(rows, catalog, router, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        for row in rows:
            doc = document(row)
            start = time.perf_counter()
            plan(row["question"], [doc], catalog, Policy(), router)
            out.append((time.perf_counter() - start) * 1000)
    return out


def _gate_timings(rows, catalog, router) -> list[float]:
    out = []
    for row in rows:
        route = plan(row["question"], [document(row)], catalog, Policy(), router)
        if route.escalation is None or route.escalation.min_gain is None:
            continue
        said = row["preds"]["gpt-4o-mini"]["rag"] or ""
        start = time.perf_counter()
        escalates(router, route.escalation, said, True)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _line(name: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"{name:<16} p50 {q[49]:.3f} ms  p90 {q[89]:.3f} ms  p99 {q[98]:.3f} ms  (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = load_rows(DEFAULT_DATA)[: args.questions]
    catalog = load_catalog()
    router = LearnedRouter(load_route_model(), static_minilm(LocalEmbedder()))
    _timings(rows[:20], catalog, router, 1)  # warm-up
    print(_line("learned router", _timings(rows, catalog, router, args.repeat)))
    print(_line("rules only", _timings(rows, catalog, None, args.repeat)))
    print(_line("escalation gate", _gate_timings(rows, catalog, router)))


if __name__ == "__main__":
    main()
