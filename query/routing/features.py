"""What the learned router knows of a question before anything is spent: the document
size, the question's type (its first words) and wording flags, and the models' prices.

The names in `BASE_FEATURES` are written into the weights file, and loading checks them,
so a change here needs `folio eval router --train` (query/routing/route_model.json).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# The question's first word(s) say what kind of answer it wants.
_QTYPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("how_many", r"^\W*(how\s+(many|much)|what\s+(percentage|amount|number|total))"),
        ("why", r"^\W*why\b"),
        ("how", r"^\W*how\b"),
        ("who", r"^\W*(who|whom|whose)\b"),
        ("when", r"^\W*(when|what\s+(year|date|time))\b"),
        ("where", r"^\W*where\b"),
        ("which", r"^\W*which\b"),
        ("what", r"^\W*what\b"),
        ("yes_no", r"^\W*(is|are|was|were|do|does|did|can|could|has|have|had|will|would)\b"),
        ("instruction", r"^\W*(describe|explain|summari[sz]e|list|compare|discuss|identify)\b"),
    )
)
_FLAGS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("compare", r"\b(compar\w*|contrast\w*|differ\w*|versus|vs\.?|both|between)\b"),
        ("change", r"\b(change[sd]?|evolv\w*|over\s+time|throughout|develop\w*|transform\w*)\b"),
        ("why_how", r"\b(why|how\s+does|how\s+did|impact|affect\w*|reason\w*|significan\w*)\b"),
        ("number", r"\d"),
        ("money", r"\$|\b(revenue|income|loss|cash|expense\w*|assets?|shares?|debt|net)\b"),
        ("paper", r"\bpaper\s+\d|\b(model|method|dataset|benchmark|experiment\w*)\b"),
        ("story", r"\b(narrator|character|story|novel|chapter|he|she|his|her)\b"),
        ("global", r"\b(summari[sz]\w*|overall|entire|whole|all\s+the|every|list\s+all)\b"),
        ("specific", r"\b(specific\w*|exact\w*|precise\w*|name\s+of|what\s+is\s+the)\b"),
    )
)
BASE_FEATURES = (
    ("log_tokens", "log_tokens_sq", "log_documents", "log_question_tokens")
    + tuple(f"type_{name}" for name, _ in _QTYPES)
    + ("type_other",)
    + tuple(f"has_{name}" for name, _ in _FLAGS)
    + ("log_stuff_price", "log_rag_price", "same_model", "log_tokens_x_price_gap")
)


def question_type(question: str) -> str:
    """The kind of question, from its first words ('how_many', 'why', 'what', ..., 'other')."""
    return next((name for name, pattern in _QTYPES if pattern.search(question)), "other")


@dataclass(frozen=True)
class QuestionFacts:
    """What the router knows of a question before anything is spent. Prices are list
    input $ per 1M tokens: the only thing about a model the router knows."""

    question: str
    question_tokens: int
    doc_tokens: int
    n_documents: int
    stuff_price: float  # the model that would read the whole documents
    rag_price: float  # the model that would read the retrieved passages


def base_features(facts: QuestionFacts) -> list[float]:
    """The features other than the question vector, in `BASE_FEATURES` order."""
    f = facts
    log_tokens = math.log(max(f.doc_tokens, 1) / 32_000)
    qtype = question_type(f.question)
    gap = math.log(max(f.stuff_price, 1e-3) / max(f.rag_price, 1e-3))
    return (
        [log_tokens, log_tokens**2, math.log(max(f.n_documents, 1)), math.log1p(f.question_tokens)]
        + [1.0 if qtype == name else 0.0 for name, _ in _QTYPES]
        + [1.0 if qtype == "other" else 0.0]
        + [1.0 if pattern.search(f.question) else 0.0 for _, pattern in _FLAGS]
        + [
            math.log(max(f.stuff_price, 1e-3)),
            math.log(max(f.rag_price, 1e-3)),
            1.0 if abs(gap) < 1e-9 else 0.0,
            log_tokens * gap,
        ]
    )
