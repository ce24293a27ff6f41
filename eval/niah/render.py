"""Render plain text to a real, book-like PDF with fpdf2, and know which page holds what.

The layout is done here (greedy word wrap against the core font's glyph widths) rather
than by fpdf2's multi_cell, so a 400K-token haystack (~800 pages) renders in seconds
and every page's starting character offset is known: the page a needle lands on is a
fact of the layout, not a guess.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

from core.text.tokens import count_tokens

# Characters outside latin-1 (or in its C1 control range, as cp1252 text read as latin-1
# leaves them) mapped to what a typist would write; the core PDF fonts are latin-1 only.
_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "--", "\u2015": "--", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u2022": "*", "\u00a0": " ", "\u2009": " ", "\u200b": "",
    "\u0091": "'", "\u0092": "'", "\u0093": '"', "\u0094": '"', "\u0096": "-", "\u0097": "--",
    "\u0085": "...", "\u0095": "*", "\ufeff": "",
}  # fmt: skip
_TRANSLATE = str.maketrans(_REPLACEMENTS)
_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\S+")


def latin1_safe(text: str) -> str:
    """Text the core fonts can draw: typographic marks to ASCII, accents kept if latin-1."""
    text = text.translate(_TRANSLATE)
    if all(ord(c) < 0x80 or 0xA0 <= ord(c) <= 0xFF for c in text):
        return text
    out = []
    for char in text:
        if ord(char) < 0x80 or 0xA0 <= ord(char) <= 0xFF:
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in decomposed if ord(c) < 0x80 or 0xA0 <= ord(c) <= 0xFF))
    return "".join(out)


def clean_text(text: str) -> str:
    """latin-1 safe, hard line wraps reflowed, paragraphs separated by one blank line.

    The haystack is counted in tokens after this step, so its token length is that of
    the text the PDF carries (up to the line breaks the layout adds).
    """
    text = latin1_safe(text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = (_SPACES.sub(" ", p).strip() for p in _PARAGRAPH.split(text))
    return "\n\n".join(p for p in paragraphs if p)


@dataclass(frozen=True)
class Layout:
    """A 6 x 9 inch book page: ~450-550 tokens of essay prose each."""

    page_width: float = 432.0  # points
    page_height: float = 648.0
    margin: float = 54.0
    font: str = "Times"
    size: float = 11.5
    leading: float = 15.0

    @property
    def lines_per_page(self) -> int:
        return int((self.page_height - 2 * self.margin) // self.leading)

    @property
    def line_width(self) -> float:
        return self.page_width - 2 * self.margin


@dataclass
class RenderedPdf:
    """A rendered PDF: each page's lines, and the offset in the source text where it starts."""

    path: Path
    page_starts: list[int] = field(default_factory=list)
    page_lines: list[list[str]] = field(default_factory=list, repr=False)

    @property
    def page_texts(self) -> list[str]:
        """Each page's text as a PDF parser reads it back: its lines, one per line."""
        return ["\n".join(line for line in lines if line) for lines in self.page_lines]

    @property
    def tokens(self) -> int:
        """Tokens of the document as ingest counts them (page by page): what gets stuffed."""
        return sum(count_tokens(text) for text in self.page_texts)

    @property
    def pages(self) -> int:
        return len(self.page_starts)

    def page_of(self, offset: int) -> int:
        """1-based page holding the character at `offset` of the source text."""
        return max(bisect.bisect_right(self.page_starts, offset), 1)

    def pages_of(self, start: int, end: int) -> list[int]:
        """1-based pages spanned by the source text [start, end)."""
        return list(range(self.page_of(start), self.page_of(max(end - 1, start)) + 1))


def _wrap(text: str, widths: dict[str, float], size: float, width: float):
    """Yield (line, start offset) over `text`, words greedily packed into `width` points."""
    space = widths.get(" ", 250) * size / 1000
    cache: dict[str, float] = {}

    def measure(word: str) -> float:
        value = cache.get(word)
        if value is None:
            value = sum(widths.get(c, 500) for c in word) * size / 1000
            cache[word] = value
        return value

    for para in re.finditer(r"[^\n]+|\n\n", text):
        if para.group() == "\n\n":
            yield "", para.start()
            continue
        line: list[str] = []
        line_start, used = para.start(), 0.0
        for match in _WORD.finditer(para.group()):
            word, start = match.group(), para.start() + match.start()
            w = measure(word)
            while w > width:  # a word wider than the line (a URL): cut it by characters
                cut = max(1, int(len(word) * width / w))
                if line:
                    yield " ".join(line), line_start
                    line, used = [], 0.0
                yield word[:cut], start
                word, start = word[cut:], start + cut
                w = measure(word)
            if line and used + space + w > width:
                yield " ".join(line), line_start
                line, used = [], 0.0
            if not line:
                line_start = start
                used = w
            else:
                used += space + w
            line.append(word)
        if line:
            yield " ".join(line), line_start


def _pdf(layout: Layout) -> FPDF:
    pdf = FPDF(unit="pt", format=(layout.page_width, layout.page_height))
    pdf.set_auto_page_break(False)
    pdf.set_compression(True)
    pdf.set_creator("folio eval")
    pdf.set_font(layout.font, size=layout.size)
    return pdf


def paginate(text: str, path: Path, layout: Layout | None = None) -> RenderedPdf:
    """Lay `text` (already `clean_text`-ed) out on pages, without writing anything yet."""
    layout = layout or Layout()
    widths = _pdf(layout).current_font.cw
    rendered = RenderedPdf(path=Path(path))
    lines: list[str] = []
    for line, start in _wrap(text, widths, layout.size, layout.line_width):
        if not rendered.page_lines or len(lines) >= layout.lines_per_page:
            if not line:  # no blank line at the top of a page
                continue
            lines = []
            rendered.page_lines.append(lines)
            rendered.page_starts.append(start)
        lines.append(line)
    if not rendered.page_starts:  # empty text still makes a one-page document
        rendered.page_lines.append([])
        rendered.page_starts.append(0)
    return rendered


def write_pdf(rendered: RenderedPdf, title: str = "", layout: Layout | None = None) -> None:
    """Draw the laid-out pages into the PDF file at `rendered.path`."""
    layout = layout or Layout()
    pdf = _pdf(layout)
    if title:
        pdf.set_title(latin1_safe(title))
    for lines in rendered.page_lines:
        pdf.add_page()
        for row, line in enumerate(lines):
            if line:
                pdf.text(layout.margin, layout.margin + layout.size + row * layout.leading, line)
    rendered.path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(rendered.path))


def render_pdf(text: str, path: Path, title: str = "", layout: Layout | None = None) -> RenderedPdf:
    """Lay out and write `text` as a PDF at `path`; return its page map."""
    rendered = paginate(text, path, layout)
    write_pdf(rendered, title, layout)
    return rendered
