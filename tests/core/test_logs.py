"""Log lines: JSON with the request id, and configured secrets masked wherever they appear."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import SecretStr

from core.logs import (
    MASK,
    RedactingFilter,
    bound_request_id,
    configure_logging,
    current_request_id,
    secret_values,
)
from core.settings import Settings

KEY = "sk-proj-Abc123DEF456ghi789"
PASSWORD = "p@ss:w/rd!42"  # URL-encoded in the broker URL
ENCODED = "p%40ss%3Aw%2Frd%2142"


@pytest.fixture
def root_logging():
    """Put the root logger back as pytest had it after configure_logging replaced it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("EVOLINK_API_KEY", "gateway-key-0987")
    return Settings(
        data_dir=tmp_path,
        openai_api_key=SecretStr(KEY),
        qdrant_api_key=SecretStr("qdrant-key-1234"),
        broker_url=f"redis://default:{ENCODED}@redis:6379/0",
        registry_url="postgresql://folio:pg-Secret-77@db/folio",
        _env_file=None,
    )


def test_secret_values_cover_keys_url_passwords_and_key_variables(settings):
    found = secret_values(settings)
    assert {KEY, "qdrant-key-1234", PASSWORD, ENCODED, "pg-Secret-77"} <= found
    assert "gateway-key-0987" in found  # a catalog endpoint's api_key_env
    assert "redis" not in found and "6379" not in found


def test_json_lines_mask_secrets_in_message_args_traceback_and_extras(
    settings, root_logging, capsys
):
    configure_logging("INFO", json_lines=True, secrets=secret_values(settings))
    log = logging.getLogger("folio.test")
    with bound_request_id("req-1"):
        log.info("calling with key %s at %s", KEY, settings.broker_url)
        try:
            raise ConnectionError(f"cannot reach postgresql://folio:pg-Secret-77@db ({PASSWORD})")
        except ConnectionError:
            log.exception("registry down")
        log.warning("gateway", extra={"endpoint": {"key": "gateway-key-0987"}})
    log.info("outside any request")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [r["request_id"] for r in lines] == ["req-1", "req-1", "req-1", None]
    assert lines[0]["msg"] == f"calling with key {MASK} at redis://default:{MASK}@redis:6379/0"
    assert "ConnectionError" in lines[1]["exc"] and f"folio:{MASK}@db ({MASK})" in lines[1]["exc"]
    assert MASK in str(lines[2]["endpoint"])
    text = json.dumps(lines)
    for secret in (KEY, PASSWORD, ENCODED, "pg-Secret-77", "gateway-key-0987"):
        assert secret not in text
    assert current_request_id() is None


def test_plain_lines_are_masked_too(root_logging, capsys):
    configure_logging("INFO", secrets=[KEY, "ab"])
    logging.getLogger("folio.test").warning("key=%s; short secrets stay: ab", KEY)
    err = capsys.readouterr().err
    assert f"key={MASK}; short secrets stay: ab" in err and KEY not in err


def test_a_filter_without_secrets_changes_nothing():
    record = logging.makeLogRecord({"msg": "page %d of %s", "args": (3, "x.pdf")})
    assert RedactingFilter([]).filter(record)
    assert (record.msg, record.args) == ("page %d of %s", (3, "x.pdf"))
