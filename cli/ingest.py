"""`folio ingest FILE...`: parse, chunk, embed and store PDFs, with progress and a summary.

While a folio server runs (`--url`, or one answering at FOLIO_URL / the configured host
and port) the files go through its REST API, since the embedded store has one owner;
otherwise they are ingested in this process. There the first file starts parsing, in
its own child, before the pipeline's imports (llama-index and the embedder's: about 3 s on
one core), so both cores work from the start.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from cli.server import connect
from client import FolioClient, ServerError
from core.logs import configure_cli_logging
from core.settings import Settings
from core.storage.chunks import StoreLockedError
from core.storage.documents import Document

if TYPE_CHECKING:
    from ingest.ingestor import Ingestor

FIELDS = ("document_id", "filename", "sha256", "status", "pages", "chunks", "tokens", "error")
ShowFn = Callable[..., None]  # pages_parsed, chunks_embedded, chunks_total, pages_ocr


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)


def ingest(
    files: Annotated[list[Path], typer.Argument(help="PDF files to ingest.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per document.")] = False,
    force: Annotated[bool, typer.Option(help="Re-ingest files already ingested.")] = False,
    password: Annotated[str | None, typer.Option(help="Password for encrypted PDFs.")] = None,
    url: Annotated[
        str | None,
        typer.Option(help="Upload through the folio server at this URL (default: a local one)."),
    ] = None,
) -> None:
    """Ingest PDFs into the local store; exits 1 if any document failed."""
    settings = Settings()
    configure_cli_logging(settings)
    err = Console(stderr=True)
    client = connect(settings, url, err)
    if client is not None:
        with client:
            rows = [_upload_one(path, client, force, password, err, as_json) for path in files]
    else:
        try:
            ing = _local_ingestor(settings, files[0] if files else None, password)
        except StoreLockedError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        try:
            rows = _ingest_all(files, ing, settings.tenant_id, force, password, err, as_json)
        finally:  # flushed and released here, not left to the interpreter's exit
            ing.parsers.close()
            ing.store.client.close()
            ing.registry.close()
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
    else:
        Console().print(_table(rows))
    if any(row["status"] != "ready" for row in rows):
        raise typer.Exit(1)


def _local_ingestor(settings: Settings, first: Path | None, password: str | None) -> Ingestor:
    """The in-process ingestor, with `first` already parsing ahead (module doc)."""
    from core.storage.files import FileStore
    from ingest.limits import IngestLimits
    from ingest.ocr import OcrOptions
    from ingest.sandbox import Parsers, parse_job

    files, parsers = FileStore(settings.files_dir), Parsers()
    limits = IngestLimits.from_settings(settings)
    if first is not None and first.is_file() and limits.isolate:
        sha, _ = files.put_file(first)
        ocr = OcrOptions.from_settings(settings)
        parsers.ahead(parse_job(files.path_for(sha), password, limits, ocr))
    try:
        # slow (imports, the embedder loading): meanwhile the child parses the first file
        from ingest.ingestor import build_ingestor

        return build_ingestor(settings, files=files, parsers=parsers)
    except BaseException:
        parsers.close()
        raise


def _upload_one(
    path: Path,
    client: FolioClient,
    force: bool,
    password: str | None,
    err: Console,
    quiet: bool,
) -> dict:
    if not path.is_file():
        return _row(None, path.name, error=f"no such file: {path}")
    try:
        doc, created = client.upload(path, password)
        if not created and force and doc["status"] in ("ready", "failed"):
            client.delete(doc["id"])
            doc, created = client.upload(path, password)
        with _progress(path.name, err, quiet) as show:
            doc = client.wait(
                doc["id"],
                on_progress=lambda d: show(
                    d["progress"]["pages_parsed"],
                    d["progress"]["chunks_embedded"],
                    d["progress"]["chunks_total"],
                    d["progress"].get("pages_ocr", 0),
                ),
            )
    except ServerError as exc:
        return _row(None, path.name, error=str(exc))
    except httpx.HTTPError as exc:
        return _row(None, path.name, error=f"server unreachable: {type(exc).__name__}")
    return {k: doc.get("id" if k == "document_id" else k) for k in FIELDS}


def _ingest_all(
    paths: list[Path],
    ing: Ingestor,
    tenant: str,
    force: bool,
    password: str | None,
    err: Console,
    quiet: bool,
) -> list[dict]:
    """Ingest the files in order; each next document starts parsing (in its own child)
    while the one before it embeds, so no core idles between two documents."""
    from ingest.pipeline import parse_ahead

    created: set[str] = set()  # documents this run registered
    registered = (_register(path, ing, tenant, created) for path in paths)  # one file ahead
    rows: list[dict] = []
    current = next(registered, None)
    upcoming = None
    try:
        while current is not None:
            upcoming = next(registered, None)
            if isinstance(upcoming, Document) and (force or upcoming.status != "ready"):
                parse_ahead(upcoming.id, ing, password)
            if isinstance(current, Document):
                current = _ingest_one(current, ing, force, password, err, quiet)
            rows.append(current)
            current = upcoming
    finally:  # stopped early (Ctrl-C): a file registered ahead and never started goes again
        if isinstance(upcoming, Document) and upcoming.id in created:
            _unregister(upcoming, ing)
    return rows


def _register(path: Path, ing: Ingestor, tenant: str, created: set[str]) -> Document | dict:
    """The file stored and registered (a document row), or the row of why it cannot be."""
    if not path.is_file():
        return _row(None, path.name, error=f"no such file: {path}")
    sha, size = ing.files.put_file(path)
    doc, new = ing.registry.create_or_get(tenant, path.name, sha, size)
    if new:
        created.add(doc.id)
    return doc


def _unregister(doc: Document, ing: Ingestor) -> None:
    """Remove a document this run registered, if it is still only queued (no job of a
    server's queue waits for it, so it would stay queued)."""
    fresh = ing.registry.get(doc.id)
    if fresh is not None and fresh.status == "queued":
        ing.registry.delete(doc.id)
        ing.files.delete_unused(doc.sha256, ing.registry.file_in_use)


def _ingest_one(
    doc: Document,
    ing: Ingestor,
    force: bool,
    password: str | None,
    err: Console,
    quiet: bool,
) -> dict:
    from ingest.pipeline import ingest_document

    fresh = ing.registry.get(doc.id) or doc  # a file given twice is ready by its second turn
    if fresh.status == "ready" and not force:
        return _row(fresh)  # same bytes already ingested: a no-op
    with _progress(doc.filename, err, quiet) as show:
        ingest_document(
            doc.id,
            ing,
            password=password,
            on_progress=lambda d: show(
                d.pages_parsed, d.chunks_embedded, d.chunks_total, len(d.ocr_pages)
            ),
        )
    return _row(ing.registry.get(doc.id))


@contextmanager
def _progress(name: str, err: Console, quiet: bool) -> Iterator[ShowFn]:
    """A progress bar on stderr: pages parsed, then chunks embedded."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[stage]}"),
        console=err,
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task(name[:40], total=None, stage="parsing")

        def show(pages_parsed: int, chunks_embedded: int, chunks_total: int, ocr: int = 0) -> None:
            if chunks_total:
                bar.update(
                    task, total=chunks_total, completed=chunks_embedded, stage="chunks embedded"
                )
            else:
                stage = f"pages parsed ({ocr} by OCR)" if ocr else "pages parsed"
                bar.update(task, completed=pages_parsed, stage=stage)

        yield show


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
