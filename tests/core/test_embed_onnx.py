"""The ONNX embedder against the torch (sentence-transformers) path it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.embedders import SentenceTransformerEmbedder, build_embedder
from core.embeddings.onnx_embedder import OnnxEmbedder, _batches
from core.settings import Settings

TEXTS = [
    "",
    "Governing law.",
    "This Agreement shall be governed by the laws of the State of Delaware.",
    "The Receiving Party shall not disclose Confidential Information to any third party "
    "without the prior written consent of the Disclosing Party. " * 3,
    # a long outlier: past MiniLM's 256 word pieces, truncated on both paths alike
    "Indemnification obligations survive termination of this Agreement for five years. " * 40,
    "Form 1040-NR, line 12: enter the amount from Schedule A.",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    """The reference: the same weights on torch, chosen the way a user would by setting."""
    chosen = build_embedder(Settings(embedding_provider="sentence-transformers", _env_file=None))
    assert isinstance(chosen, SentenceTransformerEmbedder) and chosen.dim == 384
    return np.array(chosen.embed(TEXTS))


@pytest.fixture(scope="module")
def fp32() -> OnnxEmbedder:
    """The float export (FOLIO_EMBEDDING_QUANTIZE=false): the torch path's computation."""
    return OnnxEmbedder(quantize=False)


def test_onnx_vectors_equal_the_torch_path(fp32, torch_vectors) -> None:
    onnx = np.array(fp32.embed(TEXTS))
    assert onnx.shape == (len(TEXTS), 384)
    cosine = (onnx * torch_vectors).sum(axis=1)
    assert cosine.min() > 0.9999, cosine
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)


def test_vectors_come_back_in_input_order_whatever_the_batching(fp32) -> None:
    one_by_one = np.array([fp32.embed([t])[0] for t in TEXTS])
    tiny_batches = OnnxEmbedder(quantize=False, batch_tokens=64).embed_array(TEXTS)
    reversed_ = np.array(fp32.embed(TEXTS[::-1]))[::-1]
    for other in (tiny_batches, reversed_):
        assert np.allclose(one_by_one, other, atol=1e-5)
    assert fp32.embed([]) == []


def test_int8_vectors_move_a_little_with_their_batch(embedder) -> None:
    # Dynamic quantisation scales activations per batch, so a text's int8 vector depends
    # slightly on what it is batched with (cosine 0.966 lowest seen); order is still kept.
    one_by_one = np.array([embedder.embed([t])[0] for t in TEXTS[1:]])
    batched = np.array(embedder.embed(TEXTS[1:][::-1]))[::-1]
    cosine = (one_by_one * batched).sum(axis=1)
    assert cosine.min() > 0.93, cosine
    assert (one_by_one @ batched.T).argmax(axis=1).tolist() == list(range(len(TEXTS) - 1))


def test_batches_keep_the_padded_size_within_budget_and_cover_every_text() -> None:
    lengths = [5, 300, 7, 6, 50, 8, 256, 9]
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches = _batches(order, lengths, budget=64)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        # a single text longer than the budget goes alone; no batch pads to an outlier
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= 64
    assert [300] in [[lengths[i] for i in b] for b in batches]


def test_the_default_int8_weights_stay_close_to_the_float_vectors(embedder, fp32) -> None:
    assert isinstance(embedder, OnnxEmbedder)  # the default, as a user gets it
    assert embedder.path != fp32.path and "int8" in embedder.path.name
    cosine = (embedder.embed_array(TEXTS[1:]) * fp32.embed_array(TEXTS[1:])).sum(axis=1)
    assert cosine.min() > 0.97, cosine


def test_an_unknown_provider_names_the_choices() -> None:
    with pytest.raises(ValueError, match="sentence-transformers"):
        build_embedder(Settings(embedding_provider="nope", _env_file=None))


def test_the_default_embedder_runs_without_importing_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from core.embeddings.embedders import LocalEmbedder; e = LocalEmbedder();"
        " e.embed(['x']); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_onnx_file_is_built_without_torch(tmp_path) -> None:
    """A fresh model cache, with torch unimportable (as in `make serve`'s install): the file
    is built from the weights alone, and its vectors equal the cached file's."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None;"
        "from pathlib import Path; from core.embeddings.onnx_embedder import OnnxEmbedder;"
        f"e = OnnxEmbedder(cache_dir=Path({str(tmp_path)!r}), quantize=False);"
        f"import numpy; numpy.save({str(tmp_path / 'v.npy')!r}, e.embed_array({TEXTS!r}))"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert [p.name.endswith("-fp32.onnx") for p in tmp_path.glob("*.onnx")] == [True]
    built = np.load(tmp_path / "v.npy")
    assert np.allclose(built, OnnxEmbedder(quantize=False).embed_array(TEXTS), atol=1e-6)
