"""`folio review --fields cuad`: a table of documents x fields, each cell a typed value
with the page it stands on; with a progress bar, then the table (or --json), and --csv /
--xlsx to export it.

Through a running folio server (a worker fills the table) or, with none, in this process
over the local data dir (the same filling, one document at a time).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.errors import reported
from cli.local import local_read_path
from cli.options import AsJson, ServerUrl
from cli.server import connect
from cli.session import Session
from client import FolioClient


def register(app: typer.Typer) -> None:
    app.command("review")(review)


def review(
    fields: Annotated[
        str, typer.Option(help="A preset (cuad: CUAD's 41 clauses) or a JSON file of fields.")
    ] = "cuad",
    doc: Annotated[
        list[str] | None, typer.Option("--doc", help="Document id (repeat; default: all ready).")
    ] = None,
    mode: Annotated[str, typer.Option(help="auto, stuff or rag.")] = "auto",
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", help="Refuse a table estimated above this ($).")
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the table as CSV here.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write it as xlsx here.")] = None,
    as_json: AsJson = False,
    url: ServerUrl = None,
) -> None:
    """Review documents field by field; prints each document's found fields with their pages."""
    s = Session.start()
    body = {"fields": _fields(fields), "document_ids": doc or None, "mode": mode}
    if max_cost is not None:
        body["max_cost_usd"] = max_cost
    with reported(s.err):
        client = connect(s.settings, url, s.err)
        with _bar(s, as_json) as bar:
            if client is not None:
                result, files = _remote(client, body, bar, [f for f in (csv, xlsx) if f])
            else:
                result, files = _local(s, body, bar, [f for f in (csv, xlsx) if f])
    for path, content in files.items():
        path.write_bytes(content)
        s.err.print(f"wrote {path}")
    if as_json:
        s.print_json(result)
    else:
        _show(s, result)


def _fields(spec: str) -> str | list | dict:
    """A preset's name as it is; a file's JSON (a list of fields or a JSON Schema)."""
    path = Path(spec)
    if path.suffix == ".json" or path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise typer.BadParameter(f"cannot read fields from {path}: {exc}") from None
    return spec


def _bar(s: Session, quiet: bool) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    return Progress(*columns, console=s.err, disable=quiet, transient=True)


def _remote(client: FolioClient, body: dict, bar: Progress, exports: list[Path]):
    with client:
        made = client.create_review(body)
        task = bar.add_task("filling cells", total=made["progress"]["cells_total"])
        while True:
            result = client.review(made["id"])
            bar.update(task, completed=result["progress"]["cells_done"])
            if result["status"] not in ("queued", "running"):
                break
            time.sleep(0.5)
        files = {p: client.export_review(made["id"], p.suffix.lstrip(".")) for p in exports}
    return result, files


def _local(s: Session, body: dict, bar: Progress, exports: list[Path]):
    from query.reviews import export, service
    from query.reviews.run import fill_next
    from query.reviews.views import review_view

    class _Here:  # no worker here: this process fills the table itself
        def enqueue_review(self, review_id: str) -> None:
            pass

    with local_read_path(s.settings, s.err) as rp:
        request = service.ReviewRequest(
            body["fields"], body["document_ids"], body["mode"], None, body.get("max_cost_usd")
        )
        made = service.start(rp, request, _Here())
        task = bar.add_task("filling cells", total=made.cells_total)
        while fill_next(rp, made.id):
            bar.update(task, completed=service.get(rp, made.id)[0].cells_done)
        done, cells = service.get(rp, made.id)
        files = {p: export.render(done, cells, p.suffix.lstrip(".")) for p in exports}
        return review_view(done, cells), files


def _show(s: Session, result: dict) -> None:
    s.out.print(
        f"[bold]Review {result['id']}[/bold]: {result['status']}, ${result['cost_usd']:.4f}"
    )
    if result.get("error"):
        s.out.print(f"[red]{escape(result['error'])}[/red]")
    for row in result.get("rows", []):
        found = {n: c for n, c in row["cells"].items() if c["found"]}
        s.out.print(f"\n[bold]{escape(row['filename'])}[/bold]: {len(found)} of"
                    f" {len(row['cells'])} fields found")  # fmt: skip
        for name, cell in found.items():
            page = cell["citations"][0]["page"] if cell["citations"] else "-"
            value = (
                cell["value"] if not isinstance(cell["value"], list) else "; ".join(cell["value"])
            )
            shown = str(value) if len(str(value)) <= 100 else str(value)[:97] + "..."
            s.out.print(f"  {escape(name)}: {escape(shown)} [dim](p. {page})[/dim]")
