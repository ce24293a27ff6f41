"""The local admin key, the operator's: made by `folio serve` on first start, kept in the
data directory (core/access/roles.py says what an operator key may do).

The file (DATA_DIR/admin.key, mode 0600) is how the CLI on the same machine finds a key
with no set-up step; FOLIO_API_KEY overrides it (a server elsewhere, another tenant).
"""

from __future__ import annotations

import os
from pathlib import Path

from core.access.keys import KeyStore
from core.settings import Settings

NAME = "operator (folio serve)"


def read_key_file(path: Path) -> str | None:
    """The key saved at `path`, or None when there is none (or it cannot be read)."""
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def client_key(settings: Settings) -> str | None:
    """The key a client of this machine's server sends: FOLIO_API_KEY, else the saved one."""
    if settings.api_key is not None:
        return settings.api_key.get_secret_value()
    return read_key_file(settings.admin_key_path)


def ensure_admin_key(settings: Settings, keys: KeyStore) -> str | None:
    """Create the operator key (of FOLIO_TENANT_ID) and save it (0600) if the data dir has
    none; return its secret when created now (to show once), else None. A key saved by a
    folio from before operators existed (an admin of every tenant then) is made the
    operator's: whoever reads this file runs the machine."""
    path = settings.admin_key_path
    if path.exists():
        saved = keys.verify(read_key_file(path) or "")
        if saved is not None and not saved.operator:
            keys.make_operator(saved.id)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    _, secret = keys.create(settings.tenant_id, name=NAME, operator=True)
    # O_EXCL: two servers starting at once cannot both write; mode 0600 from the start.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret + "\n")
    return secret


def saved_key_valid(settings: Settings, keys: KeyStore) -> bool:
    """False when the saved key no longer opens this registry (revoked, or another one)."""
    secret = read_key_file(settings.admin_key_path)
    return secret is None or keys.verify(secret) is not None
