"""A document's progress while it ingests, written to its registry row at most twice a
second (a 1,000-page PDF would otherwise write thousands of rows), and told to a callback."""

from __future__ import annotations

import time
from collections.abc import Callable

from core.storage.documents import Document
from core.storage.registry import Registry

ProgressFn = Callable[[Document], None]
_EVERY_S = 0.5


class Progress:
    """Pending progress fields of one document; `flush` writes them and tells `callback`."""

    def __init__(self, registry: Registry, document_id: str, callback: ProgressFn | None):
        self.registry, self.document_id, self.callback = registry, document_id, callback
        self.pending: dict[str, int] = {}
        self.last = 0.0

    def update(self, force: bool = False, **fields: int) -> None:
        """Note `fields`; write them if half a second has passed since the last write."""
        self.pending.update(fields)
        if force or time.monotonic() - self.last >= _EVERY_S:
            self.flush()

    def flush(self) -> None:
        """Write what is pending, and tell the callback the document as it now is."""
        if self.pending:
            self.registry.update(self.document_id, **self.pending)
            self.pending = {}
        self.last = time.monotonic()
        if self.callback is not None:
            doc = self.registry.get(self.document_id)
            if doc is not None:
                self.callback(doc)
