"""Schemathesis against a real `folio serve`: seeded, bounded, every documented route.

Each generated request must get no server error, and a response whose status code,
content type and body match the OpenAPI schema the service publishes. Requests carry the
admin key `folio serve` made on first start (auth is on, as for a user)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from eval.common.service import start_service

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 15  # per route: a bounded, seeded run (about a minute on 2 cores)


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    service = start_service(root / "data", root / "service.log")
    assert service.api_key, "folio serve made no admin key"
    loaded = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    yield loaded, {"Authorization": f"Bearer {service.api_key}"}
    service.stop()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_every_route_answers_within_its_schema(schema, mode) -> None:
    """Valid requests (positive) and invalid ones (negative: wrong types, NaN, out of
    range, missing fields), every route."""
    schema, auth = schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    tried = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            case.call_and_validate(headers=auth, checks=CHECKS, timeout=30)

        try:
            check()
            tried += 1
        except Unsatisfiable:  # negative: nothing invalid to send (no input, or a free string)
            assert mode is GenerationMode.NEGATIVE
    assert tried >= 4  # /query, /search, /documents (list, upload) at least
