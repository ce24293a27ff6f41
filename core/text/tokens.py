"""Token counting with tiktoken that works offline.

tiktoken downloads its BPE files on first use; llama-index-core ships the verified
files for o200k_base and cl100k_base, so we point tiktoken's cache there first.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import tiktoken

DEFAULT_ENCODING = "o200k_base"


def _bundled_cache_dir() -> Path | None:
    spec = find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    cache = Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache"
    return cache if cache.is_dir() else None


@lru_cache(maxsize=4)
def encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """Return a cached tiktoken encoding, loaded from the files bundled with llama-index."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ and "DATA_GYM_CACHE_DIR" not in os.environ:
        bundled = _bundled_cache_dir()
        if bundled is not None:
            os.environ["TIKTOKEN_CACHE_DIR"] = str(bundled)
    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding_name: str = DEFAULT_ENCODING) -> int:
    """Number of tokens in `text` (special-token markers are counted as plain text)."""
    return len(encoding(encoding_name).encode(text, disallowed_special=()))


def tokenizer(encoding_name: str = DEFAULT_ENCODING):
    """A `str -> list[int]` callable, the shape llama-index splitters expect."""
    enc = encoding(encoding_name)
    return lambda text: enc.encode(text, disallowed_special=())
