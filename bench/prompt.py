"""Read-path benchmark: planning a route and building a stuffed ~400K-token prompt.

    python -m bench.prompt [--tokens 385000] [--repeat 5]

The pages are the IRS manual's in shared/data, repeated up to the target size and stored
in a PageStore as ingest stores them; the timings are what a `stuff` question spends
before the model call (nothing is re-tokenised: the router reads stored counts).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from core.llm.catalog import load_catalog
from core.storage.documents import Document
from core.storage.pages import PageStore, PageText
from core.text.tokens import count_tokens
from ingest.pdf import read_pages
from query import context, prompt
from query.routing.plan import Policy
from query.routing.router import plan

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FOLIO_SHARED_DATA", ROOT.parent / "shared" / "data"))
SOURCE = SHARED / "technical" / "pdf2image-memory-error-test-400p.pdf"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=385_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = [p.text for p in read_pages(SOURCE)]
    counts = [count_tokens(t) for t in texts]
    pages, total = [], 0
    while total < args.tokens:
        i = len(pages) % len(texts)
        if total + counts[i] > args.tokens:
            break
        pages.append(PageText(len(pages) + 1, texts[i], counts[i]))
        total += counts[i]
    with tempfile.TemporaryDirectory() as tmp:
        store = PageStore(Path(tmp))
        store.write("bench", pages)
        doc = Document("bench", "default", "bench.pdf", "0", pages=len(pages), tokens=total)
        catalog = load_catalog()
        plans, builds, naive = [], [], []
        for _ in range(args.repeat):
            # The stock way to size a stuffed prompt: tokenise the whole text per question.
            start = time.perf_counter()
            count_tokens("\n".join(p.text for p in store.read("bench")))
            naive.append(time.perf_counter() - start)
            start = time.perf_counter()
            route = plan("Summarise the document.", [doc], catalog, Policy())
            plans.append(time.perf_counter() - start)
            start = time.perf_counter()
            sources = context.whole([doc], context.PageCache(store))
            messages = prompt.messages(prompt.render(sources), "Summarise the document.")
            builds.append(time.perf_counter() - start)
    size = sum(len(m["content"]) for m in messages)
    print(f"document: {len(pages)} pages, {total:,} tokens; route: {route.mode} {route.model}")
    print(f"plan():        median {statistics.median(plans) * 1000:.2f} ms")
    print(f"re-tokenise:   median {statistics.median(naive) * 1000:.1f} ms (the stock way)")
    print(f"stuff prompt:  median {statistics.median(builds) * 1000:.1f} ms ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
