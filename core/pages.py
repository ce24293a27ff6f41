"""Per-document page texts, kept on disk for stuffing whole documents and checking citations.

One JSON-lines file per document (`{"page", "text", "tokens"}` per line), written to a
temporary name and renamed when complete, so readers never see half a document.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PageText:
    page: int
    text: str
    tokens: int


class PageStore:
    """Page texts by document id, under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, document_id: str) -> Path:
        return self.root / f"{document_id}.jsonl"

    def write(self, document_id: str, pages: Iterable[PageText]) -> None:
        """Write all pages of a document, replacing any earlier version atomically."""
        final = self._path(document_id)
        tmp = final.with_suffix(".jsonl.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for page in pages:
                fh.write(json.dumps(vars(page), ensure_ascii=False) + "\n")
        os.replace(tmp, final)

    def read(self, document_id: str) -> Iterator[PageText]:
        """The pages of a document in order; nothing if it has none stored."""
        path = self._path(document_id)
        if not path.exists():
            return
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                yield PageText(**json.loads(line))

    def page(self, document_id: str, number: int) -> str | None:
        """Text of one 1-based page, or None."""
        for page in self.read(document_id):
            if page.page == number:
                return page.text
        return None

    def delete(self, document_id: str) -> None:
        self._path(document_id).unlink(missing_ok=True)
