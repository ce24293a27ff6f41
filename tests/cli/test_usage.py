"""`folio usage` prints the ledger's totals by model and by day, as a table or JSON."""

from __future__ import annotations

import json
import time

from typer.testing import CliRunner

from cli.main import app
from core.storage.registry import Registry
from core.storage.usage import UsageRecord

runner = CliRunner()


def _record(registry: Registry, model: str, cost: float, when: float, tenant: str = "default"):
    registry.usage.record(
        UsageRecord(
            model=model,
            role="cheap",
            input_tokens=1_000,
            cached_input_tokens=200,
            output_tokens=50,
            cost_usd=cost,
            latency_ms=12.0,
            outcome="ok",
            question_id="q",
            tenant_id=tenant,
            created_at=when,
        )
    )


def test_usage_json_and_table(settings, monkeypatch) -> None:
    monkeypatch.setenv("FOLIO_DATA_DIR", str(settings.data_dir))
    registry = Registry(settings.registry_path)
    day1 = time.mktime((2026, 3, 1, 12, 0, 0, 0, 0, 0)) - time.timezone
    _record(registry, "gpt-4o", 0.0016, day1)
    _record(registry, "gpt-4o", 0.0016, day1 + 86_400)
    _record(registry, "gpt-5.2", 0.25, day1 + 86_400)
    _record(registry, "gpt-5.2", 9.0, day1, tenant="other")

    result = runner.invoke(app, ["usage", "--json"])
    assert result.exit_code == 0, result.output
    totals = json.loads(result.output)
    by_model = {r["model"]: r for r in totals["by_model"]}
    assert by_model["gpt-4o"]["calls"] == 2 and by_model["gpt-4o"]["cached_input_tokens"] == 400
    assert by_model["gpt-5.2"]["cost_usd"] == 0.25  # the other tenant's call is not counted
    assert [r["day"] for r in totals["by_day"]] == ["2026-03-01", "2026-03-02"]

    everyone = json.loads(runner.invoke(app, ["usage", "--json", "--all-tenants"]).output)
    assert {r["model"]: r["calls"] for r in everyone["by_model"]} == {"gpt-4o": 2, "gpt-5.2": 2}

    table = runner.invoke(app, ["usage"], env={"COLUMNS": "160"})
    assert table.exit_code == 0
    for text in ("Usage by model", "gpt-4o", "gpt-5.2", "2026-03-02", "$0.2532", "total"):
        assert text in table.output


def test_usage_with_no_calls_says_so(settings, monkeypatch) -> None:
    monkeypatch.setenv("FOLIO_DATA_DIR", str(settings.data_dir))
    result = runner.invoke(app, ["usage"])
    assert result.exit_code == 0 and "No model calls recorded yet." in result.output
    assert not settings.registry_path.exists()  # looking does not create a registry
