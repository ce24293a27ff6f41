"""Cache-aware cost: what a stuffed question costs when the provider still holds its prefix.

Every stuffed prompt starts with the same instructions and documents (query/prompt.py),
and is sent with `prompt_cache_key` = the document set's key, so the provider routes it
to the machine holding that prefix. When the same set went to the same model within the
catalog's `cache_ttl_s` (the ledger says so), the next stuffed call is expected to find
everything but the question cached, billed at the cached-input price.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

# Providers cache whole blocks of the prefix (OpenAI: 128 tokens), never below 1,024.
CACHE_BLOCK = 128
CACHE_MIN = 1024


def document_set_key(tenant_id: str, document_ids: Iterable[str]) -> str:
    """The document set's id, sent as prompt_cache_key: the same for the same documents,
    in any order, and never the same for two tenants."""
    text = "\n".join([tenant_id, *sorted(document_ids)])
    return "folio-" + hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class WarmCache:
    """A model's cache of this document set: when it was last sent, how long it lives."""

    model: str
    age_s: float
    ttl_s: float


def expected_hit(prefix_tokens: int) -> int:
    """Tokens of a prefix a provider is expected to find cached: whole blocks of it, and
    nothing under its minimum."""
    if prefix_tokens < CACHE_MIN:
        return 0
    return prefix_tokens // CACHE_BLOCK * CACHE_BLOCK
