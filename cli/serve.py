"""`folio serve`: the HTTP API (and, in embedded mode, its worker) under uvicorn."""

from __future__ import annotations

import socket
from typing import Annotated

import typer
from rich.console import Console

from core.logs import configure_logging, secret_values
from core.settings import Settings
from core.store import StoreLockedError, open_client


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (FOLIO_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (FOLIO_PORT).")] = None,
) -> None:
    """Serve the REST API at /docs; ingests uploads too unless FOLIO_BROKER_URL is set.

    With no FOLIO_BROKER_URL the worker runs in this process over an embedded queue;
    otherwise start `folio worker` processes.
    """
    import uvicorn

    from cli.service import build_app

    settings = Settings()
    host, port = host or settings.host, port or settings.port
    err = Console(stderr=True)
    configure_logging(settings.log_level, settings.log_json, secret_values(settings))
    if not _port_free(host, port):
        err.print(
            f"[red]error:[/red] {host}:{port} is in use (is folio already serving there?)."
            " Pick another with --port."
        )
        raise typer.Exit(2)
    if settings.embedded_broker and settings.embedded_store:
        try:  # fail with a sentence, not a start-up traceback, when another process owns it
            open_client(settings).close()
        except StoreLockedError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
    uvicorn.run(build_app(settings), host=host, port=port, log_config=None)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
