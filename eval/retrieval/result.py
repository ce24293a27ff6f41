"""The retrieval eval's per-sample result: one query searched in one setting by one
system, scored at every k. Each is one line of results.jsonl (the fields in this order)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from eval.retrieval.metrics import Scores


@dataclass(frozen=True)
class RetrievalResult:
    """One query's ranking, scored against its gold spans."""

    dataset: str  # "contractnli" or "cuad"
    system: str  # "folio" or "bare-bm25"
    setting: str  # "per-document" or "corpus"
    qid: str
    kind: str  # hypothesis id or clause category
    document: str
    gold_spans: int  # gold spans found in the PDF's text (the scored ones)
    gold_unlocated: int  # gold spans not found there
    passages: int  # passages returned
    passages_unlocated: int  # of the top max(k), those not found in any document's text
    latency_ms: float
    at: dict[int, Scores]  # k -> precision, recall and page recall of the top k

    def to_dict(self) -> dict[str, Any]:
        """The results.jsonl line (`at` keyed by k as a string, as JSON has it)."""
        return asdict(self) | {"at": {str(k): asdict(m) for k, m in self.at.items()}}
