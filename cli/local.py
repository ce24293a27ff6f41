"""The read path in this process, for CLI commands when no folio server answers.

This process becomes the composition root: it opens the data dir's store (if no other
process owns it), the registry and the embedder, and closes them when done.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from api.errors import DOMAIN_ERRORS, status_of
from api.read_path import ReadPath, build_read_path
from client import ServerError
from core.settings import Settings


@contextmanager
def local_read_path(settings: Settings, err: Console) -> Iterator[ReadPath]:
    """The read path over the local data dir; domain errors come out as ServerError, with
    the status the API would have answered."""
    from core.embeddings import build_embedder
    from core.pages import PageStore
    from core.registry import open_registry
    from core.store import ChunkStore, StoreLockedError, open_client

    err.print("[dim]no folio server answers; answering in this process[/dim]")
    try:
        client = open_client(settings)
    except StoreLockedError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    try:
        embedder = build_embedder(settings)
        store = ChunkStore(client, settings.collection, embedder.dim)
        registry = open_registry(settings)
        pages = PageStore(settings.pages_dir)
        yield build_read_path(settings, registry, pages, store, embedder)
    except DOMAIN_ERRORS as exc:
        raise ServerError(status_of(exc), str(exc)) from None
    finally:
        client.close()
