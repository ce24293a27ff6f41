"""How a CLI command reports a refused request or a server that stopped answering."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from client import ServerError


@contextmanager
def reported(err: Console) -> Iterator[None]:
    """Print the server's refusal (exit 1) or a lost connection (exit 2) on `err`."""
    try:
        yield
    except ServerError as exc:
        err.print(f"[red]error ({exc.status_code}):[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except httpx.HTTPError as exc:
        err.print(f"[red]error:[/red] the server stopped answering ({type(exc).__name__})")
        raise typer.Exit(2) from None
