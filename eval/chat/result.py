"""The follow-up eval's per-sample result: one turn of one conversation, asked one way."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: How a turn is asked: with the conversation (its follow-up rewritten), alone, or with
#: every earlier user turn pasted before it; "first" is turn 1, which names the clause.
CONDITIONS = ("rewriter", "alone", "concatenated")


@dataclass(frozen=True)
class ChatResult:
    conversation: str
    half: str
    contract: str
    category: str
    turn: int  # 1-based; turn 1 names the clause
    condition: str  # "first" or one of CONDITIONS
    question: str  # as asked
    rewritten: str | None  # the standalone question folio answered (rewriter only)
    cited: int  # citations in the answer
    hit: bool  # a cited quote overlaps a gold clause
    lead_hit: bool  # the first citation does (an answer that leads with the clause)
    on_gold: int  # citations that overlap a gold clause
    mode: str
    latency_ms: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
