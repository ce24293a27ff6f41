"""How a model says the document does not give what was asked (a refusal).

Shared by the answer path, where a refusal is what Self-Route escalates and what the
learned escalation gate reads (query/routing/gate.py), and by eval/router/scoring.py, where a
refusal is the right answer to a LaRA `hallu` question.
"""

from __future__ import annotations

import re

# How models say the document lacks the answer (LaRA's gold for `hallu` says it this way).
_REFUSAL = re.compile(
    r"\b(does|do|did)\s?n[o']t\s+(\w+\s+){0,3}(provide|mention|contain|include|specify|state"
    r"|disclose|say|discuss|give|offer|detail|indicate|address|describe|reference|list|report"
    r"|have|cover|appear|exist|tell|reveal|explain|identify|present|elaborate)"
    r"|\bno\s+(specific\s+|explicit\s+|direct\s+|such\s+|relevant\s+|mention|information|data"
    r"|details?|record|indication|reference|evidence)"
    r"|\bnot\s+(explicitly\s+|specifically\s+|directly\s+|clearly\s+)?(mentioned|provided"
    r"|specified|stated|included|disclosed|available|found|given|discussed|detailed|addressed"
    r"|described|indicated|contained|present|reported|covered|listed|possible\s+to\s+determine)"
    r"|\b(cannot|can't|can\s+not|unable\s+to)\s+(be\s+)?(determine|find|answer|provide|identify"
    r"|determined|found|answered|provided|identified|locate|confirm|ascertain)"
    r"|\bthere\s+is\s+no\b|\bis\s+not\s+in\s+the\b|\bdoes\s+not\s+appear\b|\bno\s+answer\b"
    r"|\binsufficient\s+information\b|\bnot\s+enough\s+information\b|\bunanswerable\b",
    re.IGNORECASE,
)


def is_refusal(answer: str) -> bool:
    """True when the answer says the document (or context) does not give what was asked."""
    return bool(_REFUSAL.search(answer))
