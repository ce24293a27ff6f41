"""A whole review, timed: CUAD's 40 shared contracts x its 41 fields, offline.

    python -m bench.review [--documents 40] [--fields cuad]

Starts `folio serve` offline, uploads the contracts of ../shared/data/benchmarks/cuad/pdfs
and waits until they are ready (ingest, timed apart), then starts one review with the
`cuad` preset and times it from POST /reviews to `done`: the offline reader filling every
cell in the worker. Prints the ingest time, the review's time, cells per second and the
share of cells found. docs/PERFORMANCE.md has a run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from client import FolioClient
from eval.common.paths import shared_data
from eval.common.service import start_service


def run(documents: int, fields: str) -> dict:
    """The timings of one review of `documents` contracts."""
    pdfs = sorted((shared_data() / "benchmarks" / "cuad" / "pdfs").glob("*.[pP][dD][fF]"))
    pdfs = pdfs[:documents]
    with tempfile.TemporaryDirectory() as tmp:
        service = start_service(Path(tmp) / "data", Path(tmp) / "service.log")
        try:
            with FolioClient(service.url, api_key=service.api_key) as client:
                started = time.perf_counter()
                ids = [client.upload(p)[0]["id"] for p in pdfs]
                ready = [client.wait(i)["status"] == "ready" for i in ids]
                ingest_s = time.perf_counter() - started
                started = time.perf_counter()
                review = client.create_review({"fields": fields, "document_ids": ids})
                while review["status"] in ("queued", "running"):
                    time.sleep(1)
                    review = client.review(review["id"])
                review_s = time.perf_counter() - started
        finally:
            service.stop()
    cells = [c for row in review["rows"] for c in row["cells"].values()]
    return {
        "documents": sum(ready),
        "ingest_s": round(ingest_s, 1),
        "status": review["status"],
        "cells": len(cells),
        "review_s": round(review_s, 1),
        "cells_per_s": round(len(cells) / review_s, 2),
        "found_share": round(sum(c["found"] for c in cells) / max(len(cells), 1), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--fields", default="cuad")
    args = parser.parse_args()
    for name, value in run(args.documents, args.fields).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
