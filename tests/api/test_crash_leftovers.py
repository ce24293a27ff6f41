"""What a crash leaves behind is cleaned up when folio starts again (issue 33): the
partial file of an upload cut off by kill -9 is removed (and counted in /metrics), while
an upload still landing in another process is left alone."""

from __future__ import annotations

import fcntl
import socket
import time

import httpx

from core.storage.files import PART
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
