"""`folio search "query"`: the passages that answer it, ranked, with their pages; no model.

Goes through a running folio server (`--url`, or one at FOLIO_URL / the configured host
and port); with none, it searches in this process over the local data dir.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.errors import reported
from cli.local import local_read_path
from cli.options import AsJson, ServerUrl
from cli.server import connect
from cli.session import Session
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
    as_json: AsJson = False,
    url: ServerUrl = None,
) -> None:
    """Find the passages that answer QUERY, best first, each with its document and pages."""
    s = Session.start()
    body = {"query": query, "document_ids": doc or None, "k": k}
    with reported(s.err):
        result = _search(body, url, s.settings, s.err)
    if as_json:
        s.print_json(result)
    else:
        s.out.print(_table(result))


def _search(body: dict, url: str | None, settings: Settings, err: Console) -> dict:
    client = connect(settings, url, err)
    if client is not None:
        with client:
            return client.search(body)
    from query.search import search as search_passages
    from query.views import search_view

    with local_read_path(settings, err) as rp:
        return search_view(search_passages(rp, body["query"], body["document_ids"], body["k"]))


def _table(result: dict) -> Table:
    table = Table(title=f"{len(result['results'])} passages in {result['latency_ms']:.0f} ms")
    table.add_column("#", style="bold", no_wrap=True)
    table.add_column("document", style="cyan", overflow="fold", max_width=24)
    table.add_column("pages", no_wrap=True)
    table.add_column("score", no_wrap=True)
    table.add_column("text", overflow="fold", min_width=30, ratio=1)
    for p in result["results"]:
        first, last = p["pages"]
        pages = str(first) if first == last else f"{first}-{last}"
        text = " ".join(p["text"].split())
        text = text if len(text) <= 400 else text[:397] + "..."
        table.add_row(str(p["rank"]), p["filename"], pages, f"{p['score']:.2f}", escape(text))
    return table
