"""The questions a lawyer asks a contract first, and where each is answered.

Each kind names how a question asks for it, the headings of the sections that hold it
("Governing Law", "Limitation of Liability") and the wording of a sentence that states
it ("governed by the laws of", "in no event shall ... be liable"). Parties and dates
are read from the preamble and signature blocks instead (core.reader.contract_sentences). The
kinds follow CUAD's categories (../shared/data/legal/cuad/category_descriptions.csv).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE


@dataclass(frozen=True)
class Kind:
    name: str
    ask: re.Pattern[str]  # the question asks for this
    heading: re.Pattern[str] | None = None  # a section heading that holds it
    clause: re.Pattern[str] | None = None  # a sentence that states it


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


KINDS = (  # first match wins, so narrower kinds come first
    Kind(
        "parties",
        _p(
            r"^\W*(?:who|which|name|list|identify|what\s+are)\b[^?]*\bpart(?:y|ies)\b"
            r"|\bwho\b[^?]*\b(?:signed|sign|entered|enter|between|bound|contracting)\b"
            r"|\bbetween\s+whom\b"
        ),
    ),
    Kind(
        "agreement_date",
        _p(
            r"\bwhen\b[^?]*\b(?:entered|signed|executed|made|dated|concluded)\b"
            r"|\b(?:agreement|execution|signing|signature)\s+date\b|\bdate\s+of\s+(?:the|this)"
            r"\s+(?:agreement|contract)\b|\bwhat\s+date\b|\bwhen\s+was\b"
        ),
    ),
    Kind(
        "effective_date",
        _p(
            r"\beffective\b|\bcommence|\bstart\s+date\b|\bwhen\b[^?]*\b(?:begin|start|take\s+effect)"
        ),
    ),
    Kind(
        "insurance",
        _p(r"\binsurance\b|\binsured\b"),
        _p(r"insurance"),
        _p(r"\binsurance\b|\binsured\b"),
    ),
    Kind(
        "liability",
        _p(r"\bliabilit|\bliable\b|\bcap\b[^?]*\bdamages|\bconsequential\b|\bdamages\b"),
        _p(r"liabilit|damages|remed"),
        _p(
            r"\bliab\w*\b[^.]{0,200}\b(?:exceed|limited|cap\b|in\s+no\s+event|under\s+no"
            r"\s+circumstances|not\s+be\s+liable|excluded)|\b(?:in\s+no\s+event|under\s+no"
            r"\s+circumstances|neither\s+party)\b[^.]{0,160}\bliab|\bsole\s+and\s+exclusive"
            r"\s+remedy|\b(?:indirect|consequential)\s+(?:damages|loss)"
        ),
    ),
    Kind(
        "indemnity",
        _p(r"\bindemn|\bhold\s+harmless"),
        _p(r"indemn"),
        _p(r"\bindemnif\w*|\bhold\s+(?:\w+\s+)?harmless"),
    ),
    Kind(
        "termination",
        _p(r"\bterminat|\bcancel"),
        _p(r"terminat|cancel|default"),
        # The verb states a right to end it ("may terminate"); the noun mostly says what
        # follows an end ("the termination of this Agreement will not release").
        _p(r"\bterminat(?:e|es|ed|ing)\b|\bcancel\w*"),
    ),
    Kind(
        "term",
        _p(
            r"\bexpir|\b(?:initial|renewal)\s+term\b|\bterm\s+of\b|\bhow\s+long\b|\bduration\b"
            r"|\brenew|\bwhen\s+does\b[^?]*\bend\b|\bthe\s+term\b"
        ),
        _p(r"\bterm\b|duration|expir|renewal"),
        _p(
            r"\b(?:initial\s+)?term\b[^.]{0,200}\b(?:continue|commence|remain|expire|end|last)"
            r"|\bterm\s+of\s+this\b[^.]{0,80}\b(?:shall|will|is)\b"
            r"|\b(?:continue|remain)s?\s+in\s+(?:full\s+)?(?:force|effect|operation)"
            r"|\bexpir\w*|\bterminate\s+(?:immediately\s+and\s+)?automatically|\brenew\w*"
        ),
    ),
    Kind(
        "payment",
        _p(r"\bpay|\bfees?\b|\bprice|\bcompensat|\broyalt|\binvoice|\bhow\s+much\b|\bcost"),
        _p(r"payment|\bfees?\b|compensation|pric|royalt|invoice|revenue|consideration|charges"),
        _p(r"\bpa(?:y|id)\w*|\bfees?\b|\binvoic\w*|\broyalt\w*|[$€£]\s?\d|\bprice\w*"),
    ),
    Kind(
        "governing_law",
        _p(
            r"\bgovern|\bapplicable\s+law|\b(?:state|country)'?s?\s+law|\blaws?\s+of\b"
            r"|\bjurisdiction|\bvenue|\bcourts?\b|\bdisputes?\b"
        ),
        _p(r"governing\s+law|applicable\s+law|choice\s+of\s+law|jurisdiction|venue|dispute"),
        _p(
            r"\bgoverned\s+by|\bconstrued\b[^.]{0,80}\blaws?\b|\blaws\s+of\b|\bjurisdiction"
            r"|\bvenue|\bcourts?\s+(?:of|in|located)"
        ),
    ),
    Kind(
        "assignment",
        _p(r"\bassign|\bchange\s+of\s+control|\btransfer\s+(?:this|the)\s+agreement"),
        _p(r"assign|transfer|successors"),
        _p(
            r"\bassign\w*|\bchange\s+of\s+control|\b(?:not|no\s+party)\s+(?:\w+\s+){0,3}assign"
            r"|\bprior\s+written\s+consent"
        ),
    ),
    Kind(
        "confidentiality",
        _p(r"\bconfidential|\bnon-?disclosure"),
        _p(r"confiden|non-?disclosure"),
        _p(r"\bconfidential\w*|\bdisclos\w*"),
    ),
    Kind(
        "exclusivity",
        _p(r"\bexclusiv"),
        _p(r"exclusiv"),
        _p(r"\bexclusiv\w*|\bsole\s+(?:and\s+exclusive\s+)?(?:provider|supplier|distributor)"),
    ),
    Kind(
        "non_compete",
        _p(r"\bcompet|\bsolicit"),
        _p(
            r"non-?compet|competi(?:tion|tive)\s+(?:restriction|activit|business)|restrictive"
            r"\s+covenant|solicit"
        ),
        # Covenants not to compete, not "competitive" in passing.
        _p(
            r"\bnon-?compet\w*|\bnot\s+(?:\w+\s+){0,5}compete\b|\bcompete\s+with\b"
            r"|\bcompeting\s+(?:products?|business)|\bcompetitive\s+business|\bsolicit\w*"
        ),
    ),
    Kind(
        "audit",
        _p(r"\baudit|\bbooks\s+and\s+records|\binspect"),
        _p(r"audit|records|inspection|books"),
        _p(r"\baudit\w*|\bbooks\s+and\s+records|\binspect\w*"),
    ),
)
_SUMMARY = _p(
    r"^\W*(?:summari[sz]e|summary|list|outline|describe|explain|give\s+me|show\s+me)\b"
    r"|\bwhat\s+are\s+the\b|\bwhat\s+(?:rights|obligations)\b"
)
_TOPIC_STOP = frozenset(
    """summarise summarize summary list outline describe explain give me show what are the
    of this agreement contract in a an and or to for all any rights right clause clauses
    section sections provisions provision terms""".split()
)


def question_kind(question: str) -> Kind | None:
    """The kind of contract question this is, or None."""
    return next((k for k in KINDS if k.ask.search(question)), None)


def wants_summary(question: str) -> bool:
    """Whether the question asks for a whole clause ("Summarise / list / what are the X")."""
    return _SUMMARY.search(question) is not None


def topic_words(question: str) -> list[str]:
    """The words naming what a summary question is about ("termination" of "Summarise
    the termination rights"), to match section headings when no kind is known."""
    words = re.findall(r"[a-z]{3,}", question.lower())
    return [w for w in words if w not in _TOPIC_STOP]
