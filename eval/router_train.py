"""Train the learned router on LaRA rows: label, features, logistic regression, folds.

The label of a (question, model pair) is "rag answers as well as stuff": the rag answer
is right, or the stuff answer is wrong too (eval/lara_scoring.py). Every pair in
`TRAIN_PAIRS` adds one example per question, so the model learns how the gap moves with
the models' prices as well as with size and wording. Folds are by document
(`eval.lara.fold_of`): no question is predicted by a model that saw its document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.catalog import Catalog
from core.question_vectors import QuestionVectors
from core.route_features import base_features
from core.route_model import Preference, RouteModel
from core.tokens import count_tokens
from eval.lara import answer, fold_of
from eval.lara_scoring import score

TRAIN_PAIRS = (
    ("gpt-4o", "gpt-4o-mini"),
    ("gpt-4o", "gpt-4o"),
    ("gpt-4o-mini", "gpt-4o-mini"),
    ("gpt-4o-mini", "gpt-4o"),
)
FOLDS = 5


@dataclass
class Examples:
    x: np.ndarray  # features, one row per (question, pair)
    y: np.ndarray  # 1.0: rag as good as stuff
    better: np.ndarray  # 1.0: rag right where stuff is wrong
    groups: list[str]  # context_id of each example


def examples(
    rows: Sequence[dict],
    catalog: Catalog,
    vectors: QuestionVectors | None,
    pairs: Sequence[tuple[str, str]] = TRAIN_PAIRS,
) -> Examples:
    """The training matrix: the features plan() computes, for every row and pair."""
    vecs = [vectors(r["question"]) if vectors else None for r in rows]
    xs, ys, better, groups = [], [], [], []
    for stuff_model, rag_model in pairs:
        s_price = catalog.get(stuff_model).price.input
        r_price = catalog.get(rag_model).price.input
        for row, vec in zip(rows, vecs, strict=True):
            base = base_features(
                row["question"],
                count_tokens(row["question"]),
                int(row["context_tokens"]),
                1,
                s_price,
                r_price,
            )
            xs.append(np.concatenate([base, vec]) if vec is not None else np.asarray(base))
            s_right = score(row["task"], answer(row, stuff_model, "stuff"), row["answer"])
            r_right = score(row["task"], answer(row, rag_model, "rag"), row["answer"])
            ys.append(1.0 if r_right or not s_right else 0.0)
            better.append(1.0 if r_right and not s_right else 0.0)
            groups.append(row["context_id"])
    return Examples(np.asarray(xs, dtype=np.float64), np.asarray(ys), np.asarray(better), groups)


def fit(
    x: np.ndarray,
    y: np.ndarray,
    better: np.ndarray,
    l2: float,
    vector_dim: int,
    version: str,
    preferences: dict[str, Preference],
    trained_on: dict | None = None,
) -> RouteModel:
    """Two L2-regularised logistic regressions on standardised features: p(rag as good
    as stuff) and p(rag better than stuff)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature (e.g. one pair only) stays at weight 0
    z = (x - mean) / scale
    z1 = np.hstack([z, np.ones((len(z), 1))])
    w, wb = _newton(z1, y, l2), _newton(z1, better, l2)
    return RouteModel(
        version, mean, scale, w[:-1], float(w[-1]), vector_dim, preferences, trained_on or {},
        wb[:-1], float(wb[-1]),
    )  # fmt: skip


def _newton(z1: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    w = np.zeros(z1.shape[1])
    reg = np.full(z1.shape[1], l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z1 @ w, -30, 30)))
        grad = z1.T @ (p - y) + reg * w
        hess = (z1 * (p * (1 - p))[:, None]).T @ z1 + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return w


def fold_models(
    data: Examples,
    l2: float,
    vector_dim: int,
    version: str,
    preferences: dict[str, Preference],
    folds: int = FOLDS,
) -> dict[int, RouteModel]:
    """One model per fold, each fitted without that fold's documents."""
    fold = np.asarray([fold_of(g, folds) for g in data.groups])
    return {
        k: fit(
            data.x[fold != k],
            data.y[fold != k],
            data.better[fold != k],
            l2,
            vector_dim,
            f"{version}-cv{k}",
            preferences,
        )
        for k in range(folds)
    }


def log_loss(models: dict[int, RouteModel], data: Examples, folds: int = FOLDS) -> float:
    """Out-of-fold log loss of the fold models (lower is better)."""
    total = 0.0
    for x, y, g in zip(data.x, data.y, data.groups, strict=True):
        m = models[fold_of(g, folds)]
        z = float(((x - m.mean) / m.scale) @ m.weights) + m.bias
        p = min(max(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))), 1e-6), 1 - 1e-6)
        total -= y * np.log(p) + (1 - y) * np.log(1 - p)
    return total / len(data.y)
