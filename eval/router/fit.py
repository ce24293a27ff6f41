"""Train the learned router on LaRA rows: label, features, logistic regression, folds.

The label of a (question, model pair) is "rag answers as well as stuff": the rag answer
is right, or the stuff answer is wrong too (eval/router/scoring.py). Every pair in
`TRAIN_PAIRS` adds one example per question, so the model learns how the gap moves with
the models' prices as well as with size and wording. Folds are by document
(`eval.router.lara.fold_of`): no question is predicted by a model that saw its document.

The escalation gate (query/routing/gate.py) learns from the pairs in `GATE_PAIRS`, where
the long-context model is the strong one, as in production: per question, the rag
answer's features with the question's, and the label stuff right minus rag right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.embeddings.question_vectors import QuestionVectors
from core.llm.catalog import Catalog
from core.text.tokens import count_tokens
from eval.router.lara import answer, fold_of
from eval.router.scoring import score
from query.routing.features import QuestionFacts, base_features
from query.routing.gate import GateModel, answer_features, gate_features
from query.routing.model import Preference, RouteModel

TRAIN_PAIRS = (
    ("gpt-4o", "gpt-4o-mini"),
    ("gpt-4o", "gpt-4o"),
    ("gpt-4o-mini", "gpt-4o-mini"),
    ("gpt-4o-mini", "gpt-4o"),
)
GATE_PAIRS = (("gpt-4o", "gpt-4o-mini"), ("gpt-4o", "gpt-4o"))
GATE_L2 = 300.0  # ridge strength of the gate (30..3,000 tried, out of fold; docs/ROUTING.md)
FOLDS = 5


@dataclass
class Examples:
    x: np.ndarray  # features, one row per (question, pair)
    y: np.ndarray  # 1.0: rag as good as stuff
    better: np.ndarray  # 1.0: rag right where stuff is wrong
    groups: list[str]  # context_id of each example
    gate_x: np.ndarray  # gate inputs, one row per (question, gate pair)
    gate_y: np.ndarray  # stuff right - rag right: -1, 0 or 1
    gate_groups: list[str]


def examples(
    rows: Sequence[dict],
    catalog: Catalog,
    vectors: QuestionVectors | None,
    pairs: Sequence[tuple[str, str]] = TRAIN_PAIRS,
    gate_pairs: Sequence[tuple[str, str]] = GATE_PAIRS,
) -> Examples:
    """The training matrices: the features plan() computes, for every row and pair, and
    the gate's, for every row and gate pair."""
    vecs = [vectors(r["question"]) if vectors else None for r in rows]
    xs, ys, better, groups = [], [], [], []
    gx, gy, gg = [], [], []
    for stuff_model, rag_model in dict.fromkeys([*pairs, *gate_pairs]):
        s_price = catalog.get(stuff_model).price.input
        r_price = catalog.get(rag_model).price.input
        for row, vec in zip(rows, vecs, strict=True):
            question = row["question"]
            tokens = int(row["context_tokens"])
            facts = QuestionFacts(question, count_tokens(question), tokens, 1, s_price, r_price)
            base = base_features(facts)
            rag_text = answer(row, rag_model, "rag") or ""
            s_right = score(row["task"], answer(row, stuff_model, "stuff"), row["answer"])
            r_right = score(row["task"], rag_text, row["answer"])
            if (stuff_model, rag_model) in gate_pairs:
                gx.append(gate_features(base, answer_features(rag_text)))
                gy.append(float(s_right) - float(r_right))
                gg.append(row["context_id"])
            if (stuff_model, rag_model) not in pairs:
                continue
            xs.append(np.concatenate([base, vec]) if vec is not None else np.asarray(base))
            ys.append(1.0 if r_right or not s_right else 0.0)
            better.append(1.0 if r_right and not s_right else 0.0)
            groups.append(row["context_id"])
    return Examples(
        np.asarray(xs, dtype=np.float64), np.asarray(ys), np.asarray(better), groups,
        np.asarray(gx, dtype=np.float64), np.asarray(gy), gg,
    )  # fmt: skip


def fit(
    x: np.ndarray,
    y: np.ndarray,
    better: np.ndarray,
    l2: float,
    vector_dim: int,
    version: str,
    preferences: dict[str, Preference],
    trained_on: dict | None = None,
    gate: GateModel | None = None,
) -> RouteModel:
    """Two L2-regularised logistic regressions on standardised features: p(rag as good
    as stuff) and p(rag better than stuff); `gate` rides along."""
    mean, scale, z1 = _standardise(x)
    w, wb = _newton(z1, y, l2), _newton(z1, better, l2)
    return RouteModel(
        version, mean, scale, w[:-1], float(w[-1]), vector_dim, preferences, trained_on or {},
        wb[:-1], float(wb[-1]), gate,
    )  # fmt: skip


def fit_gate(x: np.ndarray, y: np.ndarray, l2: float = GATE_L2) -> GateModel:
    """The escalation gate: ridge regression of (stuff right - rag right) on the gate's
    standardised features, in closed form."""
    mean, scale, z1 = _standardise(x)
    reg = np.full(z1.shape[1], l2)
    reg[-1] = 0.0  # the bias is not shrunk
    w = np.linalg.solve(z1.T @ z1 + np.diag(reg), z1.T @ y)
    return GateModel(mean, scale, w[:-1], float(w[-1]))


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature (e.g. one pair only) stays at weight 0
    z = (x - mean) / scale
    return mean, scale, np.hstack([z, np.ones((len(z), 1))])


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
    salt: str = "fold",
) -> dict[int, RouteModel]:
    """One model per fold (escalation gate included), each fitted without that fold's
    documents."""
    fold = np.asarray([fold_of(g, folds, salt) for g in data.groups])
    gate_fold = np.asarray([fold_of(g, folds, salt) for g in data.gate_groups])
    return {
        k: fit(
            data.x[fold != k],
            data.y[fold != k],
            data.better[fold != k],
            l2,
            vector_dim,
            f"{version}-cv{k}",
            preferences,
            gate=fit_gate(data.gate_x[gate_fold != k], data.gate_y[gate_fold != k]),
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
