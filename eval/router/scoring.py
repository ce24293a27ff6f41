"""The deterministic scorer for LaRA answers (free-text answers against a gold sentence).

The rules, in order, for a question of task `task`:

1. No answer (LaRA recorded none): wrong.
2. `hallu` (the answer is not in the document): right if and only if the answer is a
   refusal, i.e. says the document does not give it (`is_refusal`).
3. Any other task: a refusal is wrong. Otherwise the answer is right when the normalised
   gold is contained in the normalised answer (the short golds: "Pippin.", "79.4%"), or
   when the token F1 of answer against gold, over content words (Porter stems, stop
   words dropped), is at least `F1_BAR` (the long golds, stated in other words). Every
   number the gold states must also be in the answer.

Normalising lower-cases, drops punctuation other than inside numbers, drops commas
inside numbers and the brackets accountants put round negatives ("$(647,571)" states
647571), and collapses white space. Nothing is learned: the same text scores the same.
"""

from __future__ import annotations

import re
from collections import Counter

from core.text.lexical import terms
from core.text.refusals import is_refusal
from eval.common.scoring import numbers

F1_BAR = 0.5

_ACCOUNTING_NEGATIVE = re.compile(r"\((\$?\s?[\d,.]+)\)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_PUNCT = re.compile(r"[^\w\s.%$]|(?<!\d)\.|\.(?!\d)")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-cased, punctuation-free, numbers without thousands commas, single-spaced."""
    text = _ACCOUNTING_NEGATIVE.sub(r"\1", text.lower())
    text = _THOUSANDS.sub("", text)
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def token_f1(answer: str, gold: str) -> float:
    """F1 of content-word stems (multiset overlap), 0 when either side has none."""
    a, g = Counter(terms(answer)), Counter(terms(gold))
    common = sum((a & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def score(task: str, answer: str | None, gold: str) -> bool:
    """Is `answer` right for a LaRA question of `task` with gold answer `gold`? (see above)"""
    if not answer or not answer.strip():
        return False
    refused = is_refusal(answer)
    if task == "hallu":
        return refused
    if refused:
        return False
    if not _numbers_stated(answer, gold):
        return False
    norm_gold = normalise(gold)
    if norm_gold and f" {norm_gold} " in f" {normalise(answer)} ":
        return True
    return token_f1(answer, gold) >= F1_BAR


def _numbers_stated(answer: str, gold: str) -> bool:
    wanted = numbers(normalise(gold))
    if not wanted:
        return True
    given = numbers(normalise(answer))
    return all(any(abs(v - n) <= 1e-6 * max(1.0, abs(n)) for v in given) for n in wanted)
