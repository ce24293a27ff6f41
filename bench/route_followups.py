"""What follow-up questions on the same document cost with and without cache-aware
pricing, on LaRA DEV's recorded answers (issue 32).

Each document's questions are taken as one session, asked in the file's order within the
provider's cache lifetime. "cold" prices every stuffed call at the full input price (the
router before issue 32); "warm" prices a stuffed call at the cached-input price for the
prefix once that model has read the document in the session, and routes with it (the
router may then rightly prefer stuffing). Costs are the plan's catalog estimates, as in
`folio eval router`; accuracy is LaRA's recorded answer on the side taken.

    python -m bench.route_followups [--data ../shared/data/benchmarks/lara/dev.jsonl.gz]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from core.embeddings.embedders import LocalEmbedder
from core.embeddings.question_vectors import static_minilm
from core.llm.catalog import load_catalog
from eval.router.lara import document, load_rows
from eval.router.replay import Replay
from query.routing.cache import WarmCache
from query.routing.model import LearnedRouter, load_route_model
from query.routing.plan import Policy
from query.routing.router import plan

DATA = Path("../shared/data/benchmarks/lara/dev.jsonl.gz")


def session(replay: Replay, rows: list[dict], router: LearnedRouter | None, warm: bool) -> tuple:
    """(questions, right, dollars, stuffed) over every document's session."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_doc[row["context_id"]].append(row)
    n = right = stuffed = 0
    cost = 0.0
    for doc_rows in by_doc.values():
        cached: dict[str, WarmCache] = {}
        for row in doc_rows:
            policy = Policy(available=replay.policy.available, warm=dict(cached) if warm else None)
            route = plan(row["question"], [document(row)], replay.catalog, policy, router)
            if router is None:  # always-stuff: the stuff option's estimate, as eval does
                costs = {(a.mode, a.model): a.estimated_cost_usd for a in route.alternatives}
                costs[(route.mode, route.model)] = route.estimated_cost_usd
                model = replay.stuff_model
                ok, dollars = replay.right(row, model, "stuff"), costs[("stuff", model)]
                was_stuffed = True
            else:
                out = replay.follow(row, route, router)
                ok, dollars, model = out.right, out.cost_usd, out.model
                was_stuffed = out.mode == "stuff" or out.escalated
            n, right, cost = n + 1, right + ok, cost + dollars
            if was_stuffed:
                stuffed += 1
                cached[model] = WarmCache(model, 30.0, 300.0)
    return n, right, cost, stuffed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--stuff-model", default="gpt-4o")
    parser.add_argument("--rag-model", default="gpt-4o-mini")
    args = parser.parse_args()
    rows = load_rows(args.data)
    replay = Replay(load_catalog(), args.stuff_model, args.rag_model)
    router = LearnedRouter(load_route_model(), static_minilm(LocalEmbedder()))
    print(f"stuff = {args.stuff_model}, rag = {args.rag_model}, {len(rows)} questions")
    print("| strategy | pricing | accuracy | $/question | stuffed or escalated |")
    print("|---|---|---:|---:|---:|")
    for name, r in (("always-stuff", None), ("router (shipped weights)", router)):
        for warm in (False, True):
            n, right, cost, stuffed = session(replay, rows, r, warm)
            pricing = "warm cache" if warm else "cold (before)"
            print(f"| {name} | {pricing} | {right / n:.1%} | ${cost / n:.4f} | {stuffed / n:.0%} |")


if __name__ == "__main__":
    main()
