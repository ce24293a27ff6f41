"""`folio worker`: a separate ingestion worker process, for server mode.

With FOLIO_BROKER_URL (e.g. redis://127.0.0.1:6379/0) the API only queues uploads and
any number of these processes ingest them. Each uses the solo pool (one document at a
time: embedding already uses every core); scale out by starting more. This process is
the worker's composition root: it builds the ingestion clients once.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Annotated

import typer
from rich.console import Console

from core.logs import configure_logging, secret_values
from core.settings import Settings
from core.storage.chunks import StoreLockedError


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    name: Annotated[
        str | None, typer.Option(help="Worker name (default folio-<pid>@<host>).")
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Exit 0 if the broker, registry and store answer (health)."),
    ] = False,
) -> None:
    """Run one ingestion worker until stopped (SIGTERM/Ctrl-C re-queue the current document)."""
    from celery.signals import worker_shutting_down

    from workers.app import broker_url, create_celery

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json, secret_values(settings))
    err = Console(stderr=True)
    if check:
        raise typer.Exit(_check(settings, err))
    if settings.embedded_broker:
        err.print(
            "[yellow]note:[/yellow] no FOLIO_BROKER_URL: consuming the embedded queue under"
            f" {settings.data_dir}; `folio serve` already runs a worker in embedded mode."
        )
    app = create_celery(settings)
    try:
        app.ingest_clients()  # now, so a store another process holds is said at once
    except StoreLockedError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    # Ctrl-C / SIGTERM: the document being ingested goes back to the queue for another
    # worker instead of holding this one until it is done.
    worker_shutting_down.connect(lambda **_: app.stopping.set(), weak=False)
    log = logging.getLogger("folio.worker")
    log.info("worker for %s", broker_url(settings).split("@")[-1])
    try:
        app.Worker(
            hostname=name or f"folio-{os.getpid()}@{socket.gethostname()}",
            pool_cls="solo",
            concurrency=1,
            loglevel=settings.log_level.upper(),
            without_mingle=settings.embedded_broker,
            without_gossip=settings.embedded_broker,
            without_heartbeat=settings.embedded_broker,
        ).start()
    finally:
        app.close_ingest_clients()


def _check(settings: Settings, err: Console) -> int:
    """What a container healthcheck needs: the worker's dependencies answer. An embedded
    store is not opened (the running worker owns it)."""
    from core.storage.registry import open_registry
    from core.storage.stores import open_client
    from workers.app import create_celery

    probes = {
        "registry": lambda: open_registry(settings).ping(),
        "broker": lambda: create_celery(settings).ping_broker(),
    }
    if not settings.embedded_store:
        probes["store"] = lambda: open_client(settings).get_collections()
    failed = 0
    for name, probe in probes.items():
        try:
            probe()
        except Exception as exc:  # noqa: BLE001 - any failure is unhealthy
            err.print(f"{name}: unavailable: {type(exc).__name__}: {exc}")
            failed = 1
    return failed
