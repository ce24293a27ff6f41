"""Where folio may serve without keys: FOLIO_AUTH=off only on a loopback address."""

from __future__ import annotations

import ipaddress

from core.settings import Settings


class UnsafeBindError(RuntimeError):
    """FOLIO_AUTH=off on an address other hosts can reach."""


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_safe_bind(settings: Settings, host: str | None = None) -> None:
    """Refuse to serve without keys on an address other machines can reach."""
    host = host or settings.host
    if settings.auth == "off" and not is_loopback(host):
        raise UnsafeBindError(
            f"FOLIO_AUTH=off is allowed only on a loopback address, not {host!r}: anyone who"
            " reaches the port could read and delete every document. Bind 127.0.0.1, or"
            " keep FOLIO_AUTH=on and use keys (README, Keys and tenants)."
        )
