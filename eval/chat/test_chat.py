"""The follow-up benchmark on a slice (3 contracts of CUAD's shared half) through a real
offline `folio serve`: follow-ups asked with the conversation cite the clause turn 1
named far more often than the same follow-ups asked alone. `python -m eval.chat` runs all
of it and writes the report docs/EVAL.md quotes."""

from __future__ import annotations

import pytest

from client import FolioClient
from eval.chat.data import load_conversations
from eval.chat.run import run_chat, upload_all
from eval.chat.scoring import lands, overlaps
from eval.common.paths import shared_data
from eval.common.service import start_service

SLICE = 3


def test_overlap_rule() -> None:
    gold = "This Agreement shall be governed by the laws of the State of New York."
    assert overlaps("governed by the laws of the State of New York", gold)
    assert not overlaps("of the", gold)  # fewer than 3 shared words
    assert not lands(["Either party may terminate on notice."], [gold])


def test_conversations_are_deterministic() -> None:
    cuad = shared_data() / "benchmarks" / "cuad"
    first, again = load_conversations(cuad), load_conversations(cuad)
    assert first == again and {c.half for c in first} == {"dev", "kept-aside"}
    assert all(2 <= len(c.turns) <= 3 and c.gold for c in first)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("chat-eval")
    served = start_service(root / "data", root / "service.log")
    yield served
    served.stop()


def test_follow_ups_land_with_the_rewriter(service, tmp_path) -> None:
    cuad = shared_data() / "benchmarks" / "cuad"
    conversations = load_conversations(cuad)
    keep = sorted({c.contract for c in conversations})[:SLICE]
    conversations = [c for c in conversations if c.contract in keep]
    with FolioClient(service.url, api_key=service.api_key) as client:
        ids = upload_all(client, [cuad / "pdfs" / name for name in keep])
        summary = run_chat(client, conversations, ids, tmp_path)
    rewriter, alone = summary.rate("all", "rewriter"), summary.rate("all", "alone")
    assert rewriter >= alone + 0.2, (rewriter, alone)
    assert summary.rate("all", "rewriter, turn 1 landed") >= 0.6
    report = (tmp_path / "report.md").read_text()
    assert report.count("rewriter") >= 3 and "first one lands" in report
