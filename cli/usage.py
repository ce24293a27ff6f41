"""`folio usage`: what the models cost, by model and by UTC day, from the usage ledger."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.settings import Settings
from core.storage.registry import open_registry

COLUMNS = ("calls", "input_tokens", "cached_input_tokens", "output_tokens", "cost_usd")


def register(app: typer.Typer) -> None:
    app.command("usage")(usage)


def usage(
    as_json: Annotated[bool, typer.Option("--json", help="Print the totals as JSON.")] = False,
    all_tenants: Annotated[
        bool, typer.Option("--all-tenants", help="Every tenant, not only FOLIO_TENANT_ID.")
    ] = False,
) -> None:
    """Calls, tokens (input, cached input, output) and dollars, by model and by day."""
    settings = Settings()
    if settings.registry_url is None and not settings.registry_path.exists():
        totals: dict[str, list[dict]] = {"by_model": [], "by_day": []}
    else:
        registry = open_registry(settings)
        totals = registry.usage.totals(None if all_tenants else settings.tenant_id)
    if as_json:
        sys.stdout.write(json.dumps(totals, indent=2) + "\n")
        return
    out = Console()
    if not totals["by_model"]:
        out.print("No model calls recorded yet.")
        return
    out.print(_table("Usage by model", "model", totals["by_model"]))
    out.print(_table("Usage by day (UTC)", "day", totals["by_day"]))


def _table(title: str, key: str, rows: list[dict]) -> Table:
    table = Table(title=title)
    table.add_column(key)
    for name in COLUMNS:
        table.add_column(name.replace("_", " "), justify="right")
    for row in rows:
        table.add_row(str(row[key]), *_cells(row))
    total = {name: sum(r[name] or 0 for r in rows) for name in COLUMNS}
    table.add_section()
    table.add_row("[bold]total[/bold]", *_cells(total))
    return table


def _cells(row: dict) -> list[str]:
    ints = [f"{int(row[name] or 0):,}" for name in COLUMNS[:-1]]
    return [*ints, f"${float(row['cost_usd'] or 0):,.4f}"]
