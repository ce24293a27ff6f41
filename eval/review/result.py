"""The review eval's per-sample result: one cell (contract, category) of one review,
scored by the MANIFEST's rule. Each is one line of results.jsonl."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class CellResult:
    """One cell: what the review answered and how it scores against CUAD's gold."""

    system: str  # "folio" (the service's review) or "bare-bm25"
    contract: str
    category: str
    route: str  # the cell's route mode: "local", "stuff", "rag"
    found: bool
    value: Any
    quotes: list[str]
    pages: list[int]
    gold: int  # gold clauses CUAD marks in this cell (0: none)
    outcome: str  # "tp", "fn", "fp+fn", "fp", "tn"
    evidence: bool | None  # a passage it read holds a gold clause (None: no gold clause)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The results.jsonl line."""
        return asdict(self)
