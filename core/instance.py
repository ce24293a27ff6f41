"""The data directory's instance id: which folio server serves which data directory.

`folio serve` keeps a random id in the data dir and returns it from /healthz; a CLI
command uses a server only if its id is the one in the data dir it is configured for, so
a second instance's CLI never reads or writes the first one's documents.
"""

from __future__ import annotations

import secrets
from pathlib import Path

FILE = "instance_id"


def ensure_instance_id(data_dir: Path) -> str:
    """The data dir's id, created on first use (by the server that will serve it)."""
    path = data_dir / FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16) + "\n")
    return path.read_text().strip()


def read_instance_id(data_dir: Path) -> str | None:
    """The data dir's id, or None when no server has served it yet."""
    path = data_dir / FILE
    return path.read_text().strip() if path.exists() else None
