// A quote highlighted in pdf.js's text layer: found across its spans, whatever spaces,
// ligatures or curly quotes either side has, and wrapped in <mark class="hl">.

// Characters as compared, as the server compares quotes with pages (api/citations.py):
// compatibility forms (ligatures), straight quotes and dashes; here also lower case and no
// whitespace, since pdf.js splits text into runs with or without the server's spaces.
const STRAIGHT = { "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-" };
const ELLIPSIS = /\s*(?:\.\.\.+|…|\[\.\.\.\])\s*/;

export function fold(text) {
  return text
    .normalize("NFKC")
    .replace(/[“”‘’–—]/g, (c) => STRAIGHT[c])
    .toLowerCase()
    .replace(/\s+/g, "");
}

/** Where the quote's pieces stand in `haystack` (folded text): [start, end) ranges of
 * folded characters, in order, up to the first piece not found; a piece with no exact
 * match takes the longest start of it that is there (30 characters at least). `result`:
 * exact, partial or none. The highlight and the answer's [n] markers both use it. */
export function findQuote(haystack, quote) {
  const pieces = quote.split(ELLIPSIS).map(fold).filter(Boolean);
  const found = [];
  let at = 0;
  let result = pieces.length ? "exact" : "none";
  for (const piece of pieces) {
    let start = haystack.indexOf(piece, at);
    let length = piece.length;
    for (let n = piece.length - 1; start < 0 && n >= Math.min(30, piece.length); n--) {
      start = haystack.indexOf(piece.slice(0, n), at);
      length = n;
    }
    if (start < 0) {
      result = found.length ? "partial" : "none";
      break;
    }
    if (length < piece.length) result = "partial";
    found.push([start, start + length]);
    at = start + length;
  }
  return { found, result };
}

/** Wrap the quote's characters in <mark class="hl"> across text-layer spans; a quote
 * with an ellipsis is found piece by piece, in order. Returns exact, partial or none. */
export function highlight(spans, quote) {
  const hay = [];
  const where = []; // for each folded char: [span index, offset in its text]
  spans.forEach((span, i) => {
    const text = span.textContent;
    for (let j = 0; j < text.length; j++) {
      for (const c of fold(text[j])) {
        hay.push(c);
        where.push([i, j]);
      }
    }
  });
  const { found, result } = findQuote(hay.join(""), quote);
  const ranges = new Map(); // span index -> [[from, to) in its text, ...]
  for (const [from, to] of found) {
    for (let k = from; k < to; k++) {
      const [i, j] = where[k];
      const list = ranges.get(i) || [];
      const last = list[list.length - 1];
      // One mark over a run, whitespace included; a new one after a gap (another piece).
      if (last && !spans[i].textContent.slice(last[1], j).trim()) last[1] = j + 1;
      else list.push([j, j + 1]);
      ranges.set(i, list);
    }
  }
  let first = null;
  for (const [i, list] of ranges) {
    const text = spans[i].textContent;
    const parts = [];
    let done = 0;
    for (const [from, to] of list) {
      const mark = Object.assign(document.createElement("mark"), { className: "hl" });
      mark.textContent = text.slice(from, to);
      parts.push(text.slice(done, from), mark);
      done = to;
      first = first || mark;
    }
    parts.push(text.slice(done));
    spans[i].replaceChildren(...parts);
  }
  first?.scrollIntoView({ block: "center" });
  return result;
}
