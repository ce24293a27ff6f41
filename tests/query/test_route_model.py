"""The learned router's weights file, its question vectors and its choice."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from core.embeddings.question_vectors import static_minilm
from query.routing.features import BASE_FEATURES, QuestionFacts, base_features, question_type
from query.routing.gate import ANSWER_FEATURES, GATE_FEATURES, answer_features, gate_features
from query.routing.model import LearnedRouter, RouteModelError, load_route_model


def test_shipped_weights_load_and_name_their_version():
    model = load_route_model()
    assert model.version.startswith("lara-dev-")
    assert model.vector_dim == 384 and model.better_weights is not None
    assert set(model.preferences) == {"cost", "balanced", "quality"}
    assert model.trained_on["cv_folds_by_document"] >= 2  # fitted by document folds
    assert model.gate is not None and model.gate.weights.shape == (len(GATE_FEATURES),)


def test_a_broken_weights_file_says_how_to_rebuild_it(tmp_path):
    good = load_route_model().to_json()
    bad = dict(good, weights=good["weights"][:-1])
    path = tmp_path / "w.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(RouteModelError, match="folio eval router --train"):
        load_route_model(path)
    path.write_text(json.dumps(dict(good, features=["renamed"] + good["features"][1:])))
    with pytest.raises(RouteModelError, match="features"):
        load_route_model(path)
    with pytest.raises(RouteModelError, match="cannot read"):
        load_route_model(tmp_path / "missing.json")
    gate = dict(good["gate"], features=good["gate"]["features"][::-1])
    path.write_text(json.dumps(dict(good, gate=gate)))
    with pytest.raises(RouteModelError, match="gate features"):
        load_route_model(path)
    path.write_text(json.dumps(dict(good, gate=None)))  # weights without a gate still load
    assert load_route_model(path).gate is None


def test_the_gate_reads_the_rag_answer():
    text = "Revenue may have risen to $4.2 million in 2023."
    said = answer_features(text)
    assert dict(zip(ANSWER_FEATURES, said, strict=True)) == pytest.approx(
        {"refused": 0, "log_answer_chars": np.log1p(len(text)), "states_number": 1, "hedges": 1}
    )
    # a refusal in words, or the model's own found=false, is a refusal
    assert answer_features("The passages do not mention revenue.")[0] == 1.0
    assert answer_features("Revenue rose.", found=False)[0] == 1.0
    base = base_features(QuestionFacts("What was the net loss in 2023?", 9, 90_000, 1, 1.25, 0.15))
    x = gate_features(base, said)
    assert x.shape == (len(GATE_FEATURES),)
    router = LearnedRouter(load_route_model())
    gains = [router.escalation_gain(tuple(base), text) for text in ("$4.2 million.", "")]
    assert all(-1 <= g <= 1 for g in gains) and gains[0] != gains[1]
    assert LearnedRouter(replace(router.model, gate=None)).escalation_gain(base, "x") is None


def test_static_minilm_vectors(embedder):
    vectors = static_minilm(embedder)
    a = vectors("What is the governing law of this agreement?")
    b = vectors("What is the governing law of this agreement?")
    c = vectors("How many shares were issued in 2023?")
    assert a.shape == (384,) and np.allclose(a, b)
    assert abs(float(np.linalg.norm(a)) - 1) < 1e-5
    assert float(a @ c) < 0.99
    assert not vectors("").any()
    assert static_minilm(object()) is None  # an API embedder has no table to read


def test_features_and_the_choice():
    assert question_type("How many employees?") == "how_many"
    assert question_type("Why did she leave?") == "why"
    assert question_type("Hello there") == "other"
    feats = base_features(QuestionFacts("What was the net loss in 2023?", 9, 90_000, 1, 1.25, 0.15))
    assert len(feats) == len(BASE_FEATURES)
    router = LearnedRouter(load_route_model())
    question = "What was the net loss in 2023?"
    p_ok, p_better, base = router.estimate(QuestionFacts(question, 9, 90_000, 1, 1.25, 0.15))
    assert 0 < p_better <= p_ok < 1 and base == tuple(feats)
    # stuff 30% likelier better, rag 10%: the more a preference values an answer, the more
    # stuffing is worth; the shipped `cost` puts no value on it, so it never stuffs
    gains = [router.stuff_gain(0.7, 0.1, 0.01, pref) for pref in ("cost", "balanced", "quality")]
    assert gains[0] == pytest.approx(-0.01) and gains[0] < gains[1] < gains[2]
    assert router.stuff_gain(0.7, 0.4, 0.0, "quality") < 0  # rag likelier better: never stuff
    with pytest.raises(ValueError, match="prefer must be one of"):
        router.stuff_gain(p_ok, p_better, 0.01, "cheapest")
