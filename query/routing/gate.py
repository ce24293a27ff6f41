"""The learned escalation gate: after a cheap `rag` answer, is reading the whole text worth it?

Self-Route escalates every rag answer that says the passages lack the answer. On LaRA
that loses: most such refusals are right (the document really does not say), and the
rag answers that are wrong mostly do not refuse. The gate instead estimates, from the
question's features (query/routing/features.py) and four plain facts about the rag answer
(it refuses, its length, it states a number, it hedges), the expected gain in accuracy
from stuffing the long-context model: E[stuff right - rag right]. A ridge regression,
so the estimate is that difference directly. The router escalates when the gain, times
the dollars its preference puts on a right answer, pays for the stuffing
(`LearnedRouter.escalation_gain`).

Its names are written into the weights file (query/routing/route_model.json) and checked on
load, like the router's own.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from core.text.refusals import is_refusal
from query.routing.features import BASE_FEATURES

ANSWER_FEATURES = ("refused", "log_answer_chars", "states_number", "hedges")
# A refusal means something else for each kind of question (a "how many" answer the
# passages lacked vs. a question about something the text never says), and a long
# answer over a long document something else than over a short one.
_QUESTION = BASE_FEATURES[:-4]  # the prices stay out of the interactions
_LOG_TOKENS = BASE_FEATURES.index("log_tokens")
GATE_FEATURES = (
    BASE_FEATURES
    + ANSWER_FEATURES
    + tuple(f"refused_x_{name}" for name in _QUESTION)
    + ("log_answer_chars_x_log_tokens",)
)
_HEDGE = re.compile(
    r"\b(may|might|likely|possibly|appears?|seems?|suggests?|unclear|not\s+clear|however)\b",
    re.IGNORECASE,
)


def answer_features(answer: str, found: bool = True) -> list[float]:
    """What the gate reads of a rag answer, in `ANSWER_FEATURES` order. `found` is the
    model's own flag where it gave one (folio's JSON answers); a refusal in words counts too."""
    refused = (not found) or is_refusal(answer)
    return [
        1.0 if refused else 0.0,
        math.log1p(len(answer)),
        1.0 if re.search(r"\d", answer) else 0.0,
        1.0 if _HEDGE.search(answer) else 0.0,
    ]


def gate_features(question: list[float] | tuple[float, ...], answer: list[float]) -> np.ndarray:
    """The gate's input: the question's base features, the answer's, and their interactions."""
    q = np.asarray(question, dtype=np.float64)
    refused, log_chars = answer[0], answer[1]
    return np.concatenate([q, answer, refused * q[: len(_QUESTION)], [log_chars * q[_LOG_TOKENS]]])


@dataclass
class GateModel:
    """Ridge weights over standardised gate features: the expected accuracy gain."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def gain(self, x: np.ndarray) -> float:
        """E[stuff right - rag right] for one gate input, between -1 and 1."""
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        return max(-1.0, min(1.0, float(z @ self.weights) + self.bias))

    def to_json(self) -> dict:
        return {
            "features": list(GATE_FEATURES),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
        }

    @classmethod
    def from_json(cls, raw: dict) -> GateModel:
        """The gate of a weights file; ValueError when it is not this code's gate."""
        if raw["features"] != list(GATE_FEATURES):
            raise ValueError("its gate features are not the ones this code computes")
        arrays = [np.asarray(raw[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
        if any(a.shape != (len(GATE_FEATURES),) for a in arrays):
            raise ValueError(f"the gate's mean, scale and weights need {len(GATE_FEATURES)} values")
        return cls(*arrays, float(raw["bias"]))
