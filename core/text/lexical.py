"""Lexical analysis shared by the sparse (BM25-style) vectors in Qdrant and the offline reader.

Words are lower-cased and Porter-stemmed (so "governs" meets "governed"), stop words
dropped, and each stem hashed to a stable sparse-vector index.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'][A-Za-z0-9]+)*")
_STEMMER = Stemmer.Stemmer("english")

STOP_WORDS = frozenset(
    """a an and are as at be been but by for from has have he her his i if in into is it its
    of on or our she so such than that the their them then there these they this to was we
    were what when where which who whom why will with would you your shall may can do does
    did any all not no""".split()
)

# BM25 term-frequency saturation; Qdrant applies the IDF part (Modifier.IDF).
_K1 = 1.2
_B = 0.75


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def terms(text: str) -> list[str]:
    """Stemmed, lower-cased content words of `text`, in order."""
    words = (w.lower() for w in _WORD.findall(text))
    return [_stem(w) for w in words if w not in STOP_WORDS]


def term_index(term: str) -> int:
    """Stable 31-bit index of a term in the sparse vector space."""
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def sparse_vector(text: str, avg_len: float = 150.0) -> tuple[list[int], list[float]]:
    """BM25 document-side weights of `text` as (indices, values), merged on hash collision."""
    counts = Counter(terms(text))
    length = sum(counts.values()) or 1
    norm = _K1 * (1 - _B + _B * length / avg_len)
    weights: dict[int, float] = {}
    for term, tf in counts.items():
        idx = term_index(term)
        weights[idx] = weights.get(idx, 0.0) + tf * (_K1 + 1) / (tf + norm)
    return list(weights), list(weights.values())


def sparse_query(text: str) -> tuple[list[int], list[float]]:
    """Query-side sparse vector: each distinct term once, weight 1 (IDF comes from Qdrant)."""
    indices = sorted({term_index(t) for t in terms(text)})
    return indices, [1.0] * len(indices)
