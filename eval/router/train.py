"""Train the learned router for `folio eval router --train`: fold models cross-validated
by document, preferences tuned on their out-of-fold replays, and the final model.

Preferences are set on out-of-fold predictions of the main pair (gpt-4o full against
gpt-4o-mini rag): `balanced` is the most accurate setting that costs no more than
Self-Route, `cost` the most accurate that costs no more than always-rag, `quality` the
most accurate of all (ties: the cheaper). A setting is the dollar value of a right
answer up front, and the escalation gate's (0: never escalate). Nothing is fitted to a
question's own row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from core.embeddings.question_vectors import QuestionVectors
from core.llm.catalog import Catalog
from eval.router.fit import (
    FOLDS,
    GATE_L2,
    GATE_PAIRS,
    TRAIN_PAIRS,
    examples,
    fit,
    fit_gate,
    fold_models,
    log_loss,
)
from eval.router.lara import fold_of
from eval.router.replay import Replay
from query.routing.model import PREFERENCES, LearnedRouter, Preference, RouteModel

VERSION = "lara-dev-v2"
L2 = 1000.0  # chosen by out-of-fold log loss over 10..10,000 (see docs/ROUTING.md)
VALUE_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)
# The gate's value sets how much of the budget escalations spend, so the grid is fine
# (5%) where that spend crosses Self-Route's cost.
GATE_GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15)
GATE_GRID += (1.2, 1.3, 1.5, 2.0, 3.0, 5.0, 10.0)
MAIN_PAIR = ("gpt-4o", "gpt-4o-mini")
DEFAULT_PREFS = {
    "cost": Preference(0.05, False),
    "balanced": Preference(0.5, True, 1.0),
    "quality": Preference(5.0, True, 5.0),
}


@dataclass
class Trained:
    """What `train` fitted: the model to ship, the fold models and how well they did."""

    model: RouteModel  # fitted on every row, with the tuned preferences
    folds: dict[int, RouteModel]  # each fitted without its fold's documents
    cv_log_loss: float
    base_rate: float


def _mean(outs: Sequence, attr: str) -> float:
    return sum(float(getattr(o, attr)) for o in outs) / len(outs)


def tune(
    replay: Replay, rows: list[dict], folds: dict[int, RouteModel], vectors, salt: str = "fold"
) -> dict[str, Preference]:
    """Each preference's value and escalation, from out-of-fold replays of `rows` (each
    routed by the model of its fold under `salt`)."""
    base = [replay.baselines(r) for r in rows]
    self_route = _mean([b["self-route"] for b in base], "cost_usd")
    always_rag = _mean([b["always-rag"] for b in base], "cost_usd")
    tried = []
    for value in VALUE_GRID:
        for gate_value in GATE_GRID:
            pref = Preference(value, gate_value > 0, gate_value)
            routers = {
                k: LearnedRouter(replace(m, preferences=dict.fromkeys(PREFERENCES, pref)), vectors)
                for k, m in folds.items()
            }
            outs = [replay.routed(r, routers[fold_of(r["context_id"], FOLDS, salt)]) for r in rows]
            tried.append((_mean(outs, "right"), _mean(outs, "cost_usd"), pref))

    def best(limit: float | None) -> Preference:
        ok = [t for t in tried if limit is None or t[1] <= limit + 1e-12]
        if not ok:  # nothing is that cheap: the cheapest setting
            return min(tried, key=lambda t: (t[1], -t[0]))[2]
        return max(ok, key=lambda t: (round(t[0], 6), -t[1]))[2]

    return {"cost": best(always_rag), "balanced": best(self_route), "quality": best(None)}


def train(
    rows: list[dict], catalog: Catalog, vectors: QuestionVectors | None, data_digest: str
) -> Trained:
    """Fold models, tuned preferences and the final model (written by `--train`)."""
    data = examples(rows, catalog, vectors)
    dim = int(getattr(vectors, "dim", 0)) if vectors is not None else 0
    folds = fold_models(data, L2, dim, VERSION, DEFAULT_PREFS)
    cv = log_loss(folds, data)
    prefs = tune(Replay(catalog, *MAIN_PAIR), rows, folds, vectors)
    folds = {k: replace(m, preferences=prefs) for k, m in folds.items()}
    meta = {
        "data_sha256_16": data_digest,
        "rows": len(rows),
        "documents": len({r["context_id"] for r in rows}),
        "pairs": [list(p) for p in TRAIN_PAIRS],
        "l2": L2,
        "gate_pairs": [list(p) for p in GATE_PAIRS],
        "gate_l2": GATE_L2,
        "cv_folds_by_document": FOLDS,
        "cv_log_loss": round(cv, 4),
        "base_rate_rag_ok": round(float(data.y.mean()), 4),
        "question_vectors": (
            "static MiniLM (core/embeddings/question_vectors.py)" if dim else "none"
        ),
    }
    gate = fit_gate(data.gate_x, data.gate_y)
    model = fit(data.x, data.y, data.better, L2, dim, VERSION, prefs, meta, gate)
    return Trained(model, folds, cv, float(data.y.mean()))
