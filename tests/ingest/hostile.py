"""Hostile PDFs built in the tests from raw bytes: decompression bombs (FlateDecode
content streams of zeros) and token bombs (a little compressed text shown many times)."""

from __future__ import annotations

import zlib


def build_pdf(contents: list[bytes], font: bool = False) -> bytes:
    """A valid PDF with one page per decoded content stream (each stored FlateDecode)."""
    count = len(contents)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
    ]
    resources = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    packed_by_id: dict[int, bytes] = {}  # a bomb repeats one page: compress it once
    for i, content in enumerate(contents):
        page = (
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R"
                " /Resources "
            ).encode()
            + (resources if font else b"<< >>")
            + b" >>"
        )
        packed = packed_by_id.get(id(content)) or zlib.compress(content, 6)
        packed_by_id[id(content)] = packed
        stream = (
            f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode()
            + packed
            + b"\nendstream"
        )
        objects += [page, stream]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def decompression_bomb(pages: int, zeros_mb: int) -> bytes:
    """`pages` pages, each a content stream of `zeros_mb` MB of zero bytes (~1 KB per MB
    compressed): small on disk, gigabytes once decoded."""
    return build_pdf([bytes(zeros_mb << 20)] * pages)


def token_bomb(pages: int, lines_per_page: int) -> bytes:
    """Pages of distinct numbered words, shown line after line: many tokens per byte."""
    contents = []
    for p in range(pages):
        ops = [b"BT /F1 6 Tf 20 780 Td 7 TL"]
        for line in range(lines_per_page):
            words = " ".join(f"w{p}x{line}y{k}" for k in range(12))
            ops.append(f"({words}) Tj T*".encode())
        ops.append(b"ET")
        contents.append(b"\n".join(ops))
    return build_pdf(contents, font=True)
