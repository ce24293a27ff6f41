"""`folio keys create | list | revoke`: API keys and their tenants, in the registry.

These work on the registry FOLIO_REGISTRY_URL (or the data dir) names, with or without a
running server; a revoked key is refused by the server from its next request. Remote
admins do the same over /keys with an admin key.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.access.keys import ApiKey, KeyRequestError, KeyStore
from core.settings import Settings
from core.storage.registry import open_registry

keys_app = typer.Typer(
    help="API keys: create (one tenant each), list, revoke.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


def _store() -> KeyStore:
    settings = Settings()
    settings.ensure_dirs()
    return KeyStore(open_registry(settings))


@keys_app.command("create")
def create(
    tenant: Annotated[str, typer.Option(help="The tenant it acts for; created if new.")],
    name: Annotated[str, typer.Option(help="A label: who or what holds it.")] = "",
    budget_usd: Annotated[
        float | None, typer.Option(help="Monthly cap on this key's model spend, in dollars.")
    ] = None,
    rpm: Annotated[int | None, typer.Option(help="Requests per minute this key may make.")] = None,
    tenant_budget_usd: Annotated[
        float | None, typer.Option(help="Set the tenant's monthly cap (all its keys).")
    ] = None,
    admin: Annotated[bool, typer.Option(help="May manage keys over /keys.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the key as JSON.")] = False,
) -> None:
    """Create a key and print it, this once: only its hash is kept."""
    store = _store()
    try:
        key, secret = store.create(tenant, name, admin, budget_usd, rpm)
        if tenant_budget_usd is not None:
            store.set_tenant_budget(tenant, tenant_budget_usd)
    except KeyRequestError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps({"key": _row(key), "secret": secret}, indent=2) + "\n")
        return
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"created {key.id} for tenant {key.tenant_id}; the key (shown once, not kept):")
    out.print(f"\n  {secret}\n")
    out.print(f"Send it as: Authorization: Bearer {secret[:10]}…  (or FOLIO_API_KEY for the CLI)")


@keys_app.command("list")
def list_keys(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON.")] = False,
) -> None:
    """Every key (never a secret): id, tenant, name, limits, created, revoked."""
    keys = _store().list(tenant)
    if as_json:
        sys.stdout.write(json.dumps([_row(k) for k in keys], indent=2) + "\n")
        return
    table = Table(title="API keys")
    for column in ("id", "tenant", "name", "starts", "admin", "budget $/month", "rpm", "created"):
        table.add_column(column)
    table.add_column("revoked")
    for k in keys:
        table.add_row(
            k.id,
            k.tenant_id,
            k.name,
            k.prefix + "…",
            "yes" if k.admin else "",
            "" if k.budget_usd is None else f"{k.budget_usd:,.2f}",
            "" if k.rpm is None else str(k.rpm),
            _when(k.created_at),
            _when(k.revoked_at) if k.revoked_at else "",
        )
    Console().print(table if keys else "No keys yet (`folio serve` makes the first).")


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (key_…).")]) -> None:
    """Revoke a key: the server refuses it from its next request."""
    key = _store().revoke(key_id)
    if key is None:
        Console(stderr=True).print(f"[red]error:[/red] no key {key_id} (see `folio keys list`)")
        raise typer.Exit(1)
    Console().print(f"revoked {key.id} (tenant {key.tenant_id})")


def _row(key: ApiKey) -> dict:
    return vars(key) | {"tenant": key.tenant_id}


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts or 0, UTC).strftime("%Y-%m-%d %H:%M")
