"""The learned routing estimate: p(rag answers as well as stuff), from what is known before
spending anything, and the expected-cost choice made with it.

A `RouteModel` is two logistic regressions over query/routing/features.py (size, question
type and wording, the models' prices) and the question's static MiniLM vector
(core/embeddings/question_vectors.py): p(rag as good as stuff) and p(rag better). Its weights are a
small versioned JSON file (query/routing/route_model.json, written by `folio eval router
--train`), loaded by the composition root and passed to `routing.plan()` as a
`LearnedRouter`. The choice: stuff when (p(stuff better) - p(rag better)) x the dollar
value the preference puts on a right answer exceeds what stuffing costs over retrieval.
A third part, the escalation gate (query/routing/gate.py), decides after a `rag` answer
whether stuffing it too is worth its cost, in place of Self-Route's "every refusal".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.embeddings.question_vectors import QuestionVectors
from query.routing.features import BASE_FEATURES, QuestionFacts, base_features
from query.routing.gate import GateModel, answer_features, gate_features

DEFAULT_FILE = Path(__file__).with_name("route_model.json")
PREFERENCES = ("cost", "balanced", "quality")


class RouteModelError(ValueError):
    """The weights file is missing or malformed; the message says which and what to run."""


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


@dataclass(frozen=True)
class Preference:
    """What a preference is worth: dollars per right answer for the choice made up front
    (`value_usd`) and for the escalation gate's (`gate_value_usd`), and whether a `rag`
    plan keeps an escalation in reserve at all."""

    value_usd: float
    escalate: bool = True
    gate_value_usd: float = 0.0


@dataclass
class RouteModel:
    """Logistic regression weights over standardised features (+ the question vector)."""

    version: str
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    vector_dim: int
    preferences: dict[str, Preference]
    trained_on: dict = field(default_factory=dict)
    # A second head: p(rag answers strictly better than stuff), so a weak stuff model
    # is not chosen only because stuffing it is cheap.
    better_weights: np.ndarray | None = None
    better_bias: float = 0.0
    # After a rag answer: the expected gain of stuffing as well (None: escalate refusals).
    gate: GateModel | None = None

    def probabilities(self, base: list[float], vector: np.ndarray | None) -> tuple[float, float]:
        """(p(rag answers as well as stuff), p(rag answers better)) for one question."""
        x = np.asarray(base, dtype=np.float64)
        if self.vector_dim:
            vec = np.zeros(self.vector_dim) if vector is None else np.asarray(vector, np.float64)
            x = np.concatenate([x, vec])
        z = (x - self.mean) / self.scale
        ok = _sigmoid(float(z @ self.weights) + self.bias)
        if self.better_weights is None:
            return ok, 0.0
        return ok, min(_sigmoid(float(z @ self.better_weights) + self.better_bias), ok)

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "features": list(BASE_FEATURES) + [f"minilm_{i}" for i in range(self.vector_dim)],
            "vector_dim": self.vector_dim,
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "better_weights": None
            if self.better_weights is None
            else [round(float(v), 6) for v in self.better_weights],
            "better_bias": round(self.better_bias, 6),
            "gate": None if self.gate is None else self.gate.to_json(),
            "preferences": {k: vars(v) for k, v in self.preferences.items()},
            "trained_on": self.trained_on,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


def load_route_model(path: Path | None = None) -> RouteModel:
    """Read the weights file (default: the packaged query/routing/route_model.json)."""
    path = Path(path or DEFAULT_FILE)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        n = len(BASE_FEATURES) + int(raw["vector_dim"])
        if raw["features"][: len(BASE_FEATURES)] != list(BASE_FEATURES):
            raise ValueError("its features are not the ones this code computes")
        arrays = [np.asarray(raw[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
        if any(a.shape != (n,) for a in arrays):
            raise ValueError(f"mean, scale and weights must have {n} values each")
        better = raw.get("better_weights")
        better = None if better is None else np.asarray(better, dtype=np.float64)
        if better is not None and better.shape != (n,):
            raise ValueError(f"better_weights must have {n} values")
        gate = None if raw.get("gate") is None else GateModel.from_json(raw["gate"])
        prefs = {k: Preference(**v) for k, v in raw["preferences"].items()}
        if set(prefs) != set(PREFERENCES):
            raise ValueError(f"preferences must be {', '.join(PREFERENCES)}")
        return RouteModel(
            str(raw["version"]), *arrays, float(raw["bias"]), int(raw["vector_dim"]), prefs,
            raw.get("trained_on", {}), better, float(raw.get("better_bias", 0.0)), gate,
        )  # fmt: skip
    except OSError as exc:
        raise RouteModelError(f"cannot read the route model {path}: {exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise RouteModelError(
            f"{path} is not a route model ({exc}); rebuild it with `folio eval router --train`"
        ) from exc


@dataclass
class LearnedRouter:
    """What `plan()` is given: the model and the function that embeds a question."""

    model: RouteModel
    vectors: QuestionVectors | None = None

    @property
    def version(self) -> str:
        return self.model.version

    def estimate(self, facts: QuestionFacts) -> tuple[float, float, tuple[float, ...]]:
        """The chances that `rag` answers this question as well as `stuff` would, and
        that it answers better; and the question's features, which the escalation gate
        reads again once the rag answer is in."""
        base = base_features(facts)
        wants_vector = self.vectors and self.model.vector_dim
        vector = self.vectors(facts.question) if wants_vector else None
        return (*self.model.probabilities(base, vector), tuple(base))

    def escalation_gain(
        self, question_features: tuple[float, ...], answer: str, found: bool = True
    ) -> float | None:
        """The expected accuracy gain of stuffing after this rag answer (None: no gate)."""
        if self.model.gate is None:
            return None
        x = gate_features(question_features, answer_features(answer, found))
        return self.model.gate.gain(x)

    def stuff_gain(self, p_ok: float, p_better: float, extra_cost: float, prefer: str) -> float:
        """Dollars stuffing is expected to be worth over retrieval: the value of a right
        answer x (p(stuff better) - p(rag better)), less what stuffing adds."""
        value = self.preference(prefer).value_usd
        return ((1.0 - p_ok) - p_better) * value - extra_cost

    def preference(self, prefer: str) -> Preference:
        try:
            return self.model.preferences[prefer]
        except KeyError:
            raise ValueError(
                f"prefer must be one of {', '.join(PREFERENCES)}, not {prefer!r}"
            ) from None
