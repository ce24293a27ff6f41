"""A suite's document as the service will see it: its PDF, at the asked length in tokens.

Laying text out in lines adds a line break per line (~8% more tokens for essay prose), so
the context length is measured where it matters, on the page texts the PDF gives back
(what ingest counts and stuff sends), and the haystack is rebuilt shorter until that
count is within half a percent of the target.
"""

from __future__ import annotations

from pathlib import Path

from eval.niah.haystack import Haystack, build_haystack
from eval.niah.render import RenderedPdf, paginate, write_pdf
from eval.niah.suites import DocSpec

TOLERANCE = 0.005
ROUNDS = 4


def build_document(spec: DocSpec, path: Path) -> tuple[Haystack, RenderedPdf]:
    """Build, lay out and write `spec`'s PDF at `path`; the PDF text is `spec.length` tokens."""
    if spec.length is None:
        hay = spec.build()
        rendered = paginate(hay.text, path)
    else:
        corpus, want = spec.background(), spec.length
        for _ in range(ROUNDS):
            hay = build_haystack(corpus, want, spec.needles)
            rendered = paginate(hay.text, path)
            got = rendered.tokens
            if abs(got - spec.length) <= TOLERANCE * spec.length:
                break
            want = max(round(want * spec.length / max(got, 1)), 1)
        hay.target_tokens = spec.length
    write_pdf(rendered, title=spec.key)
    return hay, rendered
