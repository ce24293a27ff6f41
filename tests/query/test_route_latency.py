"""Latency in the route: every plan and alternative carries its expected time, a
`max_latency_ms` moves (or refuses) a route and says why, `prefer: fast` takes the
quickest way, and measured speeds replace the catalog's priors."""

from __future__ import annotations

import pytest

from core.llm.catalog import load_catalog
from core.llm.latency import ModelLatency
from query.routing.cache import WarmCache
from query.routing.plan import Policy, RouteError
from query.routing.router import plan
from tests.query.test_routing import GLOBAL_Q, LOCAL_Q, docs


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_plan_and_alternative_carries_its_latency(catalog):
    route = plan(GLOBAL_Q, docs(380_000 - 5_000), catalog, Policy())
    assert (route.mode, route.model) == ("stuff", "gpt-5.2")
    # gpt-5.2's prior: 2 s and 100 ms per 1K prompt tokens; then 400 tokens at 60/s.
    first = route.estimated_latency_ms["first_token"]
    assert 39_000 < first < 41_000
    assert route.estimated_latency_ms["total"] == pytest.approx(first + 400 / 60 * 1000, abs=2)
    rag = next(a for a in route.alternatives if a.mode == "rag")
    assert rag.estimated_latency_ms["first_token"] < 1_000  # 8K of passages into gpt-4o


def test_a_latency_limit_moves_a_whole_book_question_to_retrieval_and_says_why(catalog):
    book = docs(375_000)
    streaming = Policy(max_latency_ms=1_000, streaming=True)
    route = plan(GLOBAL_Q, book, catalog, streaming)
    assert (route.mode, route.model) == ("rag", "gpt-4o")
    assert route.reason.startswith(
        "stuffing 375K tokens into gpt-5.2 would take about 40 s to the first token,"
        " over max_latency_ms 1,000; retrieval with gpt-4o answers in about 0.8 s"
    )
    stuffed = next(a for a in route.alternatives if a.model == "gpt-5.2")
    assert stuffed.rejected_because == (
        "would take about 40 s to the first token, over max_latency_ms 1,000"
    )
    # Not streaming, the whole answer is weighed: 400 tokens at gpt-4o's 90/s is 4.4 s more.
    with pytest.raises(RouteError, match=r"to answer, over max_latency_ms 1,000; the fastest"):
        plan(GLOBAL_Q, book, catalog, Policy(max_latency_ms=1_000))
    assert plan(GLOBAL_Q, book, catalog, Policy(max_latency_ms=8_000)).mode == "rag"
    # Without a limit the same question stuffs, as before.
    assert plan(GLOBAL_Q, book, catalog, Policy()).model == "gpt-5.2"


def test_a_forced_mode_over_the_limit_is_refused_in_words(catalog):
    policy = Policy(mode="stuff", max_latency_ms=5_000, streaming=True)
    with pytest.raises(RouteError) as err:
        plan(LOCAL_Q, docs(200_000), catalog, policy)
    assert str(err.value).startswith(
        "stuffing 200K tokens into gpt-5.2 would take about 22 s to the first token"
    )
    assert "the fastest way (retrieval with gpt-4o)" in str(err.value)


def test_prefer_fast_takes_the_quickest_way(catalog):
    route = plan(GLOBAL_Q, docs(90_000), catalog, Policy(prefer="fast", streaming=True))
    assert route.mode == "rag" and route.escalation is None
    assert route.reason.startswith("prefer fast: retrieval with gpt-4o takes about 0.8 s")
    slower = {a.model: a.rejected_because for a in route.alternatives}
    assert slower["gpt-5.2"].startswith("slower: about 11 s to the first token")
    with pytest.raises(RouteError, match="prefer must be one of"):
        plan(LOCAL_Q, docs(10_000), catalog, Policy(prefer="quick"))


def test_measured_speed_replaces_the_prior(catalog):
    """A gpt-5.2 measured at 0.3 s (a warm, quiet provider) fits the limit it failed."""
    fast_big = ModelLatency(300.0, 1.0, 200.0, samples=5, measured=True)
    policy = Policy(max_latency_ms=2_000, streaming=True, latencies={"gpt-5.2": fast_big})
    route = plan(GLOBAL_Q, docs(90_000), catalog, policy)
    assert (route.mode, route.model) == ("stuff", "gpt-5.2")
    assert route.estimated_latency_ms["first_token"] == pytest.approx(300 + 90, abs=5)


def test_a_warm_prompt_cache_prices_the_stuffed_prefix_as_cached(catalog):
    """A second stuffed question on a 300K-token contract: about $0.06, not $0.53."""
    contract = docs(300_000 - 2_100)
    cold = plan(GLOBAL_Q, contract, catalog, Policy())
    warm = {"gpt-5.2": WarmCache("gpt-5.2", 40.0, 300.0)}
    hot = plan(GLOBAL_Q, contract, catalog, Policy(warm=warm))
    assert (cold.model, hot.model) == ("gpt-5.2", "gpt-5.2")
    assert cold.estimated_cost_usd == pytest.approx(0.53, abs=0.01)
    assert hot.estimated_cost_usd == pytest.approx(0.058, abs=0.002)
    assert hot.cached_input_tokens % 128 == 0 and hot.cached_input_tokens > 298_000
    assert "gpt-5.2 was sent these documents 40 s ago" in hot.reason
    assert "priced as cached, $0.0579 instead of $0.5277" in hot.reason
    # A retrieval plan's passages differ by question: never priced as cached.
    rag = plan(LOCAL_Q, contract, catalog, Policy(mode="rag", warm=warm))
    assert rag.cached_input_tokens == 0


def test_a_warm_cache_can_make_stuffing_the_better_buy(catalog):
    """Cold, the learned router retrieves for a local question over 20K tokens ($0.0145
    against $0.042 to stuff gpt-5.2); with gpt-5.2's cache warm, stuffing costs $0.0093,
    less than retrieval, and it rightly stuffs: the better answer, for less."""
    from query.routing.model import LearnedRouter, load_route_model

    router = LearnedRouter(load_route_model())
    q, contract = "Which party bears the cost of insurance?", docs(20_000)
    cold = plan(q, contract, catalog, Policy(), router)
    warm = {"gpt-5.2": WarmCache("gpt-5.2", 10.0, 300.0)}
    hot = plan(q, contract, catalog, Policy(warm=warm), router)
    assert (cold.mode, cold.model) == ("rag", "gpt-4o")
    assert (hot.mode, hot.model) == ("stuff", "gpt-5.2")
    assert hot.estimated_cost_usd < cold.estimated_cost_usd
    assert "priced as cached" in hot.reason
