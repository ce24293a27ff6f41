// Where each citation's [n] marker goes in the answer text: after the words it quotes
// (an offline answer is built from its quotes), else after the sentence that shares the
// most words with the quote (a model's paraphrase), else at the end of the answer.

import { findQuote, fold } from "./highlight.js";

const WORD = /[\p{L}\p{N}]+/gu;
const SENTENCE_END = /[.!?;](?=\s|$)|\n/g;

/** The answer's characters folded as quotes are compared (highlight.js's fold), with the
 * index in `text` just past each folded character. */
function folded(text) {
  const chars = [];
  const ends = [];
  let i = 0;
  for (const ch of text) {
    i += ch.length;
    for (const c of fold(ch)) {
      chars.push(c);
      ends.push(i);
    }
  }
  return { hay: chars.join(""), ends };
}

/** Index in `text` just past the quote's last piece, or -1: the pieces of a quote with
 * an ellipsis are found in order; a piece may match by its first 30+ characters. */
function quoted(text, hay, ends, quote) {
  const { found } = findQuote(hay, quote); // the pieces found so far stand
  let end = found.length ? ends[found[found.length - 1][1] - 1] : -1;
  // Never inside a word (a piece matched by its start only).
  while (end >= 0 && end < text.length && /[\p{L}\p{N}]/u.test(text[end])) end++;
  return end;
}

function words(text) {
  return new Set((text.toLowerCase().match(WORD) || []).filter((w) => w.length > 3));
}

/** End of the sentence sharing the most of the quote's words (two at least, and a
 * quarter of them), or -1. */
function closest(text, quote) {
  const wanted = words(quote);
  let best = -1;
  let most = Math.max(2, Math.ceil(wanted.size / 4)) - 1;
  let start = 0;
  for (const match of [...text.matchAll(SENTENCE_END), { index: text.length }]) {
    // A sentence ends after its stop, or before its line break (the marker stays on its line).
    const end = match[0] === "\n" ? match.index : Math.min(text.length, match.index + 1);
    const shared = [...words(text.slice(start, end))].filter((w) => wanted.has(w)).length;
    if (shared > most) {
      best = end;
      most = shared; // a later sentence must share more
    }
    start = end;
  }
  return best;
}

/** For each citation (in order, numbered from 1): {n, at, how}; `at` is the index in
 * `text` the marker follows, `how` is "quote", "sentence" or "end". */
export function placeMarkers(text, citations) {
  const { hay, ends } = folded(text);
  return citations.map((c, i) => {
    const after = quoted(text, hay, ends, c.quote || "");
    if (after >= 0) return { n: i + 1, at: after, how: "quote" };
    const sentence = closest(text, c.quote || "");
    if (sentence >= 0) return { n: i + 1, at: sentence, how: "sentence" };
    return { n: i + 1, at: text.length, how: "end" };
  });
}

/** The answer's text as nodes, a marker made by `marker(n)` after each place. */
export function withMarkers(text, citations, marker) {
  const places = placeMarkers(text, citations).sort((a, b) => a.at - b.at || a.n - b.n);
  const nodes = [];
  let done = 0;
  for (const { n, at } of places) {
    if (at > done) nodes.push(document.createTextNode(text.slice(done, at)));
    nodes.push(marker(n));
    done = Math.max(done, at);
  }
  if (done < text.length) nodes.push(document.createTextNode(text.slice(done)));
  return nodes;
}
