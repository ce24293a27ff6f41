"""`python -m eval.chat`: the follow-up benchmark on a fresh offline `folio serve`.

python -m eval.chat [--per-contract 4] [--contracts 40] [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from client import FolioClient
from eval.chat.data import load_conversations
from eval.chat.run import run_chat, upload_all
from eval.common.paths import default_out, shared_data
from eval.common.service import start_service


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m eval.chat", description=__doc__)
    parser.add_argument("--per-contract", type=int, default=4)
    parser.add_argument("--contracts", type=int, default=None, help="the first N only")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    cuad = shared_data() / "benchmarks" / "cuad"
    conversations = load_conversations(cuad, args.per_contract)
    if args.contracts:
        keep = sorted({c.contract for c in conversations})[: args.contracts]
        conversations = [c for c in conversations if c.contract in keep]
    out = args.out or default_out().with_name(default_out().name + "-chat")
    scratch = Path(tempfile.mkdtemp(prefix="folio-chat-"))
    service = start_service(scratch / "data", out / "service.log")
    try:
        with FolioClient(service.url, api_key=service.api_key) as client:
            pdfs = sorted({cuad / "pdfs" / c.contract for c in conversations})
            ids = upload_all(client, pdfs)
            done = [0]

            def tick() -> None:
                done[0] += 1
                print(f"\r{done[0]}/{len(conversations)} conversations", end="", flush=True)

            run_chat(client, conversations, ids, out, tick)
    finally:
        service.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    print((out / "report.md").read_text())


if __name__ == "__main__":
    main()
