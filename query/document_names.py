"""Documents a question names: "In the Acme NDA, ..." asks that document, not all of them.

A document is named when the words of its file name (without the extension) appear in
the question in order, as whole words. Names too short to be told from ordinary words
(under three characters, or numbers under six digits) never match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from core.storage.documents import Document

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _distinctive(words: list[str]) -> bool:
    joined = "".join(words)
    if len(joined) < 3:
        return False
    return not (joined.isdigit() and len(joined) < 6)


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def named_in(question: str, documents: Sequence[Document]) -> list[Document]:
    """The documents whose names the question spells out; empty when it names none.

    When one name is part of another ("nda" and "nda-2024"), only the longer counts."""
    words = _words(question)
    named = []
    for doc in documents:
        name = _words(Path(doc.filename).stem)
        if name and _distinctive(name) and _contains(words, name):
            named.append((doc, name))
    return [
        doc
        for doc, name in named
        if not any(len(other) > len(name) and _contains(other, name) for _, other in named)
    ]
