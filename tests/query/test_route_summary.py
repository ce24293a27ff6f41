"""The route's plain sentence (query/routing/summary.py), from real plans of the router."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.llm.catalog import load_catalog
from query.routing.plan import Policy
from query.routing.router import plan
from query.routing.summary import about, route_summary
from tests.query.test_routing import GLOBAL_Q, LOCAL_Q, OFFLINE, docs


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_offline_says_what_was_read_and_what_a_model_would_cost(catalog):
    small = plan(LOCAL_Q, docs(1_400), catalog, Policy(available=OFFLINE))
    line = route_summary(small, False, small.model, 0.0)
    assert line.startswith("Read the whole document — no model key, so the answer quotes")
    assert f"with a key, gpt-4o would cost about {about(small.paid_cost_usd)}." in line
    # never a paid choice: no dollars but the model's, no "offline-reader" jargon
    assert "offline-reader" not in line and line.count("$") == 1

    big = plan(LOCAL_Q, docs(250_000, 250_000), catalog, Policy(available=OFFLINE))
    line = route_summary(big, False, big.model, 0.0)
    assert line.startswith("Searched both documents for the passages")
    assert f"gpt-4o would cost about {about(big.paid_cost_usd)}" in line


def test_paid_routes_say_the_model_and_both_costs(catalog):
    glob = plan(GLOBAL_Q, docs(90_000, 10_000), catalog, Policy())
    line = route_summary(glob, False, "gpt-5.2", 0.0512)
    assert line == (
        "Read both documents whole with gpt-5.2, for $0.0512"
        f" (estimated ${glob.estimated_cost_usd:.4f})."
    )
    many = plan(GLOBAL_Q, docs(30_000, 30_000, 30_000), catalog, Policy())
    assert route_summary(many, False, "gpt-5.2", 0.1).startswith("Read the 3 documents whole")
    local = plan(LOCAL_Q, docs(90_000), catalog, Policy())
    assert local.mode == "rag" and local.escalation is not None
    escalated = replace(local, mode="stuff", model=local.escalation.model)
    line = route_summary(escalated, True, "gpt-5.2", 0.2)
    assert line.startswith("Searched the document, then read it whole with gpt-5.2, for $0.2000")
    assert "(both calls)" in line


@pytest.mark.parametrize(
    ("usd", "said"),
    [(0.0146, "$0.015"), (0.0506, "$0.051"), (0.1658, "$0.17"), (1.234, "$1.2"), (0, "$0")],
)
def test_about_rounds_to_two_figures(usd, said):
    assert about(usd) == said
