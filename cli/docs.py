"""`folio docs` (or `folio documents`): the tenant's documents with their ids, for `--doc`.

Goes through a running folio server (`--url`, or one at FOLIO_URL / the configured host
and port), like `folio ask`; with none, it reads the registry of the local data dir (no
store is opened, so it works beside a worker that holds it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.errors import reported
from cli.options import AsJson, ServerUrl
from cli.server import connect
from cli.session import Session
from core.settings import Settings
from core.storage.documents import Document

#: What each document shows, in --json as in the table; the server's `GET /documents`
#: items carry more (progress, OCR, sha256), which `curl` shows.
FIELDS = ("id", "filename", "status", "pages", "chunks", "tokens", "error", "created_at")
STATUSES = ("queued", "processing", "ready", "failed")


def register(app: typer.Typer) -> None:
    app.command("docs")(docs)
    app.command("documents", hidden=True)(docs)  # the same, by its longer name


def docs(
    status: Annotated[
        str | None, typer.Option(help="Only documents in this status: " + ", ".join(STATUSES))
    ] = None,
    as_json: AsJson = False,
    url: ServerUrl = None,
) -> None:
    """List your documents, newest first: id (for --doc), name, status, pages, tokens."""
    s = Session.start()
    if status is not None and status not in STATUSES:
        s.err.print(f"[red]error:[/red] --status must be one of {', '.join(STATUSES)}")
        raise typer.Exit(2)
    with reported(s.err):
        items = _documents(status, url, s.settings, s.err)
    if as_json:
        s.print_json({"items": items, "total": len(items)})
    elif status and not items:
        s.out.print(f"No {status} documents.")
    elif not items:
        s.out.print("No documents yet: add some with `folio ingest FILE.pdf`.")
    else:
        s.out.print(_table(items))


def _documents(
    status: str | None, url: str | None, settings: Settings, err: Console
) -> list[dict[str, Any]]:
    client = connect(settings, url, err)
    if client is not None:
        with client:
            return [_fields(d) for d in client.documents(status)]
    err.print(f"[dim]listing in this process from {settings.data_dir}[/dim]")
    if settings.registry_url is None and not settings.registry_path.exists():
        return []  # nothing was ever ingested here: do not create an empty registry
    from core.storage.registry import open_registry

    registry = open_registry(settings)
    try:
        items: list[dict[str, Any]] = []
        while True:
            docs, total = registry.list(settings.tenant_id, 500, len(items), status)
            items += [_fields(_as_served(d)) for d in docs]
            if not docs or len(items) >= total:
                return items
    finally:
        registry.close()


def _as_served(doc: Document) -> dict[str, Any]:
    """A registry Document as the server's `DocumentOut` says it (ISO 8601 UTC times)."""
    created = datetime.fromtimestamp(doc.created_at, UTC).isoformat().replace("+00:00", "Z")
    return {name: getattr(doc, name) for name in FIELDS[:-1]} | {"created_at": created}


def _fields(doc: dict[str, Any]) -> dict[str, Any]:
    return {name: doc.get(name) for name in FIELDS}


def _table(items: list[dict[str, Any]]) -> Table:
    n = len(items)
    # A light box: the ids take 36 columns, and the names need the rest.
    title = f"{n} document{'s' if n != 1 else ''}"
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("name", overflow="fold", ratio=1)
    table.add_column("status", overflow="fold", max_width=40)
    table.add_column("pages", justify="right")
    table.add_column("tokens", justify="right")
    for d in items:
        state = d["status"]
        if d["error"]:
            state = f"{state}: {d['error']}"
        table.add_row(
            d["id"], escape(d["filename"]), escape(state), str(d["pages"]), f"{d['tokens']:,}"
        )
    return table
