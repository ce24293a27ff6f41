"""A decompression bomb uploaded beside a good PDF, through the real app in embedded mode
(the worker runs inside the API process): the bomb fails with the limit's reason, the good
document becomes ready, and the API process's peak memory barely moves (bound: 300 MB,
against the bomb's 4 GB of decoded content), since parsing happens in a capped child."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from tests.api.uploading import SMALL_PDFS, assert_ready_and_consistent, multipart, wait_done
from tests.ingest.hostile import decompression_bomb

PEAK_BOUND_MB = 300


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    """Reset VmHWM (peak RSS) to the current RSS; False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder) -> TestClient:
    data_dir = tmp_path_factory.mktemp("hostile") / "data"
    settings = Settings(data_dir=data_dir, broker_url=None, qdrant_url=None, _env_file=None)
    with TestClient(build_app(settings, embedder=embedder)) as test_client:
        yield test_client


def test_decompression_bomb_fails_alone_and_memory_stays_bounded(client, shared_data, tmp_path):
    good = shared_data / SMALL_PDFS[1]
    warm = client.post("/documents", **multipart(shared_data / SMALL_PDFS[0])).json()
    assert wait_done(client, warm["id"])["status"] == "ready"  # the embedder is warm now
    bomb = tmp_path / "report.pdf"
    bomb.write_bytes(decompression_bomb(100, 40))  # 4 MB on disk, 4 GB decoded

    peak_resets = _reset_peak()
    before = _status_kb("VmRSS")
    bomb_id = client.post("/documents", **multipart(bomb)).json()["id"]
    good_id = client.post("/documents", **multipart(good)).json()["id"]
    bomb_doc, good_doc = wait_done(client, bomb_id), wait_done(client, good_id)
    peak = _status_kb("VmHWM" if peak_resets else "VmRSS")

    assert bomb_doc["status"] == "failed"
    assert "FOLIO_MAX_PAGE_DECODED_MB" in bomb_doc["error"], bomb_doc["error"]
    assert "scanned" not in bomb_doc["error"]
    assert_ready_and_consistent(good_doc, good, client.app.state.resources.pages)
    assert (peak - before) / 1024 < PEAK_BOUND_MB
    assert client.get("/readyz").status_code == 200
