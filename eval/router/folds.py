"""How much the router's out-of-fold result owes to one fold assignment and one tuning.

`folio eval router` reports the learned router cross-validated by document with one
assignment of LaRA's 56 DEV documents to five folds, and its preferences tuned on those
out-of-fold replays. With so few documents both move the result. This replays the main
pair under other assignments (another salt for `eval.router.lara.fold_of`), each with its own
fold models and tuning, and, with `--nested`, tunes each fold's preference on the other
folds only, so the value it spends with is never chosen on the rows it is scored on.

    python -m eval.router.folds [--salts fold a b c d] [--nested]
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from core.embeddings.embedders import LocalEmbedder
from core.embeddings.question_vectors import static_minilm
from core.llm.catalog import load_catalog
from eval.router.fit import FOLDS, examples, fold_models
from eval.router.lara import DEFAULT_DATA, fold_of, load_rows
from eval.router.replay import Replay
from eval.router.train import DEFAULT_PREFS, L2, MAIN_PAIR, tune
from query.routing.model import LearnedRouter


def _summary(outs: list, best_fixed: float, budget: float) -> str:
    acc = sum(o.right for o in outs) / len(outs)
    cost = sum(o.cost_usd for o in outs) / len(outs)
    within = "within" if cost <= budget + 1e-12 else "OVER"
    return f"{acc:.1%} ({(acc - best_fixed) * 100:+.1f}) at ${cost:.4f} ({within} Self-Route)"


def main() -> None:
    """Print the balanced router's out-of-fold result under each salt (and nested)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--salts", nargs="+", default=["fold", "a", "b", "c", "d"])
    parser.add_argument("--nested", action="store_true", help="tune each fold on the others")
    args = parser.parse_args()
    rows, catalog = load_rows(args.data), load_catalog(None)
    vectors = static_minilm(LocalEmbedder())
    replay = Replay(catalog, *MAIN_PAIR)
    base = [replay.baselines(r) for r in rows]
    budget = sum(b["self-route"].cost_usd for b in base) / len(rows)
    best_fixed = max(
        sum(b[k].right for b in base) / len(rows) for k in ("always-stuff", "always-rag")
    )
    print(f"best fixed side {best_fixed:.1%}; Self-Route's cost ${budget:.4f}")
    data = examples(rows, catalog, vectors)
    for salt in args.salts:
        folds = fold_models(data, L2, vectors.dim, "salt", DEFAULT_PREFS, salt=salt)
        fold = {r["qid"]: fold_of(r["context_id"], FOLDS, salt) for r in rows}
        prefs = tune(replay, rows, folds, vectors, salt)
        routers = {k: replace(m, preferences=prefs) for k, m in folds.items()}
        outs = [replay.routed(r, LearnedRouter(routers[fold[r["qid"]]], vectors)) for r in rows]
        line = f"salt {salt!r}: balanced {_summary(outs, best_fixed, budget)}"
        if args.nested:
            nested = []
            for k in range(FOLDS):
                others = [r for r in rows if fold[r["qid"]] != k]
                prefs_k = tune(replay, others, folds, vectors, salt)
                router = LearnedRouter(replace(folds[k], preferences=prefs_k), vectors)
                nested += [replay.routed(r, router) for r in rows if fold[r["qid"]] == k]
            line += f"; nested {_summary(nested, best_fixed, budget)}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
