"""`folio keys create | list | revoke`, the admin key `folio serve` makes on first start,
and `folio serve` refusing FOLIO_AUTH=off on a reachable address."""

from __future__ import annotations

import json
import stat

from rich.console import Console
from typer.testing import CliRunner

from cli.main import app
from cli.serve import _admin_key
from core.access.admin_key import client_key
from core.access.keys import KeyStore
from core.settings import Settings
from core.storage.registry import Registry

runner = CliRunner()


def test_create_list_revoke(settings, monkeypatch) -> None:
    monkeypatch.setenv("FOLIO_DATA_DIR", str(settings.data_dir))
    made = runner.invoke(
        app, ["keys", "create", "--tenant", "acme", "--budget-usd", "5", "--rpm", "10", "--json"]
    )
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    secret, key_id = created["secret"], created["key"]["id"]
    assert secret.startswith("folio_") and created["key"]["rpm"] == 10
    keys = KeyStore(Registry(settings.registry_path))
    assert keys.verify(secret).tenant_id == "acme"

    listed = runner.invoke(app, ["keys", "list", "--json"])
    assert listed.exit_code == 0 and key_id in listed.output and secret not in listed.output
    table = runner.invoke(app, ["keys", "list"])
    assert "acme" in table.output and secret not in table.output

    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    assert keys.verify(secret) is None  # at once: nothing caches it
    assert runner.invoke(app, ["keys", "revoke", "key_unknown"]).exit_code == 1
    bad = runner.invoke(app, ["keys", "create", "--tenant", "two words"])
    assert bad.exit_code == 2 and "tenant" in bad.output


def test_first_start_makes_the_admin_key_once(settings, capsys, monkeypatch) -> None:
    on = settings.model_copy(update={"auth": "on"})
    _admin_key(on, "127.0.0.1", 8123, Console(stderr=True))
    printed = capsys.readouterr().out
    secret = on.admin_key_path.read_text().strip()
    assert secret in printed and "Authorization: Bearer" in printed and "8123" in printed
    assert stat.S_IMODE(on.admin_key_path.stat().st_mode) == 0o600
    assert KeyStore(Registry(on.registry_path)).verify(secret).operator  # every tenant's
    _admin_key(on, "127.0.0.1", 8123, Console(stderr=True))  # a restart shows it no more
    assert secret not in capsys.readouterr().out
    assert client_key(on) == secret  # what the CLI sends to this machine's server
    monkeypatch.setenv("FOLIO_API_KEY", "folio_other")
    assert client_key(Settings(data_dir=on.data_dir, _env_file=None)) == "folio_other"


def test_a_key_saved_before_operators_existed_becomes_the_operators(settings) -> None:
    """An older data dir's saved key was an admin of every tenant: on the next start it is
    the operator's (whoever reads DATA_DIR/admin.key runs the machine); other admin keys
    stay their tenant's admins."""
    on = settings.model_copy(update={"auth": "on"})
    on.ensure_dirs()
    keys = KeyStore(Registry(on.registry_path))
    saved, secret = keys.create("default", name="local admin (folio serve)", admin=True)
    other, _ = keys.create("acme", admin=True)
    on.admin_key_path.write_text(secret + "\n")
    _admin_key(on, "127.0.0.1", 8123, Console(stderr=True))
    assert keys.get(saved.id).operator and not keys.get(other.id).operator
    listed = runner.invoke(
        app, ["keys", "list", "--json"], env={"FOLIO_DATA_DIR": str(on.data_dir)}
    )
    roles = {k["id"]: k["role"] for k in json.loads(listed.output)}
    assert roles[saved.id] == "operator" and roles[other.id] == "admin"
    last = runner.invoke(
        app, ["keys", "revoke", saved.id], env={"FOLIO_DATA_DIR": str(on.data_dir)}
    )
    assert last.exit_code == 2 and "last operator key" in last.output


def test_serve_refuses_auth_off_on_a_reachable_address(settings, monkeypatch) -> None:
    monkeypatch.setenv("FOLIO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FOLIO_AUTH", "off")
    refused = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert refused.exit_code == 2
    assert "loopback" in refused.output
