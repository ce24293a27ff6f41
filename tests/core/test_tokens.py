"""Token counting works offline from the files bundled with llama-index-core."""

from __future__ import annotations

import subprocess
import sys


def test_o200k_loads_with_no_network_and_no_cache(tmp_path) -> None:
    # A fresh interpreter with proxies pointing nowhere: any download attempt would fail.
    code = (
        "from core.text.tokens import count_tokens, encoding;"
        "print(encoding().name, count_tokens('The governing law is Delaware.'))"
    )
    env = {
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    name, count = out.stdout.split()
    # o200k splits this sentence into 6 tokens ("The| governing| law| is| Delaware|.").
    assert name == "o200k_base" and int(count) == 6
