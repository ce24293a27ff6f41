"""The read path in this process, for CLI commands when no folio server answers.

This process becomes the composition root: it opens the data dir's store (if no other
process owns it), the registry and the embedder, and closes them when done.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import typer
from rich.console import Console

from client import ServerError
from core.errors import FolioError
from core.settings import Settings
from query.read_path import ReadPath, build_read_path


@contextmanager
def local_read_path(settings: Settings, err: Console) -> Iterator[ReadPath]:
    """The read path over the local data dir, opened as the API opens it; domain errors
    come out as ServerError, with the status the API would have answered."""
    from core.storage.chunks import StoreLockedError
    from core.storage.clients import open_clients

    # connect() has said why no server is used (none answers, or it serves another dir).
    err.print(f"[dim]answering in this process over {settings.data_dir}[/dim]")
    with ExitStack() as stack:
        try:
            registry, _, pages, store, embedder = open_clients(settings, None, stack, True)
        except StoreLockedError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        try:
            yield build_read_path(settings, registry, pages, store, embedder)
        except FolioError as exc:
            raise ServerError(exc.status, str(exc)) from None
