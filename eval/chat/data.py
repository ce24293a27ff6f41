"""The conversations, written from CUAD's annotations (../shared/data/benchmarks/cuad/):
turn 1 names a clause of a contract that has one; the later turns lean on it ("What
exactly does it say?") and must cite that clause.

Contracts are split by a hash of their file name into a development half (the one looked
at while building the rewriter) and a kept-aside half; every conversation is
deterministic: the same files give the same conversations.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

# Categories answered by the preamble or the title, not by a clause.
_SKIPPED = {"Document Name", "Parties", "Agreement Date", "Effective Date"}
# How a person names a category's clause; the rest are its name in lower case.
_TOPICS = {
    "Anti-Assignment": "assignment",
    "Rofr/Rofo/Rofn": "rights of first refusal",
    "Ip Ownership Assignment": "ownership of intellectual property",
    "Joint Ip Ownership": "joint ownership of intellectual property",
    "Unlimited/All-You-Can-Eat-License": "unlimited license",
    "Affiliate License-Licensor": "licenses to the licensor's affiliates",
    "Affiliate License-Licensee": "licenses to the licensee's affiliates",
    "Revenue/Profit Sharing": "revenue sharing",
    "Cap On Liability": "cap on liability",
    "Notice Period To Terminate Renewal": "notice to terminate renewal",
    "No-Solicit Of Customers": "non-solicitation of customers",
    "No-Solicit Of Employees": "non-solicitation of employees",
    "Competitive Restriction Exception": "exceptions to the competitive restrictions",
}
FIRST_TURNS = (
    "What does the agreement say about {topic}?",
    "Is there a clause on {topic} in this contract?",
    "Tell me about the {topic} provisions.",
)
FOLLOW_UPS = (
    "What exactly does it say?",
    "Can you quote that clause?",
    "Where is that stated in the contract?",
    "Which party does it apply to?",
    "Are there any exceptions to it?",
    "And what are the conditions of that?",
)


@dataclass(frozen=True)
class Conversation:
    id: str
    contract: str  # the PDF's file name
    category: str
    turns: tuple[str, ...]  # the user's turns: the first names the clause
    gold: tuple[str, ...]  # the clause texts that answer it
    half: str  # "dev" or "kept-aside"


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def topic(category: str) -> str:
    return _TOPICS.get(category, category.lower().replace("-", " "))


def load_conversations(cuad_dir: Path, per_contract: int = 4) -> list[Conversation]:
    """Up to `per_contract` conversations per contract (categories with a clause, picked
    by hash), two or three turns each."""
    notes = json.loads((cuad_dir / "cuad_annotations.json").read_text())["contracts"]
    out = []
    for contract in sorted(notes):
        if not (cuad_dir / "pdfs" / contract).is_file():
            continue
        half = "dev" if _hash(contract) % 2 == 0 else "kept-aside"
        cells = []
        for category, cell in notes[contract]["categories"].items():
            gold = tuple(c for c in ast.literal_eval(cell["context_raw"] or "[]") if c.strip())
            if gold and category not in _SKIPPED:
                cells.append((_hash(contract + category), category, gold))
        for h, category, gold in sorted(cells)[:per_contract]:
            first = FIRST_TURNS[h % len(FIRST_TURNS)].format(topic=topic(category))
            follow = [FOLLOW_UPS[(h // 7) % len(FOLLOW_UPS)]]
            if h % 2:  # a third turn, leaning on the same clause
                follow.append(FOLLOW_UPS[(h // 7 + 1) % len(FOLLOW_UPS)])
            cid = f"{_hash(contract):08x}-{category}"
            out.append(Conversation(cid, contract, category, (first, *follow), gold, half))
    return out
