"""Schemathesis against a real `folio serve`: seeded, bounded, every documented route.

Each generated request must get no server error, and a response whose status code,
content type and body match the OpenAPI schema the service publishes. The service holds a
ready contract, so /query and /search are fuzzed past "no ready document" (409), and
requests carry a throwaway operator key (bench/fuzz.py, whose long run with the stateful
phase is in docs/DEPLOY.md)."""

from __future__ import annotations

import collections

import pytest

from bench.fuzz import report, start, stateless


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    service, schema, auth = start(tmp_path_factory.mktemp("fuzz"))
    tally, failures = collections.Counter(), []
    try:
        # 15 derandomised requests per route and mode: about a minute on 2 cores.
        stateless(schema, auth, 15, None, tally, failures)
    finally:
        service.stop()
    return tally, failures


def test_every_route_answers_within_its_schema(fuzzed) -> None:
    tally, failures = fuzzed
    assert not failures, report(tally, failures, 0)
    operations = {op for op, _ in tally}
    assert len(operations) >= 8
    assert not [status for (_, status) in tally if status >= 500]


def test_questions_and_searches_reach_a_ready_document(fuzzed) -> None:
    """Valid questions are answered (200), not stopped at 409 for want of a document."""
    tally, _ = fuzzed
    for operation in ("POST /query", "POST /search"):
        assert tally[(operation, 200)] > 0, report(tally, [], 0)
