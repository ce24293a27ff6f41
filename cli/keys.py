"""`folio keys create | list | revoke`: API keys and their tenants, in the registry.

These work on the registry FOLIO_REGISTRY_URL (or the data dir) names, with or without a
running server, with the operator's powers; a revoked key is refused by the server from
its next request. Over /keys, an operator key does the same for every tenant and an
admin key for its own tenant (core/access/roles.py).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.access.keys import ApiKey, KeyRequestError, KeyStore, LastOperatorError
from core.access.roles import KeyRequest, Manager
from core.settings import Settings
from core.storage.registry import open_registry

# Whoever runs the CLI on this machine reaches the registry itself: the operator's powers.
OPERATOR = Manager(tenant_id="", admin=True, operator=True)

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
    admin: Annotated[
        bool, typer.Option(help="May manage its own tenant's keys over /keys.")
    ] = False,
    operator: Annotated[
        bool, typer.Option(help="May manage every tenant's keys (as `folio serve`'s key).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the key as JSON.")] = False,
) -> None:
    """Create a key and print it, this once: only its hash is kept. This machine's CLI
    acts as the operator: any tenant, any role."""
    store = _store()
    request = KeyRequest(tenant, name, admin, budget_usd, rpm, operator, tenant_budget_usd)
    try:
        key, secret = OPERATOR.create(store, request)
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
    for column in ("id", "tenant", "name", "starts", "role", "budget $/month", "rpm", "created"):
        table.add_column(column)
    table.add_column("revoked")
    for k in keys:
        table.add_row(
            k.id,
            k.tenant_id,
            k.name,
            k.prefix + "…",
            k.role,
            "" if k.budget_usd is None else f"{k.budget_usd:,.2f}",
            "" if k.rpm is None else str(k.rpm),
            _when(k.created_at),
            _when(k.revoked_at) if k.revoked_at else "",
        )
    Console().print(table if keys else "No keys yet (`folio serve` makes the first).")


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (key_…).")]) -> None:
    """Revoke a key: the server refuses it from its next request (not the last operator key)."""
    try:
        key = _store().revoke(key_id)
    except LastOperatorError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if key is None:
        Console(stderr=True).print(f"[red]error:[/red] no key {key_id} (see `folio keys list`)")
        raise typer.Exit(1)
    Console().print(f"revoked {key.id} (tenant {key.tenant_id})")


def _row(key: ApiKey) -> dict:
    return vars(key) | {"tenant": key.tenant_id, "role": key.role}


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts or 0, UTC).strftime("%Y-%m-%d %H:%M")
