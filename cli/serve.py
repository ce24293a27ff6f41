"""`folio serve`: the HTTP API (and, in embedded mode, its worker) under uvicorn."""

from __future__ import annotations

import socket
from typing import Annotated

import typer
from rich.console import Console

from core.access.admin_key import ensure_admin_key, saved_key_valid
from core.access.binding import UnsafeBindError, require_safe_bind
from core.access.keys import KeyStore
from core.logs import configure_logging, secret_values
from core.settings import Settings
from core.storage.chunks import StoreLockedError
from core.storage.registry import open_registry
from core.storage.stores import open_client


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
    try:
        require_safe_bind(settings, host)
    except UnsafeBindError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if not _port_free(host, port):
        err.print(
            f"[red]error:[/red] {host}:{port} is in use (is folio already serving there?)."
            " Pick another with --port, or FOLIO_PORT (FOLIO_PORT=8001 make serve)."
        )
        raise typer.Exit(2)
    if settings.embedded_broker and settings.embedded_store:
        try:  # fail with a sentence, not a start-up traceback, when another process owns it
            open_client(settings).close()
        except StoreLockedError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
    if settings.auth == "on":
        _admin_key(settings, host, port, err)
    uvicorn.run(build_app(settings), host=host, port=port, log_config=None)


def _admin_key(settings: Settings, host: str, port: int, err: Console) -> None:
    """First start: make the local admin key and show it, this once."""
    settings.ensure_dirs()
    registry = open_registry(settings)
    try:
        keys = KeyStore(registry)
        secret = ensure_admin_key(settings, keys)
        valid = saved_key_valid(settings, keys)
    finally:
        registry.close()
    path = settings.admin_key_path
    if secret is not None:
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        # Straight to the terminal, never through logging: it is shown this once.
        Console().print(
            "\n[bold]folio: your operator key[/bold] (manages every tenant's keys; shown once;"
            f" saved in {path}, mode 0600):\n\n  {secret}\n\n"
            "Send it with every request, e.g.\n"
            f'  curl -H "Authorization: Bearer $(cat {path})" {url}/documents\n'
            "The folio CLI on this machine reads it from there. More keys, one per tenant:"
            " `folio keys create --tenant NAME`.\n",
            highlight=False,
            soft_wrap=True,
        )
    elif not valid:
        err.print(
            f"[yellow]warning:[/yellow] the key saved in {path} is not valid here (revoked, or"
            " made for another registry). Delete the file to get a new admin key on the"
            " next start, or use one from `folio keys create --admin`."
        )


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
