"""Schemathesis against a real `folio serve`, for as long as asked, with a ready document.

    python -m bench.fuzz --minutes 5            # every route, valid and invalid, then stateful
    python -m bench.fuzz --minutes 1 --no-stateful

Starts `folio serve` (auth on: it makes its operator key on first start), uploads a real
contract and waits until it is ready, so /query and /search are fuzzed past "no ready
document" (409). Requests carry a throwaway operator key made for the run. Then, until the
time is up: every operation with generated requests, valid ones (positive) and invalid
ones (negative: wrong types, NaN, out of range, missing fields), a new seed each round;
and the stateful phase, which chains operations through the links of the schema (a key
made by POST /keys is read, listed and revoked). Revoking keys and deleting documents are
left out of the stateful phase only: chained, they would revoke the run's own key or
delete its ready document, and the rest of the run would test 401s and 409s. Every
response is checked: no server error, a status code, content type and body the published
OpenAPI schema declares. Prints the requests by operation and status, and every failure;
exits 1 if there was any. docs/DEPLOY.md (Reliability) has a run's result.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from client import FolioClient
from eval.common.paths import shared_data
from eval.common.service import Service, start_service

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CONTRACT = "legal/cuad/IVILLAGEINC_03_17_1999-EX-10.16-SPONSORSHIP AGREEMENT.PDF"
Tally = collections.Counter  # (operation, status) -> requests


def start(root: Path) -> tuple[Service, schemathesis.BaseSchema, dict[str, str]]:
    """A fresh `folio serve` with one ready contract; its schema and a throwaway operator
    key's header."""
    service = start_service(root / "data", root / "service.log")
    with FolioClient(service.url, api_key=service.api_key) as client:
        doc, _ = client.upload(shared_data() / CONTRACT)
        assert client.wait(doc["id"])["status"] == "ready"
        made = client.create_key({"tenant": "default", "name": "fuzz", "operator": True})
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    return service, schema, {"Authorization": f"Bearer {made['secret']}"}


def stateless(
    schema, auth: dict, examples: int, round_seed: int | None, tally: Tally, failures: list
) -> None:
    """Every operation once, `examples` generated requests in each mode; `round_seed`
    None: derandomised (the same requests every run, as CI wants)."""
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            check = _test(operation, mode, auth, examples, round_seed, tally)
            try:
                check()
            except Unsatisfiable:  # negative: nothing invalid to send for this operation
                pass
            except Exception as exc:  # noqa: BLE001 - a failure is reported, the run goes on
                failures.append((operation.label, mode.value, _first_line(exc)))


def _test(operation, mode, auth: dict, examples: int, round_seed: int | None, tally: Tally):
    """A hypothesis test sending `examples` requests of one operation and mode."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=round_seed is None,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        response = case.call(headers=auth, timeout=60)
        tally[(operation.label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    return check if round_seed is None else seed(round_seed)(check)


def stateful(schema, auth: dict, steps: int, tally: Tally, failures: list) -> bool:
    """One run of linked scenarios (hypothesis' rule-based state machine); False when
    hypothesis stopped it early (see below)."""
    chained = schema.exclude(method="DELETE")
    machine = chained.as_state_machine()

    class Machine(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            return {"headers": auth, "timeout": 60}

        def after_call(self, response, case):
            tally[(case.operation.label, response.status_code)] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    try:
        run_state_machine_as_test(
            Machine,
            # Generate only: replaying or shrinking a scenario would send it again to a
            # server whose state has moved on (hypothesis then calls it flaky).
            settings=settings(
                max_examples=steps,
                phases=[Phase.generate],
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                stateful_step_count=10,
            ),
        )
    except FlakyStrategyDefinition:
        # Hypothesis stops a run whose generated data followed the server's answers
        # differently on a second draw (links feed responses into requests): nothing was
        # found wrong with a response, so it is counted apart from the failures.
        return False
    except Exception as exc:  # noqa: BLE001
        failures.append(("stateful", "chained", _first_line(exc)))
    return True


def _first_line(exc: BaseException) -> str:
    """What failed, in a line: a group's first failure, else the error's first line."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text.splitlines()[0][:300]}"


def report(tally: Tally, failures: list, seconds: float, stopped: int = 0) -> str:
    """Markdown: requests by operation and status, server errors, failures."""
    by_op: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for (op, status), n in tally.items():
        by_op[op][status] += n
    lines = [
        f"{sum(tally.values()):,} requests in {seconds / 60:.1f} min;"
        f" server errors (5xx): {sum(n for (_, s), n in tally.items() if s >= 500)};"
        f" failed checks: {len(failures)}; stateful runs stopped early by hypothesis: {stopped}",
        "",
        "| operation | requests | statuses |",
        "|---|---|---|",
    ]
    for op in sorted(by_op):
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(by_op[op].items()))
        lines.append(f"| `{op}` | {sum(by_op[op].values()):,} | {statuses} |")
    lines += [f"- FAILED {op} ({mode}): {message}" for op, mode, message in failures]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--examples", type=int, default=25, help="per operation, mode, round")
    parser.add_argument("--no-stateful", action="store_true")
    args = parser.parse_args()
    tally, failures, stopped = Tally(), [], 0
    started = time.monotonic()
    deadline = started + args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        service, schema, auth = start(Path(tmp))
        try:
            round_seed = 0
            while time.monotonic() < deadline:
                stateless(schema, auth, args.examples, round_seed, tally, failures)
                if not args.no_stateful and time.monotonic() < deadline:
                    stopped += not stateful(schema, auth, args.examples, tally, failures)
                round_seed += 1
        finally:
            service.stop()
    print(report(tally, failures, time.monotonic() - started, stopped))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
