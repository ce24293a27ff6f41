"""The folio under test: a real `folio serve` process on a free port and a tmp dir, and
the version of the tree it runs.

Offline (the default) the child sees no FOLIO_* variable of the caller and no .env, so a
test run never spends money with a key someone left in their shell; `offline=False`
passes the caller's environment (and the repository's .env) through, to evaluate real
models.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from client import FolioClient
from eval.common.paths import REPO


def folio_version(repo: Path = REPO) -> str:
    """Package version plus the git commit of the tree under test, when there is one."""
    try:
        ver = version("folio")
    except PackageNotFoundError:
        ver = "unknown"
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ver
    return f"{ver}+{sha}" if sha else ver


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def upload_ready(
    client: FolioClient, pdfs: Mapping[str, Path], timeout_s: float = 1800.0
) -> dict[str, str]:
    """Upload every PDF (name -> path), then wait until each is ready: name -> document
    id. A document that fails to ingest is an error naming it and the service's reason."""
    ids = {name: client.upload(pdf)[0]["id"] for name, pdf in pdfs.items()}
    for name, doc_id in ids.items():
        doc = client.wait(doc_id, timeout_s=timeout_s)
        if doc["status"] != "ready":
            raise RuntimeError(f"{name} did not ingest: {doc.get('error')}")
    return ids


def folio_command() -> list[str]:
    """The `folio` entry point next to this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).with_name("folio")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("folio")
    if found:
        return [found]
    return [sys.executable, "-c", "from cli.main import main; main()"]


def _die_with_parent() -> None:
    """In the child (Linux): get SIGTERM if the eval dies, so no service is left orphaned."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the normal stop() still applies


def child_env(data_dir: Path, offline: bool, extra: dict[str, str] | None = None) -> dict:
    """The service's environment: its own data dir; offline, none of the caller's FOLIO_*."""
    env = {k: v for k, v in os.environ.items() if not (offline and k.startswith("FOLIO_"))}
    env.update({"FOLIO_DATA_DIR": str(data_dir), "FOLIO_LOG_LEVEL": "WARNING"})
    env.update(extra or {})
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


@dataclass
class Service:
    """A running `folio serve` child process."""

    url: str
    process: subprocess.Popen
    data_dir: Path
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def api_key(self) -> str | None:
        """The admin key `folio serve` saved in its data dir on first start (auth on)."""
        path = self.data_dir / "admin.key"
        return path.read_text().strip() if path.exists() else None

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the service's log, for an error message ("" if unreadable)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM this process (by its PID), SIGKILL if it will not go."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_service(
    data_dir: Path,
    log_path: Path,
    offline: bool = True,
    extra_env: dict[str, str] | None = None,
    startup_timeout_s: float = 240.0,
) -> Service:
    """Start `folio serve` and wait for GET /healthz; RuntimeError with its log if it fails."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = folio_command() + ["serve", "--host", "127.0.0.1", "--port", str(port)]
    # Offline the child runs in its data dir, where no .env is; otherwise in the repo.
    cwd = data_dir if offline else REPO
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=child_env(data_dir, offline, extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    service = Service(f"http://127.0.0.1:{port}", process, data_dir, log_path)
    deadline = time.monotonic() + startup_timeout_s
    with FolioClient(service.url) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"`folio serve` exited with code {process.returncode} before it answered"
                    f" /healthz; its log ({log_path}):\n{service.log_tail()}"
                )
            if client.healthy():
                return service
            time.sleep(0.5)
    service.stop()
    raise RuntimeError(
        f"`folio serve` did not answer /healthz within {startup_timeout_s:.0f}s; its log"
        f" ({log_path}):\n{service.log_tail()}"
    )
