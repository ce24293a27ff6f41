"""The question set: for each of the 40 shared contracts and each of ten kinds, one
question in plain words (one of three wordings, chosen by a hash of the contract and
the kind, so every wording is asked and the set never changes), with CUAD's gold
clauses of the matching category (none: the right answer is "there is none")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from eval.review.data import ReviewBench

KINDS: dict[str, tuple[str, tuple[str, ...]]] = {  # kind -> (CUAD category, wordings)
    "governing law": (
        "Governing Law",
        (
            "Which state's law governs this agreement?",
            "What law governs this contract?",
            "What is the governing law?",
        ),
    ),
    "assignment": (
        "Anti-Assignment",
        (
            "Can this agreement be assigned to someone else?",
            "Is consent needed to assign this contract?",
            "Can either party transfer this agreement?",
        ),
    ),
    "liability cap": (
        "Cap On Liability",
        (
            "Is liability capped?",
            "Is there a limit on liability?",
            "What is the maximum liability under this contract?",
        ),
    ),
    "termination without cause": (
        "Termination For Convenience",
        (
            "Can either party terminate without cause?",
            "Can this contract be terminated for convenience?",
            "Can a party terminate at any time just by giving notice?",
        ),
    ),
    "non-compete": (
        "Non-Compete",
        (
            "Is there a non-compete clause?",
            "Are the parties restricted from competing?",
            "Does this agreement stop a party from competing?",
        ),
    ),
    "exclusivity": (
        "Exclusivity",
        (
            "Is there an exclusivity obligation?",
            "Is the relationship exclusive?",
            "Does either party have exclusive rights?",
        ),
    ),
    "renewal": (
        "Renewal Term",
        (
            "Does the agreement renew automatically?",
            "Is there a renewal term?",
            "Can the term be extended or renewed?",
        ),
    ),
    "audit": (
        "Audit Rights",
        (
            "Does a party have audit rights?",
            "Can a party inspect the other's books and records?",
            "Is there a right to audit?",
        ),
    ),
    "insurance": (
        "Insurance",
        (
            "What insurance must be maintained?",
            "Is a party required to carry insurance?",
            "Are there insurance requirements?",
        ),
    ),
    "liquidated damages": (
        "Liquidated Damages",
        (
            "Is there a liquidated damages clause?",
            "Is a termination fee payable?",
            "Are there liquidated damages or penalties for breach?",
        ),
    ),
}


@dataclass(frozen=True)
class Question:
    qid: str
    contract: str
    kind: str
    category: str
    question: str
    gold: tuple[str, ...]  # CUAD's clauses; empty: the contract has none


def question_set(bench: ReviewBench, kinds: list[str] | None = None) -> list[Question]:
    """One question per (contract, kind)."""
    out = []
    for contract in bench.contracts:
        for kind, (category, wordings) in KINDS.items():
            if kinds is not None and kind not in kinds:
                continue
            digest = hashlib.sha256(f"{contract.name}|{kind}".encode()).digest()
            wording = wordings[digest[0] % len(wordings)]
            qid = f"{contract.name}|{kind}"
            gold = tuple(contract.gold.get(category, []))
            out.append(Question(qid, contract.name, kind, category, wording, gold))
    return out
