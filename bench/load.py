"""Concurrent offline questions against a real `folio serve`, with /healthz probed throughout.

    python -m bench.load [--concurrent 50] [--rounds 1]

Starts `folio serve` offline (the extractive reader answers: no model key), uploads two
real contracts and waits until they are ready, then sends `--concurrent` POST /query at
once (a mix of questions, some over both contracts) while a probe asks /healthz every
100 ms. Prints each answer's latency (p50, p95, max), the errors (any status but 200, or
a broken connection), and /healthz's latency (p50, max): the probe a load balancer or an
orchestrator watches must keep answering while the questions hold every worker thread.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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


def _ask(url: str, headers: dict, body: dict) -> tuple[float, int | str]:
    started = time.perf_counter()
    try:
        status: int | str = httpx.post(f"{url}/query", json=body, headers=headers, timeout=300)
        status = status.status_code
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    return time.perf_counter() - started, status


def _probe(url: str, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            ok = httpx.get(f"{url}/healthz", timeout=10).status_code == 200
        except httpx.HTTPError:
            ok = False
        out.append(time.perf_counter() - started if ok else float("inf"))
        stop.wait(0.1)


def run(concurrent: int, rounds: int) -> dict:
    """The measured numbers of `rounds` bursts of `concurrent` questions."""
    with tempfile.TemporaryDirectory() as tmp:
        service = start_service(Path(tmp) / "data", Path(tmp) / "service.log")
        headers = {"Authorization": f"Bearer {service.api_key}"}
        try:
            with FolioClient(service.url, api_key=service.api_key) as client:
                ids = [client.upload(shared_data() / c)[0]["id"] for c in CONTRACTS]
                assert all(client.wait(i)["status"] == "ready" for i in ids)
            bodies = [
                {"question": QUESTIONS[i % len(QUESTIONS)], "document_ids": ids[: 1 + i % 2]}
                for i in range(concurrent)
            ]
            answers, health, stop = [], [], threading.Event()
            probe = threading.Thread(target=_probe, args=(service.url, stop, health))
            probe.start()
            try:
                for _ in range(rounds):
                    with ThreadPoolExecutor(concurrent) as pool:
                        answers += pool.map(lambda b: _ask(service.url, headers, b), bodies)
            finally:
                stop.set()
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
    args = parser.parse_args()
    result = run(args.concurrent, args.rounds)
    for name, value in result.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")


if __name__ == "__main__":
    main()
