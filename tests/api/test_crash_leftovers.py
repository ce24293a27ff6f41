"""What a crash leaves behind is cleaned up when folio starts again (issue 33): the
partial file of an upload cut off by kill -9 is removed (and counted in /metrics), while
an upload still landing in another process is left alone; an upload registered but never
queued is queued and ingested."""

from __future__ import annotations

import fcntl
import socket
import sqlite3
import threading
import time

import httpx

from core.storage.files import PART
from tests.api.uploading import SMALL_PDFS, multipart, wait_for
from tests.procs import FolioProcess, folio_env, free_port, wait_healthy


def _serve(env: dict, tmp_path) -> tuple[str, FolioProcess]:
    port = free_port()
    proc = FolioProcess(["serve", "--port", str(port)], env, tmp_path / f"{port}.log", tmp_path)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc)
    return url, proc


def _start_upload(url: str) -> socket.socket:
    """Send the start of an upload and leave it hanging, as a client cut off mid-way."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(
        b"POST /documents HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: multipart/form-data; boundary=cut\r\n\r\n"
    )
    head = (
        b'--cut\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n" + b"0" * 200_000
    )
    sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))
    return sock


def test_a_crash_mid_upload_leaves_no_partial_file_after_a_restart(tmp_path):
    env = folio_env(tmp_path / "data")
    files = tmp_path / "data" / "files"
    url, first = _serve(env, tmp_path)
    sock = _start_upload(url)
    deadline = time.monotonic() + 60
    while not list(files.glob(f"*{PART}")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(list(files.glob(f"*{PART}"))) == 1  # the upload is landing
    first.kill()
    sock.close()
    assert len(list(files.glob(f"*{PART}"))) == 1  # ... and kill -9 left it there

    # An upload another API replica is receiving right now: its part is locked.
    landing = files / f"elsewhere{PART}"
    with open(landing, "wb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        url, second = _serve(env, tmp_path)
        try:
            assert [p.name for p in files.glob(f"*{PART}")] == [landing.name]
            metrics = httpx.get(f"{url}/metrics").text
            assert "folio_upload_parts_removed_total 1.0" in metrics
        finally:
            second.stop()


def test_an_upload_whose_job_was_never_sent_is_ingested_after_a_restart(tmp_path, shared_data):
    """Issue 33.3, as it was found: the broker's SQLite lock held, an upload registered but
    its job not yet sent, the server killed. After the restart the recovery sweep sends
    the job, and the document becomes ready (it stayed `queued` forever before)."""
    data = tmp_path / "data"
    env = folio_env(data, FOLIO_STALE_PROCESSING_S="4")  # sweeps every 2 s
    url, first = _serve(env, tmp_path)
    # The worker polls the queue, holding the lock for a moment each time: wait our turn.
    broker = sqlite3.connect(data / "broker.sqlite", timeout=30, isolation_level=None)
    broker.execute("BEGIN EXCLUSIVE")  # the job cannot be written to the queue now
    pdf = shared_data / SMALL_PDFS[2]
    upload = threading.Thread(target=_post_quietly, args=(url, pdf), daemon=True)
    upload.start()
    registry = sqlite3.connect(data / "registry.sqlite", timeout=30)
    deadline = time.monotonic() + 60
    rows: list = []
    while not rows and time.monotonic() < deadline:
        rows = registry.execute("SELECT id FROM documents").fetchall()
        time.sleep(0.05)
    assert rows, "the upload was never registered"
    first.kill()  # registered, its job still waiting for the broker's lock
    broker.rollback()
    broker.close()
    (doc_id,) = rows[0]
    assert registry.execute(
        "SELECT status, enqueued_at FROM documents WHERE id = ?", (doc_id,)
    ).fetchone() == ("queued", None)
    registry.close()

    url, second = _serve(env, tmp_path)
    try:
        done = wait_for(
            lambda: httpx.get(f"{url}/documents/{doc_id}").json(),
            lambda d: d["status"] in ("ready", "failed"),
            timeout_s=120,
        )
        assert done["status"] == "ready", done
    finally:
        second.stop()


def _post_quietly(url: str, pdf) -> None:
    try:
        httpx.post(f"{url}/documents", timeout=30, **multipart(pdf))
    except httpx.HTTPError:
        pass  # the server is killed under it
