"""`folio search "query"`: the passages that answer it, ranked, with their pages; no model.

Goes through a running folio server (`--url`, or one at FOLIO_URL / the configured host
and port); with none, it searches in this process over the local data dir.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.client import FolioClient, ServerError, default_url
from cli.local import local_read_path
from core.logs import configure_cli_logging
from core.settings import Settings


def register(app: typer.Typer) -> None:
    app.command("search")(search)


def search(
    query: Annotated[str, typer.Argument(help="What to find, in plain language.")],
    doc: Annotated[
        list[str] | None,
        typer.Option("--doc", help="Document id to search (repeat; default: all)."),
    ] = None,
    k: Annotated[int, typer.Option("-k", "--k", help="How many passages.", min=1, max=100)] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON response.")] = False,
    url: Annotated[str | None, typer.Option(help="Server URL (default: a local one).")] = None,
) -> None:
    """Find the passages that answer QUERY, best first, each with its document and pages."""
    settings = Settings()
    configure_cli_logging(settings)
    out, err = Console(), Console(stderr=True)
    body = {"query": query, "document_ids": doc or None, "k": k}
    try:
        result = _search(body, url, settings, err)
    except ServerError as exc:
        err.print(f"[red]error ({exc.status_code}):[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except httpx.HTTPError as exc:
        err.print(f"[red]error:[/red] the server stopped answering ({type(exc).__name__})")
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    else:
        out.print(_table(result))


def _search(body: dict, url: str | None, settings: Settings, err: Console) -> dict:
    with FolioClient(url or default_url(settings)) as client:
        if client.healthy():
            return client.search(body)
    if url is not None:
        err.print(f"[red]error:[/red] no folio server answers at {url} (is `folio serve` running?)")
        raise typer.Exit(2)
    from api.schemas_search import SearchResponse
    from api.search import search as search_passages

    with local_read_path(settings, err) as rp:
        found = search_passages(rp, body["query"], body["document_ids"], body["k"])
        return SearchResponse.of(found).model_dump()


def _table(result: dict) -> Table:
    table = Table(title=f"{len(result['results'])} passages in {result['latency_ms']:.0f} ms")
    for column, style in (("#", "bold"), ("document", "cyan"), ("pages", ""), ("score", "")):
        table.add_column(column, style=style, no_wrap=True)
    table.add_column("text", overflow="fold")
    for p in result["results"]:
        first, last = p["pages"]
        pages = str(first) if first == last else f"{first}-{last}"
        text = " ".join(p["text"].split())
        text = text if len(text) <= 400 else text[:397] + "..."
        table.add_row(str(p["rank"]), p["filename"], pages, f"{p['score']:.3f}", escape(text))
    return table
