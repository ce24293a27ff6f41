"""Which folio server a CLI command talks to, if any.

`--url` names one, and it must answer; FOLIO_URL names one too, used when it answers. A
server found at the configured host and port is used only if it serves the configured
data directory (its /healthz instance id is the data dir's), so a second instance's CLI
never reads or writes the first one's documents. Otherwise the command works in this
process. Either way stderr says which.
"""

from __future__ import annotations

import typer
from rich.console import Console

from client import FolioClient, default_url
from core.access.admin_key import client_key
from core.instance import read_instance_id
from core.settings import Settings


def connect(settings: Settings, url: str | None, err: Console) -> FolioClient | None:
    """The client of the server to use, or None to work in-process over the data dir."""
    named = url or settings.url  # chosen by the user: used whatever data dir it serves
    client = FolioClient(named or default_url(settings), api_key=client_key(settings))
    health = client.health()
    if health is not None and (named or _serves(health, settings)):
        err.print(f"[dim]using the folio server at {client.base_url}[/dim]")
        return client
    client.close()
    if url is not None:
        err.print(f"[red]error:[/red] no folio server answers at {url} (is it running?)")
        raise typer.Exit(2)
    if health is not None:
        err.print(
            f"[yellow]the folio server at {client.base_url} serves another data directory;"
            f" working in this process on {settings.data_dir}[/yellow]"
        )
    return None


def _serves(health: dict, settings: Settings) -> bool:
    mine = read_instance_id(settings.data_dir)
    return mine is not None and health.get("instance_id") == mine
