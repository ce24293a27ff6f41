"""Start and stop the real `folio` processes tests run against (each stopped by its PID)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

FOLIO = Path(sys.executable).with_name("folio")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def folio_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The test's environment without the user's FOLIO_* settings, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLIO_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", FOLIO_LOG_LEVEL="WARNING")
    env["FOLIO_AUTH"] = "off"  # on 127.0.0.1; tests of keys pass FOLIO_AUTH="on"
    env["FOLIO_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


class FolioProcess:
    """One `folio <command>` child process, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, cwd: Path) -> None:
        self.log = log
        self._out = open(log, "ab")
        self.proc = subprocess.Popen(
            [str(FOLIO), *args], env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when a machine or an OOM killer takes it."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.proc.wait(30)
        self._out.close()

    def stop(self, timeout_s: float = 60) -> bool:
        """SIGTERM and wait; True if it exited in time, else it is SIGKILLed and False.

        (uvicorn re-raises SIGTERM after a graceful shutdown, so the exit code is -15.)
        """
        exited = True
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                exited = False
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(30)
        self._out.close()
        return exited

    def tail(self, chars: int = 3000) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")[-chars:]


def wait_healthy(url: str, process: FolioProcess, timeout_s: float = 180) -> None:
    """Wait until the server answers /healthz; fail with its log if it dies or never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not process.alive():
            raise AssertionError(f"server exited:\n{process.tail()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"server never became healthy:\n{process.tail()}")


@contextmanager
def clean_redis_db(url: str) -> Iterator[redis.Redis]:
    """The real Redis database at `url`, emptied before and after (one db per test module)."""
    client = redis.Redis.from_url(url)
    client.ping()
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()
