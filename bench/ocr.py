"""OCR benchmark: pages/s of ingesting a scanned contract, and how well OCR read it.

    python -m bench.ocr [--pages 8] [--dpi 200 ...] [--workers 2 ...] [--out FILE.json]

A CUAD contract's first pages are scanned (rendered at 150 dpi, skewed, blurred, speckled,
JPEG: tests/ingest/scans.py) into a PDF with no text layer; folio then ingests it as an
upload would be (parsing child, OCR, chunks, embeddings, store), on however many cores
this machine has. Prints pages/s for the parse (render + OCR) and the whole ingest, the
mean OCR confidence, and the character error rate against the contract's text layer.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from core.settings import Settings
from ingest.ingestor import build_ingestor
from ingest.pipeline import ingest_document
from tests.ingest.scans import cer, image_pdf, page_text, scanned_image

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FOLIO_SHARED_DATA", ROOT.parent / "shared" / "data"))
CONTRACT = "legal/cuad_extra/ACCURAYINC_09_01_2010-EX-10.31-DISTRIBUTOR AGREEMENT.PDF"


def run(pages: int, dpi: int, workers: int) -> dict:
    """Scan `pages` pages of the contract, ingest the scan, and measure."""
    source = SHARED / CONTRACT
    with tempfile.TemporaryDirectory() as tmp:
        scan = image_pdf(
            [scanned_image(source, i, seed=i) for i in range(pages)], Path(tmp) / "scan.pdf"
        )
        settings = Settings(
            data_dir=Path(tmp) / "data", _env_file=None, ocr_dpi=dpi, ocr_workers=workers
        )
        ing = build_ingestor(settings)
        sha, size = ing.files.put_file(scan)
        doc, _ = ing.registry.create_or_get("bench", scan.name, sha, size)
        started = time.perf_counter()
        result = ingest_document(doc.id, ing)
        wall = time.perf_counter() - started
        assert result.status == "ready", result.error
        doc = ing.registry.get(doc.id)
        read = [p.text for p in ing.pages.read(doc.id)]
    errors = [cer(read[i], page_text(source, i)) for i in range(pages)]
    parse_s = result.timings["parse_s"]
    return {
        "pages": pages,
        "dpi": dpi,
        "workers": workers,
        "cores": os.cpu_count(),
        "parse_ocr_pages_per_s": round(pages / parse_s, 3),
        "ingest_pages_per_s": round(pages / wall, 3),
        "ocr_pages": len(doc.ocr_pages),
        "mean_confidence": doc.ocr_confidence,
        "mean_cer": round(sum(errors) / len(errors), 5),
        "max_cer": round(max(errors), 5),
        "chunks": result.chunks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--dpi", type=int, nargs="+", default=[200])
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results = [run(args.pages, d, w) for d in args.dpi for w in args.workers]
    print("| dpi | workers | pages | parse+OCR pages/s | ingest pages/s | confidence | CER |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['dpi']} | {r['workers']} | {r['pages']} | {r['parse_ocr_pages_per_s']} |"
            f" {r['ingest_pages_per_s']} | {r['mean_confidence']} |"
            f" {r['mean_cer']:.2%} / {r['max_cer']:.2%} |"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
