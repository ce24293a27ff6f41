"""`folio ingest FILE...`: parse, chunk, embed and store PDFs, with progress and a summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from core.logs import configure_logging
from core.registry import Document
from core.settings import Settings
from core.store import StoreLockedError
from ingest.pipeline import Ingestor, build_ingestor, ingest_document

FIELDS = ("document_id", "filename", "sha256", "status", "pages", "chunks", "tokens", "error")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)


def ingest(
    files: Annotated[list[Path], typer.Argument(help="PDF files to ingest.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per document.")] = False,
    force: Annotated[bool, typer.Option(help="Re-ingest files already ingested.")] = False,
    password: Annotated[str | None, typer.Option(help="Password for encrypted PDFs.")] = None,
) -> None:
    """Ingest PDFs into the local store; exits 1 if any document failed."""
    settings = Settings()
    configure_logging("WARNING" if settings.log_level.upper() == "INFO" else settings.log_level)
    err = Console(stderr=True)
    try:
        ing = build_ingestor(settings)
    except StoreLockedError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    rows = [
        _ingest_one(path, ing, settings.tenant_id, force, password, err, as_json) for path in files
    ]
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
    else:
        Console().print(_table(rows))
    if any(row["status"] != "ready" for row in rows):
        raise typer.Exit(1)


def _ingest_one(
    path: Path,
    ing: Ingestor,
    tenant: str,
    force: bool,
    password: str | None,
    err: Console,
    quiet: bool,
) -> dict:
    if not path.is_file():
        return _row(None, path.name, error=f"no such file: {path}")
    sha, size = ing.files.put_file(path)
    doc, created = ing.registry.create_or_get(tenant, path.name, sha, size)
    if not created and doc.status == "ready" and not force:
        return _row(doc)  # same bytes already ingested: a no-op
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[stage]}"),
        console=err,
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task(path.name[:40], total=None, stage="parsing")

        def show(d: Document) -> None:
            if d.chunks_total:
                bar.update(
                    task, total=d.chunks_total, completed=d.chunks_embedded, stage="chunks embedded"
                )
            else:
                bar.update(task, completed=d.pages_parsed, stage="pages parsed")

        ingest_document(doc.id, ing, password=password, on_progress=show)
    return _row(ing.registry.get(doc.id))


def _row(doc: Document | None, filename: str = "", error: str | None = None) -> dict:
    if doc is None:
        return dict.fromkeys(FIELDS) | {"filename": filename, "status": "failed", "error": error}
    return {
        "document_id": doc.id,
        "filename": doc.filename,
        "sha256": doc.sha256,
        "status": doc.status,
        "pages": doc.pages,
        "chunks": doc.chunks,
        "tokens": doc.tokens,
        "error": doc.error,
    }


def _table(rows: list[dict]) -> Table:
    table = Table(title="folio ingest")
    for name in ("filename", "status", "pages", "chunks", "tokens", "error"):
        table.add_column(name, overflow="fold")
    for row in rows:
        style = "green" if row["status"] == "ready" else "red"
        table.add_row(
            row["filename"],
            f"[{style}]{row['status']}[/{style}]",
            *(str(row[k] or "") for k in ("pages", "chunks", "tokens", "error")),
        )
    return table
