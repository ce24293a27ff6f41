"""all-MiniLM-L6-v2 through ONNX Runtime: no torch at run time, both cores, little padding.

The same computation as sentence-transformers (WordPiece, BERT, mean pooling over the
attention mask, L2 normalisation) on the ONNX file `core.embeddings.onnx_model` exports from the
installed weights; tests check the vectors against the torch path (cosine ~1).

Both cores are used by running small batches side by side, each on one ORT thread, not
one batch at a time across ORT's thread pool: each op of a pooled run waits for its
slowest thread, so a core taken for a moment by the parser stalled the other (measured
in docs/PERFORMANCE.md: the embedder alone 18.0 s pooled, 12.5 s side by side).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from core.embeddings.onnx_graph import INPUTS
from core.embeddings.onnx_model import MAX_TOKENS, ensure_model, weights_dir

#: Tokens per batch (padded length x texts): batches are cut by size, not count, so
#: short texts go many at a time and a long outlier never pads a whole batch. Small
#: batches keep a run's activations in cache: 512 was fastest of 256-2048 (PERFORMANCE.md).
BATCH_TOKENS = 512


class OnnxEmbedder:
    """MiniLM (384 dims) on ONNX Runtime; `quantize` uses the int8 weights; `threads`
    batches run side by side (default: one per core)."""

    dim = 384

    def __init__(
        self,
        cache_dir: Path | None = None,
        quantize: bool = False,
        threads: int | None = None,
        batch_tokens: int = BATCH_TOKENS,
    ) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "the onnx embedder needs `onnxruntime` and `tokenizers`"
                " (pip install onnxruntime tokenizers)"
            ) from exc
        self.path = ensure_model(cache_dir, quantize)
        self._tokenizer = Tokenizer.from_file(str(weights_dir() / "tokenizer.json"))
        self._tokenizer.no_padding()  # padded here, per batch, to the batch's longest
        self._tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # parallel across batches instead (module doc)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"]
        )
        self.batch_tokens = batch_tokens
        # A session's run() is thread-safe; the threads start on first use.
        workers = threads or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="embed")

    def word_table(self):
        """(tokenizer, token-embedding table): what `core.embeddings.question_vectors` builds the
        router's static question vectors from, read from the same weights."""
        from safetensors import safe_open

        with safe_open(str(weights_dir() / "model.safetensors"), "np") as weights:
            table = weights.get_tensor("embeddings.word_embeddings.weight")
        return self._tokenizer, table

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors for `texts`, in the input order (computed in length-sorted batches)."""
        return self.embed_array(texts).tolist()

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Like `embed`, as a float32 array of shape (len(texts), 384)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        # Longest first, so the threads finish together on the short ones.
        batches = _batches(order, [len(e.ids) for e in encodings], self.batch_tokens)[::-1]
        if len(batches) == 1:  # a query: no hand-off to a pool thread
            out[batches[0]] = self._run([encodings[i] for i in batches[0]])
            return out
        runs = self._pool.map(lambda batch: self._run([encodings[i] for i in batch]), batches)
        for batch, vectors in zip(batches, runs, strict=True):
            out[batch] = vectors
        return out

    def _run(self, encodings) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        arrays = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in INPUTS}
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            arrays["input_ids"][row, :n] = enc.ids
            arrays["attention_mask"][row, :n] = enc.attention_mask
            arrays["token_type_ids"][row, :n] = enc.type_ids
        (hidden,) = self._session.run(None, arrays)
        mask = arrays["attention_mask"][:, :, None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


def _batches(order: list[int], lengths: list[int], budget: int) -> list[list[int]]:
    """Cut length-sorted indices into batches whose padded size stays within `budget`."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        # sorted ascending, so the newest text is the batch's longest
        if current and lengths[i] * (len(current) + 1) > budget:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches
