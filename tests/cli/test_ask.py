"""`folio ask` prints one answer, never two, then a plain route line and the router's
details; offline, nothing is escalated (the reader would answer the re-ask too)."""

from __future__ import annotations

import io
import json

from rich.console import Console
from typer.testing import CliRunner

from cli.ask import _show
from cli.main import app
from tests.cli.local_data import ingest_for_cli

runner = CliRunner()
CONTRACT = "legal/cuad/IVILLAGEINC_03_17_1999-EX-10.16-SPONSORSHIP AGREEMENT.PDF"
QUESTION = "When can either party terminate?"


def test_offline_answer_once_with_a_plain_route_and_no_escalation(
    settings, ingestor, shared_data, monkeypatch
) -> None:
    ingest_for_cli(shared_data / CONTRACT, settings, ingestor, monkeypatch)
    # Passages smaller than the contract: the learned router decides, as over a long one.
    monkeypatch.setenv("FOLIO_ROUTE_RETRIEVAL_BUDGET", "500")

    # A question the reader has no kind for: the learned router decides (one it knows,
    # such as QUESTION, reads the whole contract offline).
    question = "What will iVillage build for FMM?"
    got = runner.invoke(app, ["ask", question, "--json"])
    assert got.exit_code == 0, got.output
    body = json.loads(got.stdout)
    route = body["route"]
    assert route["offline"] and not route["escalated"]
    assert body["models_used"] == ["offline-reader"]  # one call, whatever the route
    assert route["mode"] == "rag" and route["p_rag_ok"] is not None
    assert "with a key" in route["reason"]  # the paid prices it weighed, said as such
    assert route["summary"].startswith("Searched the document for the passages")
    assert "no model key" in route["summary"] and route["paid_model"] == "gpt-4o"
    assert 0 < route["estimated_latency_ms"]["first_token"] < 1_000  # the reader's prior

    # Faster than even the reader can answer: refused, in words, before anything runs.
    hurried = runner.invoke(app, ["ask", question, "--json", "--max-latency-ms", "1"])
    assert hurried.exit_code != 0 and "over max_latency_ms 1" in hurried.output

    shown = runner.invoke(app, ["ask", question])
    assert shown.exit_code == 0, shown.output
    answer, _, rest = shown.stdout.partition("\nSources\n")
    assert answer.strip() == body["answer"]  # the answer once, before its sources
    assert "asking again" not in shown.stdout and "escalated" not in shown.stdout
    assert f"Route {route['summary']}" in " ".join(rest.split())


def test_an_escalation_prints_only_the_final_answer(shared_data) -> None:
    """A paid escalation streams a rag answer, a reset, then the stuffed one: what is
    printed is the stuffed answer, once, and the route says it read the whole text."""
    final = "New York law governs the agreement."
    body = {
        "answer": final,
        "citations": [],
        "dropped_citations": 0,
        "route": {
            "mode": "stuff",
            "model": "gpt-5.2",
            "summary": "Searched the document, then read it whole with gpt-5.2.",
            "reason": "a local question; escalated: the passages did not contain the answer",
            "estimated_cost_usd": 0.06,
            "alternatives": [],
            "escalated": True,
        },
        "usage": {"input_tokens": 7_500, "cached_input_tokens": 0, "output_tokens": 22},
        "cost_usd": 0.05,
        "latency_ms": 1200.0,
    }
    events = [
        ("delta", {"text": "The passages do "}),
        ("delta", {"text": "not say."}),
        ("reset", {"reason": "the retrieved passages did not contain the answer"}),
        ("delta", {"text": "New York law "}),
        ("delta", {"text": "governs the agreement."}),
        ("answer", body),
    ]
    for terminal in (False, True):
        buffer = io.StringIO()
        out = Console(file=buffer, force_terminal=terminal, color_system=None, width=100, height=30)
        assert _show(iter(events), out, quiet=False) == body
        printed = buffer.getvalue()
        # On a terminal the streamed text is drawn, then erased: what stays is after it.
        kept = printed.rpartition("\x1b[2K")[2] if terminal else printed
        assert kept.count(final) == 1 and "The passages do not say" not in kept
        assert "Route Searched the document, then read it whole" in kept
        assert "stuff with gpt-5.2, escalated" in kept
