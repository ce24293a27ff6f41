"""results.jsonl: one line per typed per-sample result, written as each result arrives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar


class Result(Protocol):
    """A per-sample result of an eval (NiahResult, RetrievalResult, RouterResult)."""

    def to_dict(self) -> dict[str, Any]:
        """The result as one JSON object: its line of results.jsonl."""
        ...


R = TypeVar("R", bound=Result)


class ResultsFile(Generic[R]):
    """Appends each result to `path` as it comes, so a stopped run keeps what it did, and
    keeps the results for the report. `fresh` empties the file first (a rerun into the
    same folder replaces it); otherwise lines are added to what is there."""

    def __init__(self, path: Path, fresh: bool = False, ensure_ascii: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            self.path.write_text("", encoding="utf-8")
        self.ensure_ascii = ensure_ascii
        self.results: list[R] = []

    def write(self, result: R) -> None:
        """Keep `result` and append its line to the file."""
        self.results.append(result)
        line = json.dumps(result.to_dict(), default=str, ensure_ascii=self.ensure_ascii)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
