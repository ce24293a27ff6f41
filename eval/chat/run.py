"""Ask the conversations through a running folio (POST /query, offline by default) three
ways, score each follow-up's citations against the gold clause, and write results.jsonl
and report.md."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from client import FolioClient
from eval.chat.data import Conversation
from eval.chat.result import CONDITIONS, ChatResult
from eval.chat.scoring import landing
from eval.common.results import ResultsFile
from eval.common.service import upload_ready
from eval.common.tables import markdown_table


@dataclass
class Summary:
    """Share of follow-up turns whose citations land on the gold clause, by half and
    condition (and turn 1's, for reference)."""

    hits: dict[tuple[str, str], list[bool]] = field(default_factory=dict)

    def add(self, result: ChatResult, first_landed: bool = False) -> None:
        """Count a result; a follow-up of a conversation whose turn 1 landed counts again
        under "<condition>, turn 1 landed" (what carrying the subject can reach)."""
        keys = [result.condition]
        if first_landed and result.condition != "first":
            keys.append(f"{result.condition}, turn 1 landed")
        for half in (result.half, "all"):
            for key in keys:
                self.hits.setdefault((half, key), []).append(result.hit)

    def rate(self, half: str, condition: str) -> float:
        got = self.hits.get((half, condition), [])
        return sum(got) / len(got) if got else 0.0

    def count(self, half: str, condition: str) -> int:
        return len(self.hits.get((half, condition), []))


def upload_all(client: FolioClient, pdfs: Sequence[Path]) -> dict[str, str]:
    """Each contract uploaded and ready: file name -> document id."""
    return upload_ready(client, {path.name: path for path in pdfs}, timeout_s=900)


def run_chat(
    client: FolioClient,
    conversations: Sequence[Conversation],
    ids: dict[str, str],
    out: Path,
    on_done: Callable[[], None] | None = None,
) -> Summary:
    """Every conversation asked turn by turn; each follow-up three ways."""
    results: ResultsFile[ChatResult] = ResultsFile(out / "results.jsonl", fresh=True)
    summary = Summary()
    for conv in conversations:
        asked = _conversation(client, conv, ids[conv.contract])
        landed = any(r.hit for r in asked if r.condition == "first")
        for result in asked:
            results.write(result)
            summary.add(result, landed)
        if on_done is not None:
            on_done()
    write_report(summary, out / "report.md", len(conversations), results.results)
    return summary


def _conversation(client: FolioClient, conv: Conversation, doc_id: str) -> list[ChatResult]:
    out = []
    history: list[dict] = []
    for turn, question in enumerate(conv.turns, 1):
        ways = {"first": {"question": question}} if turn == 1 else _ways(conv, turn, history)
        answers = {}
        for condition, body in ways.items():
            started = time.perf_counter()
            answer = client.query(body | {"document_ids": [doc_id]})
            answers[condition] = answer
            out.append(_result(conv, turn, condition, body, answer, started))
        said = answers.get("first") or answers["rewriter"]
        history += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": said["answer"]},
        ]
    return out


def _ways(conv: Conversation, turn: int, history: list[dict]) -> dict[str, dict]:
    question = conv.turns[turn - 1]
    return {
        "rewriter": {"question": question, "history": list(history)},
        "alone": {"question": question},
        "concatenated": {"question": " ".join(conv.turns[:turn])},
    }


def _result(
    conv: Conversation, turn: int, condition: str, body: dict, answer: dict, started: float
) -> ChatResult:
    quotes = [c["quote"] for c in answer["citations"]]
    landed = landing(quotes, conv.gold)
    conversation = answer.get("conversation") or {}
    return ChatResult(
        conversation=conv.id,
        half=conv.half,
        contract=conv.contract,
        category=conv.category,
        turn=turn,
        condition=condition,
        question=body["question"],
        rewritten=conversation.get("rewritten_question"),
        cited=len(quotes),
        hit=any(landed),
        lead_hit=landed[:1] == [True],
        on_gold=sum(landed),
        mode=answer["route"]["mode"],
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def write_report(
    summary: Summary, path: Path, conversations: int, results: Sequence[ChatResult] = ()
) -> None:
    """report.md: the hit rate of follow-up turns by condition, per half; then how the
    answers cite (citations per answer, the share on the gold clause, the first one)."""
    halves = ("dev", "kept-aside", "all")
    lines = [
        "# Follow-up questions (CUAD clauses), offline",
        "",
        f"{conversations} conversations; a follow-up turn is a hit when a quote it cites"
        " overlaps the gold clause turn 1 named (the CUAD manifest's overlap rule).",
        "",
    ]
    rows = []
    given = [f"{c}, turn 1 landed" for c in CONDITIONS]
    for condition in ("first", *CONDITIONS, *given):
        label = "turn 1 (names the clause)" if condition == "first" else condition
        cells = [
            f"{summary.rate(h, condition):.1%} ({summary.count(h, condition)})" for h in halves
        ]
        rows.append([label, *cells])
    lines += markdown_table(["asked", *halves], rows, right=True)
    lines += ["", *_citing(results)] if results else []
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _citing(results: Sequence[ChatResult]) -> list[str]:
    """A hit needs one citation on the clause; this shows what the others are."""
    rows = []
    for condition in ("first", *CONDITIONS):
        got = [r for r in results if r.condition == condition]
        cited = sum(r.cited for r in got)
        rows.append(
            [
                "turn 1" if condition == "first" else condition,
                f"{cited / max(len(got), 1):.2f}",
                f"{sum(r.on_gold for r in got) / max(cited, 1):.1%}",
                f"{sum(r.lead_hit for r in got) / max(len(got), 1):.1%}",
            ]
        )
    head = ["asked (all)", "citations per answer", "of them on the clause", "first one lands"]
    return markdown_table(head, rows, right=True)
