"""compose.yaml, the Dockerfile and .env.example agree with the code (no Docker engine here)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {f"FOLIO_{name.upper()}" for name in Settings.model_fields}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _final_stage(dockerfile: str) -> str:
    return re.split(r"^FROM ", dockerfile, flags=re.M)[-1]


def test_every_folio_variable_exists_in_settings(compose, dockerfile) -> None:
    used = set()
    for service in compose["services"].values():
        used |= {k for k in (service.get("environment") or {}) if k.startswith("FOLIO_")}
    used |= set(re.findall(r"\b(FOLIO_[A-Z0-9_]+)=", dockerfile))
    used |= set(
        re.findall(r"^#?\s*(FOLIO_[A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.M)
    )
    assert {"FOLIO_QDRANT_URL", "FOLIO_BROKER_URL", "FOLIO_DATA_DIR"} <= used
    assert used <= FIELDS, f"not settings: {sorted(used - FIELDS)}"


def test_services_have_healthchecks_and_wait_for_healthy_deps(compose) -> None:
    services = compose["services"]
    assert {"api", "worker", "redis", "qdrant", "flower"} <= set(services)
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for dep, cond in (service.get("depends_on") or {}).items():
            assert dep in services and cond["condition"] == "service_healthy", (name, dep)
    assert set(services["worker"]["depends_on"]) == {"redis", "qdrant"}


def test_worker_publishes_no_port_and_can_scale(compose) -> None:
    worker = compose["services"]["worker"]
    assert "ports" not in worker
    assert "container_name" not in worker  # a fixed name would forbid --scale worker=N


def test_published_ports_bind_the_loopback_interface_only(compose) -> None:
    published = {}
    for name, service in compose["services"].items():
        for port in service.get("ports") or []:
            if isinstance(port, dict):  # the long syntax
                port = f"{port.get('host_ip', '')}:{port.get('published')}"
            spec = str(port)
            assert spec.startswith("127.0.0.1:"), f"{name} publishes {spec} on every interface"
            published[name] = spec
    assert set(published) == {"api", "flower"}  # redis, qdrant, workers: network-internal


def test_api_container_healthcheck_asks_liveness(compose) -> None:
    test = " ".join(compose["services"]["api"]["healthcheck"]["test"])
    assert "/healthz" in test and "/readyz" not in test


def test_api_and_workers_share_only_qdrant_redis_and_the_data_volume(compose) -> None:
    api, worker = compose["services"]["api"], compose["services"]["worker"]
    for service in (api, worker):
        env = service["environment"]
        assert env["FOLIO_QDRANT_URL"].startswith("http://qdrant:")
        assert env["FOLIO_BROKER_URL"].startswith("redis://redis:")
    assert api["volumes"] == worker["volumes"] == ["folio-data:/data"]
    assert compose["services"]["qdrant"]["image"].startswith("qdrant/qdrant:")
    assert "qdrant-data:/qdrant/storage" in compose["services"]["qdrant"]["volumes"]


def test_no_key_is_baked_into_the_image_or_compose(compose, dockerfile) -> None:
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if "KEY" in key:
                assert str(value).startswith("${"), f"{key} must come from the environment"
    assert not re.search(r"(?i)(api_key|sk-)[^\n]*=\s*\S", _final_stage(dockerfile))


def test_commands_start_the_right_entry_points(compose, dockerfile) -> None:
    assert compose["services"]["api"]["command"][:2] == ["folio", "serve"]
    assert compose["services"]["worker"]["command"] == ["folio", "worker"]
    assert re.search(r'^CMD \["folio", "serve"', dockerfile, flags=re.M)
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["folio"] == "cli.main:main"
    runner = CliRunner()
    for args in (["serve", "--help"], ["worker", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output


def test_image_runs_as_non_root_without_build_tools(dockerfile) -> None:
    final = _final_stage(dockerfile)
    assert re.search(r"^USER (?!root)\w+", final, flags=re.M)
    assert "build-essential" not in final and "apt-get install" not in final
    assert "COPY --from=build /opt/venv /opt/venv" in final
    assert "HF_HUB_OFFLINE=1" in final  # the model ships in the image; never fetched
