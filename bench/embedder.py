"""Embedder benchmark: ONNX Runtime (fp32 and int8) against the torch path, same chunks.

    python -m bench.embedder [--chunks 400]

Chunks the 50-page i1040nr manual as folio does (128 tokens), embeds the first N with
sentence-transformers (torch, the reference) and with the ONNX embedder in both
variants, and prints chunks/s, the cosine of each vector to the torch one, and how many
of each chunk's 10 nearest neighbours (among the N) stay the same.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FOLIO_SHARED_DATA", ROOT.parent / "shared" / "data"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=400)
    args = parser.parse_args()
    from core.embeddings.embedders import SentenceTransformerEmbedder
    from core.embeddings.onnx_embedder import OnnxEmbedder
    from ingest.chunk import chunk_pages
    from ingest.pdf import read_pages

    pages = [p.text for p in read_pages(SHARED / "technical" / "i1040nr.pdf")]
    texts = [c.text for c in chunk_pages(pages, 128, 16)][: args.chunks]
    print(f"{len(texts)} chunks, load {os.getloadavg()[0]:.1f}")
    contenders = {
        "sentence-transformers (torch)": SentenceTransformerEmbedder,
        "onnx fp32": lambda: OnnxEmbedder(quantize=False),
        "onnx int8": lambda: OnnxEmbedder(quantize=True),
    }
    reference = None
    print("| embedder | chunks/s | cosine min / mean | top-10 neighbours shared |")
    print("|---|---|---|---|")
    for name, make in contenders.items():
        embedder = make()
        started = time.perf_counter()
        vectors = np.array(embedder.embed(texts))
        rate = len(texts) / (time.perf_counter() - started)
        reference = vectors if reference is None else reference
        cosine = (vectors * reference).sum(axis=1)
        shared = np.mean(
            [
                len(
                    set(np.argsort(-reference @ reference[i])[:10])
                    & set(np.argsort(-vectors @ vectors[i])[:10])
                )
                / 10
                for i in range(0, len(texts), 8)
            ]
        )
        print(f"| {name} | {rate:.1f} | {cosine.min():.4f} / {cosine.mean():.4f} | {shared:.2f} |")


if __name__ == "__main__":
    main()
