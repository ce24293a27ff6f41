"""/healthz and /readyz while 50 queries hold every thread of the pool sync routes share
(each waits on a fake model server that holds its answers): both probes answer before any
query does."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from pydantic import SecretStr

from cli.service import build_app
from core.settings import Settings
from tests.api.uploading import SMALL_PDFS, multipart, wait_done, wait_for
from tests.fakes.openai_server import FakeOpenAIServer, Reply

QUERIES = 50  # more than the 40 threads of the pool
ANSWER = '{"answer": "the parties", "found": true, "citations": []}'


def test_probes_answer_while_queries_hold_the_thread_pool(tmp_path, shared_data, embedder):
    release = threading.Event()

    def held(_body: dict) -> Reply:
        release.wait(20)  # in the fake's request thread: the query waits for its answer
        return Reply(ANSWER)

    with FakeOpenAIServer(default=held) as fake:
        settings = Settings(
            data_dir=tmp_path / "data",
            _env_file=None,
            broker_url=None,
            qdrant_url=None,
            openai_base_url=fake.base_url,
            openai_api_key=SecretStr("k"),
        )
        with TestClient(build_app(settings, embedder=embedder)) as api:
            doc = wait_done(
                api, api.post("/documents", **multipart(shared_data / SMALL_PDFS[0])).json()["id"]
            )

            answered: list[int] = []

            def ask() -> None:
                body = {"question": "Who are the parties?", "document_ids": [doc["id"]]}
                answered.append(api.post("/query", json=body).status_code)

            threads = [threading.Thread(target=ask) for _ in range(QUERIES)]
            for thread in threads:
                thread.start()
            try:
                # The pool is full once 40 queries wait on the model server.
                wait_for(lambda: fake.calls(), lambda n: n >= 40, 60)
                health = api.get("/healthz", timeout=30)
                ready = api.get("/readyz", timeout=30)
                in_flight = QUERIES - len(answered)
            finally:
                release.set()
                for thread in threads:
                    thread.join()

    assert health.status_code == 200 and ready.status_code == 200, ready.text
    assert in_flight == QUERIES  # both probes came back before the first query did
    assert len(answered) == QUERIES and 200 in answered
