"""`folio ingest` in a fresh process with no server: JSON lines, exit codes, no-op re-ingest."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

FOLIO = Path(sys.executable).with_name("folio")
CONTRACT = (
    "legal/cuad/NYLIACVARIABLEANNUITYSEPARATEACCOUNTIII_04_10_2020-EX-99.8.KK-SERVICE AGREEMENT.PDF"
)
KEYS = {"document_id", "filename", "sha256", "status", "pages", "chunks", "tokens", "error"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLIO_")}
    # Nothing listens at FOLIO_URL, so the CLI ingests in-process into its own data dir.
    return env | {
        "FOLIO_DATA_DIR": str(tmp_path / "data"),
        "FOLIO_URL": f"http://127.0.0.1:{_free_port()}",
    }


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(FOLIO), "ingest", *args],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_json_lines_and_a_failed_document_does_not_stop_the_others(tmp_path, shared_data):
    good = shared_data / CONTRACT
    bad = shared_data / "bad_pdfs" / "qpdf__bad1.pdf"
    scanned = shared_data / "bad_pdfs" / "samplefiles__imagemagick-CCITTFaxDecode.pdf"
    out = _run(["--json", str(bad), str(good), str(scanned)], tmp_path)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["filename"] for r in rows] == [bad.name, good.name, scanned.name]
    assert all(set(r) == KEYS for r in rows)
    assert rows[0]["status"] == "failed" and rows[0]["error"].startswith("not a PDF")
    assert rows[2]["status"] == "failed" and "OCR read no text" in rows[2]["error"]
    ready = rows[1]
    assert ready["status"] == "ready" and ready["pages"] == 2 and ready["error"] is None
    assert ready["chunks"] > 0 and ready["tokens"] > 1000 and len(ready["sha256"]) == 64

    again = _run(["--json", str(good)], tmp_path)  # the same bytes: a no-op, same document
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == ready


def test_table_output_names_each_file(tmp_path, shared_data):
    out = _run([str(shared_data / CONTRACT)], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "folio ingest" in out.stdout and "ready" in out.stdout


def test_a_file_given_twice_is_ingested_once_and_a_missing_one_fails_alone(tmp_path, shared_data):
    # Each next file is registered and parsed ahead while the one before it ingests.
    good = shared_data / CONTRACT
    out = _run(["--json", str(good), str(tmp_path / "missing.pdf"), str(good)], tmp_path)
    assert out.returncode == 1, out.stderr
    first, missing, second = (json.loads(line) for line in out.stdout.splitlines())
    assert first["status"] == "ready" and first["pages"] == 2
    assert missing["status"] == "failed" and missing["error"].startswith("no such file")
    assert second == first


def test_stopped_early_it_leaves_no_file_registered_ahead_and_never_started(tmp_path, shared_data):
    # The next file is registered before the current one ingests; Ctrl-C in between must
    # not leave it `queued` with no job anywhere to pick it up.
    import signal
    import time

    from core.storage.registry import Registry

    manual = shared_data / "technical" / "pdf2image-memory-error-test-400p.pdf"
    proc = subprocess.Popen(
        [str(FOLIO), "ingest", "--json", str(manual), str(shared_data / CONTRACT)],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    registry_file = tmp_path / "data" / "registry.sqlite"
    try:
        deadline = time.monotonic() + 120
        statuses: list[str] = []
        while time.monotonic() < deadline and proc.poll() is None:
            if registry_file.exists():
                reg = Registry(registry_file)
                statuses = sorted(d.status for d in reg.list("default")[0])
                reg.close()
                if statuses == ["processing", "queued"]:
                    break
            time.sleep(0.2)
        assert statuses == ["processing", "queued"], statuses
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    reg = Registry(registry_file)
    try:
        left = [(d.filename, d.status) for d in reg.list("default")[0]]
    finally:
        reg.close()
    assert left == [(manual.name, "processing")]  # the contract is gone, to be ingested again
