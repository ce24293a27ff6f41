"""Concurrent offline questions against a real `folio serve`, with /healthz probed throughout.

    python -m bench.load [--concurrent 50] [--rounds 1]

Starts `folio serve` offline (the extractive reader answers: no model key), uploads two
real contracts and waits until they are ready, then sends `--concurrent` POST /query at
once (a mix of questions, some over both contracts) while a probe asks /healthz every
100 ms from a process of its own. Prints each answer's latency (p50, p95, max), the
errors (any status but 200, or a broken connection), and /healthz's latency (p50, max):
the probe a load balancer or an orchestrator watches must keep answering while the
questions hold every worker thread.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Event, Process, Queue
from pathlib import Path

import httpx

from client import FolioClient
from eval.common.paths import shared_data
from eval.common.service import start_service

CONTRACTS = (
    "legal/cuad/IVILLAGEINC_03_17_1999-EX-10.16-SPONSORSHIP AGREEMENT.PDF",
    "legal/cuad/DataCallTechnologies_20060918_SB-2A_EX-10.9_944510_EX-10.9_Content License"
    " Agreement.pdf",
)
QUESTIONS = (
    "Who are the parties?",
    "Which law governs this agreement?",
    "When can either party terminate?",
    "What are the payment terms?",
    "Is there a non-compete clause?",
)


def _ask(http: httpx.Client, body: dict) -> tuple[float, int | str]:
    started = time.perf_counter()
    try:
        status: int | str = http.post("/query", json=body).status_code
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    return time.perf_counter() - started, status


def _probe(url: str, stop: Event, out: Queue) -> None:
    """In a process of its own: the 50 client threads of this one would otherwise delay
    the probe for the interpreter lock, and the measure would be of the client."""
    with httpx.Client(base_url=url, timeout=10) as http:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                ok = http.get("/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            out.put(time.perf_counter() - started if ok else float("inf"))
            stop.wait(0.1)
    out.put(None)


def run(concurrent: int, rounds: int, env: dict[str, str] | None = None) -> dict:
    """The measured numbers of `rounds` bursts of `concurrent` questions; `env`: FOLIO_*
    settings for the service."""
    with tempfile.TemporaryDirectory() as tmp:
        service = start_service(Path(tmp) / "data", Path(tmp) / "service.log", extra_env=env)
        headers = {"Authorization": f"Bearer {service.api_key}"}
        try:
            with FolioClient(service.url, api_key=service.api_key) as client:
                ids = [client.upload(shared_data() / c)[0]["id"] for c in CONTRACTS]
                assert all(client.wait(i)["status"] == "ready" for i in ids)
            bodies = [
                {"question": QUESTIONS[i % len(QUESTIONS)], "document_ids": ids[: 1 + i % 2]}
                for i in range(concurrent)
            ]
            answers, stop, probed = [], Event(), Queue()
            probe = Process(target=_probe, args=(service.url, stop, probed))
            probe.start()
            limits = httpx.Limits(max_connections=concurrent)
            http = httpx.Client(base_url=service.url, headers=headers, timeout=300, limits=limits)
            try:
                for _ in range(rounds):
                    with ThreadPoolExecutor(concurrent) as pool:
                        answers += pool.map(lambda b: _ask(http, b), bodies)
            finally:
                http.close()
                stop.set()
                health = list(iter(probed.get, None))
                probe.join()
        finally:
            service.stop()
    seconds = sorted(s for s, _ in answers)
    return {
        "questions": len(answers),
        "errors": [status for _, status in answers if status != 200],
        "answer_p50_s": statistics.median(seconds),
        "answer_p95_s": seconds[int(0.95 * (len(seconds) - 1))],
        "answer_max_s": seconds[-1],
        "health_probes": len(health),
        "health_p50_s": statistics.median(health),
        "health_max_s": max(health),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=VALUE for the service (repeat)"
    )
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    result = run(args.concurrent, args.rounds, env)
    for name, value in result.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")


if __name__ == "__main__":
    main()
