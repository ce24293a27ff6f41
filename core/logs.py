"""Logging set-up for every entry point: plain or JSON lines, pypdf's chatter kept quiet.

Every record gets the `request_id` of the HTTP request (or the queued task) it belongs to,
from a context variable the API's middleware and the worker's task set; configured secret
values are masked wherever they would appear.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from pydantic import SecretStr

if TYPE_CHECKING:
    from core.settings import Settings

MASK = "[redacted]"
#: Secrets shorter than this are not masked: they would mangle every line holding them.
MIN_SECRET_LEN = 4
# Variables named like this hold a credential, e.g. a catalog endpoint's `api_key_env`.
_SECRET_ENV = re.compile(r"(API_KEY|PASSWORD|SECRET|TOKEN)$", re.IGNORECASE)

_request_id: ContextVar[str | None] = ContextVar("folio_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or task) the running code serves, if any."""
    return _request_id.get()


def set_request_id(request_id: str | None) -> Token:
    """Make `request_id` the current one; pass the token to `reset_request_id` after."""
    return _request_id.set(request_id)


def reset_request_id(token: Token) -> None:
    _request_id.reset(token)


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    """Run a block with `request_id` as the current one; the previous one is restored."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (None outside a request or task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


# Credentials by their shape, whoever's they are: an upstream server echoing our headers
# (or its own) must not put them in a log line or a response.
_CREDENTIAL = re.compile(
    r"(?i)\b(?P<scheme>bearer)(?P<sep>\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|\b(?:sk|pk|rk)-[A-Za-z0-9_-]{8,}"
    r"|\bfolio_[A-Za-z0-9_-]{32,}"  # folio's own API keys (core.access.keys)
    r"|(?P<field>(?:authorization|proxy-authorization|x-api-key|api[-_]?key|access[-_]?token"
    r"|password|secret)[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?)[^\s\"',;}]{4,}"
)


def _mask_credential(match: re.Match) -> str:
    if match.group("scheme"):
        return f"{match.group('scheme')}{match.group('sep')}{MASK}"
    if match.group("field"):
        return f"{match.group('field')}{MASK}"
    return MASK


class Redactor:
    """Masks the given secret values, and anything shaped like a credential (bearer tokens,
    `sk-…` keys, `api_key=…`), in a piece of text. The one redaction used by the logs
    (RedactingFilter) and by model errors that reach a response (core.llm.openai_chat)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LEN}, key=len)
        # Longest first, so a secret that contains another is masked whole.
        alternatives = "|".join(re.escape(s) for s in reversed(values))
        self._pattern = re.compile(alternatives) if values else None

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return _CREDENTIAL.sub(_mask_credential, text)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with `secrets` and credential-shaped strings masked (see Redactor)."""
    return Redactor(secrets)(text)


class RedactingFilter(logging.Filter):
    """Masks the given secret values, and credential-shaped strings, in a record's
    message, traceback and extra fields."""

    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: mask what is there
            message = f"{record.msg} {record.args}"
        masked = self.redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in vars(record).items():
            if key in self._STANDARD or value is None or isinstance(value, int | float):
                continue
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            masked = self.redact(text)
            if masked != text:
                setattr(record, key, masked)
        return True


def secret_values(settings: Settings) -> set[str]:
    """Every secret the settings hold (API keys, passwords inside URLs), in the forms a log
    line could show them, plus credentials in variables named *_API_KEY, *_PASSWORD,
    *_SECRET or *_TOKEN (keys a model catalog reads from the environment)."""
    found: set[str] = set()
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.add(value.get_secret_value())
        elif isinstance(value, str) and "://" in value:
            try:
                password = urlsplit(value).password
            except ValueError:
                continue
            if password:
                found |= {password, unquote(password), quote(unquote(password), safe="")}
    found |= {v for k, v in os.environ.items() if _SECRET_ENV.search(k)}
    return {s for s in found if s}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields such as request_id are carried along."""

    _SKIP = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in self._SKIP})
        if record.exc_info or record.exc_text:
            # exc_text when set: a filter may have masked it.
            data["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def configure_logging(
    level: str = "INFO", json_lines: bool = False, secrets: Iterable[str] = ()
) -> None:
    """Route all logs to stderr, each record with its request id and with `secrets` masked
    (pass `secret_values(settings)`); pypdf's per-page font warnings only at DEBUG."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    # On the handler, not a logger: records of every logger pass through it.
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.captureWarnings(True)
    quiet = logging.DEBUG if level.upper() == "DEBUG" else logging.ERROR
    for name in ("pypdf", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(name).setLevel(quiet)


def configure_cli_logging(settings: Settings) -> None:
    """Logging for interactive commands: warnings and up unless FOLIO_LOG_LEVEL asks for
    more (progress bars and tables are the output), with the settings' secrets masked."""
    level = "WARNING" if settings.log_level.upper() == "INFO" else settings.log_level
    configure_logging(level, settings.log_json, secret_values(settings))
