"""The real thing: `folio serve` (uvicorn, in-process worker, SQLite broker, embedded Qdrant)
as a child process on a free port, driven over HTTP, killed and restarted."""

from __future__ import annotations

import json
import select
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from core.storage.stores import open_client, store_for
from tests.api.uploading import DONE, SMALL_PDFS, expected_counts, multipart, wait_for
from tests.procs import FOLIO, FolioProcess, folio_env, free_port, wait_healthy


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("serve")
    return folio_env(root / "data", FOLIO_MAX_UPLOAD_MB="1")


@pytest.fixture
def serve(env, tmp_path):
    """Start `folio serve` on a free port; returns (url, process). Stopped by PID after."""
    started: list[FolioProcess] = []

    def start() -> tuple[str, FolioProcess]:
        port = free_port()
        proc = FolioProcess(
            ["serve", "--port", str(port)], env, tmp_path / f"serve-{port}.log", tmp_path
        )
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        return url, proc

    yield start
    for proc in started:
        proc.stop()


def _post_streamed(port: int, total: int, block: int = 64 * 1024) -> tuple[int, int]:
    """POST a chunked multipart body of `total` bytes, reading as we go: (status, bytes sent)."""
    boundary = "folio-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /documents HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
            + f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n".encode()
        )
        payload = head
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered: stop sending, as a client should
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(payload), payload))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(payload)
            payload = b"0" * block
        sock.settimeout(30)
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1]), sent


def test_serve_end_to_end_with_a_crash_in_the_middle(serve, env, shared_data, tmp_path):
    url, first = serve()
    _refuses_bad_uploads(url, shared_data)

    # Ten concurrent uploads...
    paths = [shared_data / name for name in SMALL_PDFS]
    with ThreadPoolExecutor(10) as pool:
        responses = list(
            pool.map(lambda p: httpx.post(f"{url}/documents", timeout=60, **multipart(p)), paths)
        )
    assert [r.status_code for r in responses] == [202] * 10
    ids = {path: r.json()["id"] for path, r in zip(paths, responses, strict=True)}
    assert len(set(ids.values())) == 10

    # ...and the server is SIGKILLed while it is working through them.
    def states() -> list[str]:
        return [httpx.get(f"{url}/documents/{i}").json()["status"] for i in ids.values()]

    wait_for(states, lambda s: "ready" in s and any(x not in DONE for x in s))
    first.kill()

    # A new server on the same data dir finishes every one of them, exactly once.
    url, second = serve()
    docs = {
        path: wait_for(
            lambda i=doc_id: httpx.get(f"{url}/documents/{i}").json(),
            lambda d: d["status"] in DONE,
        )
        for path, doc_id in ids.items()
    }
    for path, doc in docs.items():
        assert doc["status"] == "ready", (path.name, doc["error"])
        assert (doc["pages"], doc["chunks"]) == expected_counts(path)

    contract = shared_data / SMALL_PDFS[0]
    _cli_ingests_through_the_server(url, env, contract, ids[contract])
    _cli_uses_the_server_of_its_data_dir_only(url, env, tmp_path)

    assert second.stop()
    # No duplicate or missing points after the crash and redo.
    settings = Settings(data_dir=Path(env["FOLIO_DATA_DIR"]), _env_file=None)
    client = open_client(settings)
    try:
        store = store_for(client, settings.collection, 384)
        for path, doc in docs.items():
            assert store.count("default", doc["id"]) == doc["chunks"], path.name
    finally:
        client.close()


def _refuses_bad_uploads(url: str, shared_data: Path) -> None:
    # Over the 1 MB limit with no Content-Length: refused while streaming, long before
    # the client is done sending 64 MB.
    status, sent = _post_streamed(int(url.rsplit(":", 1)[1]), total=64 << 20)
    assert status == 413
    assert sent < 16 << 20
    assert httpx.get(f"{url}/documents/nope").status_code == 404
    not_pdf = shared_data / "bad_pdfs" / "qpdf__extend-c-api_bad.pdf"
    assert httpx.post(f"{url}/documents", **multipart(not_pdf)).status_code == 415


def _cli_ingests_through_the_server(url: str, env: dict, contract: Path, doc_id: str) -> None:
    # The CLI goes through the running server (the store is locked to it)...
    cli = subprocess.run(
        [str(FOLIO), "ingest", "--url", url, "--json", str(contract)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    row = json.loads(cli.stdout)
    assert (row["document_id"], row["status"]) == (doc_id, "ready")
    # ...or, with no server where it looks, says the store is taken: no traceback.
    alone = dict(env, FOLIO_URL=f"http://127.0.0.1:{free_port()}")
    locked = subprocess.run(
        [str(FOLIO), "ingest", str(contract)], env=alone, capture_output=True, text=True
    )
    assert locked.returncode == 2
    # rich wraps stderr at the terminal's width, so compare with the line breaks folded
    assert "in use by another folio process" in " ".join(locked.stderr.split())
    assert "Traceback" not in locked.stderr


def _cli_uses_the_server_of_its_data_dir_only(url: str, env: dict, tmp_path: Path) -> None:
    # At the configured port, the CLI uses the server only if it serves its data dir.
    at_port = {k: v for k, v in env.items() if k != "FOLIO_URL"}
    at_port["FOLIO_PORT"] = url.rsplit(":", 1)[1]
    same = subprocess.run(
        [str(FOLIO), "search", "termination", "--json"], env=at_port, capture_output=True, text=True
    )
    assert same.returncode == 0, same.stderr
    assert f"using the folio server at {url}" in same.stderr
    assert json.loads(same.stdout)["results"]
    other = dict(at_port, FOLIO_DATA_DIR=str(tmp_path / "other-data"))
    elsewhere = subprocess.run(
        [str(FOLIO), "search", "termination"], env=other, capture_output=True, text=True
    )
    assert "serves another data directory" in elsewhere.stderr, elsewhere.stderr
    assert elsewhere.returncode == 1 and "409" in elsewhere.stderr  # its own, empty data dir
