"""Fast question vectors for the router, from the installed MiniLM's own vocabulary.

The contextual MiniLM forward pass takes 5-15 ms per question on a CPU (far more on a
busy one), too slow for a router held to 2 ms. So the router uses MiniLM's input
layer: the mean of its token-embedding rows for the question's word pieces,
L2-normalised (a "static" MiniLM embedding, in the spirit of model2vec). It is the same
tokenizer and the same 384-dim table the embedder loads, read once at start-up; it
downloads nothing and embeds a question in well under a millisecond.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

QuestionVectors = Callable[[str], np.ndarray]


class StaticMiniLM:
    """Question -> 384 floats: the normalised mean of MiniLM's token embeddings."""

    def __init__(self, tokenizer, table: np.ndarray) -> None:
        self._tokenizer = copy.deepcopy(tokenizer)  # padding off without touching the embedder's
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._table = np.ascontiguousarray(table, dtype=np.float32)
        self.dim = int(self._table.shape[1])

    def __call__(self, question: str) -> np.ndarray:
        """The question's vector (zeros for a question without word pieces)."""
        ids = self._tokenizer.encode(question, add_special_tokens=False).ids[:256]
        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        vec = self._table[ids].mean(axis=0)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec


def static_minilm(embedder: object) -> StaticMiniLM | None:
    """The static vectors of a loaded `core.embeddings.embedders.LocalEmbedder`; None for any other
    embedder (an API embedder has no table to read, and its vectors mean something else)."""
    if hasattr(embedder, "word_table"):  # the ONNX embedder reads the same weights file
        tokenizer, table = embedder.word_table()  # type: ignore[attr-defined]
        return StaticMiniLM(tokenizer, table)
    model = getattr(embedder, "_model", None)
    try:
        tokenizer = model.tokenizer.backend_tokenizer  # type: ignore[union-attr]
        weight = model[0].auto_model.embeddings.word_embeddings.weight  # type: ignore[index]
    except (AttributeError, TypeError, IndexError, KeyError):
        return None
    return StaticMiniLM(tokenizer, weight.detach().cpu().numpy())
