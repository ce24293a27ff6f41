"""Cache-aware cost: what a stuffed question costs when the provider still holds its prefix.

Every stuffed prompt starts with the same instructions and documents (query/prompt.py),
and is sent with `prompt_cache_key` = the document set's key, so the provider routes it
to the machine holding that prefix. When the same set went to the same model within the
catalog's `cache_ttl_s` (the ledger says so), the next stuffed call is expected to find
everything but the question cached, billed at the cached-input price.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from core.llm.catalog import Catalog, ModelSpec
from core.storage.usage import CacheUse

# Providers cache whole blocks of the prefix (OpenAI: 128 tokens), never below 1,024.
CACHE_BLOCK = 128
CACHE_MIN = 1024
# What follows the cached prefix besides the question: "\n\nQuestion: " and the turn's end.
QUESTION_TAIL = 8


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


def warm_caches(
    last_use: Callable[[str, list[str], float], Mapping[str, CacheUse]],
    catalog: Catalog,
    cache_key: str,
    now: float,
) -> dict[str, WarmCache]:
    """The models that were sent this document set within their cache lifetime, from the
    ledger (`UsageLedger.last_cache_use`): every API process sees the same."""
    names = [n for n, s in catalog.models.items() if not s.is_local and s.cache_ttl_s > 0]
    if not names:
        return {}
    longest = max(catalog.get(n).cache_ttl_s for n in names)
    out = {}
    for name, use in last_use(cache_key, names, now - longest).items():
        ttl, age = catalog.get(name).cache_ttl_s, max(now - use.created_at, 0.0)
        if age <= ttl:
            out[name] = WarmCache(name, age, ttl)
    return out


def cached_part(spec: ModelSpec, input_tokens: int, question_tokens: int, warm: Mapping) -> int:
    """Input tokens of a stuffed prompt expected to hit `spec`'s warm cache (0: cold, or
    a provider without a cached price)."""
    if spec.name not in warm or spec.price.cached_input is None:
        return 0
    return expected_hit(input_tokens - question_tokens - QUESTION_TAIL)


def cache_words(spec: ModelSpec, warm: WarmCache, cached: int, inp: int, out: int) -> str:
    """'; gpt-5.2 was sent these documents 40 s ago (its cache keeps them 300 s): 5,120 of
    5,300 input tokens priced as cached, $0.0066 instead of $0.0150'."""
    return (
        f"; {spec.name} was sent these documents {warm.age_s:.0f} s ago (its cache keeps them"
        f" {warm.ttl_s:.0f} s): {cached:,} of {inp:,} input tokens priced as cached,"
        f" ${spec.cost(inp, out, cached):.4f} instead of ${spec.cost(inp, out):.4f}"
    )
