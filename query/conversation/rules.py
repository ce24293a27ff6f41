"""The offline rewriter: a follow-up made standalone by carrying the subject of earlier
turns (the clause, the document) into it, with no model.

"What does the agreement say about governing law?" then "What exactly does it say?"
becomes "What exactly does the governing law say?"; "What about termination?" takes the
frame of the question before it ("What does the agreement say about termination?").
A question that names its own subject and leans on nothing is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from core.storage.documents import Document
from query.conversation.history import Turn
from query.document_names import named_in

_I = re.IGNORECASE
# Words that lean on an earlier turn; the first is replaced by the subject.
_ANAPHOR = re.compile(
    r"\b(?:(?:that|this|the|these|those|such)\s+(?:clause|provision|section|term|terms|"
    r"paragraph|part|one|obligation|right|restriction|requirement|language|wording)s?|"
    r"it|its|this|that|these|those|they|them|the same)\b",
    _I,
)
# "that" joining a clause ("says that the ...", "a clause that restricts") leans on nothing.
_JOINING_THAT = re.compile(
    r"(?:\b(?:clause|provision|section|party|parties|term|terms|anything|something|one|"
    r"agreement|contract|say|says|state|states|mean|means|so|such)\s+that\b)"
    r"|(?:\bthat\s+(?:the|a|an|it|they|he|she|there|this|each|either|any)\b)",
    _I,
)
_LEAD = re.compile(r"^\s*(?:and|but|also|so|then|ok(?:ay)?|now|great|thanks)\b[\s,]*", _I)
_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?:the\s+)?(.+?)\s*\??\s*$", _I)
_ABOUT = re.compile(
    r"\b(?:about|regarding|concerning|on|for|re|under)\s+(?:the\s+|a\s+|an\s+|any\s+)?(.+?)\s*[?.!]*\s*$",
    _I,
)
_WHO = re.compile(r"^\W*(?:who|whom|which|what)\b[^?]*\bpart(?:y|ies)\b|^\W*who\b", _I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# Words that never name a subject: question words, verbs of asking, generic nouns.
_STOP = frozenset(
    """a an the any some is are was were be been do does did doing done has have had can
    could would should shall will may might must what which who whom whose when where why
    how there this that these those it its they them their i me my we our you your he she
    say says said state states stated contain contains contained mention mentions include
    includes provide provides tell show give quote describe explain list summarise
    summarize please exactly really precisely also and or but so then of in on to for from
    with by as at about regarding concerning under into any all agreement contract document
    documents contracts agreements clause clauses provision provisions section sections
    term here not no yes if whether there's what's it's govern governs governed apply
    applies need needs require requires mean means cover covers""".split()
)


# "... in this contract", "... provisions": the document and generic nouns, not the subject.
_TRAILING = re.compile(
    r"(?:\s+(?:in|of|under|from)\s+(?:this|the|that)\s+(?:agreement|contract|document))?"
    r"(?:\s+(?:clause|clauses|provision|provisions|section|sections))?\s*$",
    _I,
)


def is_follow_up(question: str) -> bool:
    """Whether the question leans on an earlier turn (a pronoun, "that clause", "and ...",
    "what about ...") or is too bare to stand alone."""
    if _anaphor(question) or _LEAD.match(question) or _WHAT_ABOUT.match(question):
        return True
    return not _content_words(question)


# "this agreement" names the document asked, not something said before.
_THE_DOCUMENT = re.compile(
    r"\s+(?:agreement|contract|document|amendment|deal|pdf|file|lease|license)\b", _I
)


def _anaphor(text: str) -> re.Match[str] | None:
    """The first word of `text` that leans on an earlier turn, if any."""
    for match in _ANAPHOR.finditer(text):
        word = match.group(0).lower()
        if word in ("this", "that", "these", "those") and _THE_DOCUMENT.match(text, match.end()):
            continue
        if word != "that":
            return match
        around = text[max(0, match.start() - 20) : match.end() + 8]
        if not _JOINING_THAT.search(around):
            return match
    return None


def subject_of(question: str) -> str | None:
    """What a question is about: the phrase after "about / regarding / on", else its
    content words in order ("governing law" of "What is the governing law?")."""
    match = _ABOUT.search(question)
    if match and _content_words(match.group(1)):
        phrase = match.group(1)
    else:
        phrase = " ".join(_content_words(question))
    phrase = re.sub(r"^(?:the|a|an|any)\s+", "", phrase.strip(" ?.!,;:"), flags=_I)
    phrase = _TRAILING.sub("", phrase).strip()
    return phrase or None


def rewrite_by_rules(
    question: str, history: Sequence[Turn], documents: Sequence[Document] = ()
) -> str:
    """The follow-up as a standalone question (unchanged when it already is one)."""
    if not history or not is_follow_up(question):
        return question
    asked = [t.content for t in history if t.role == "user"]
    subject = carried_subject(asked)
    standalone = question.strip()
    about = _WHAT_ABOUT.match(standalone)
    if about and asked:
        standalone = _reframe(asked[-1], about.group(1)) or standalone
    elif subject:
        standalone = _insert(standalone, subject)
        if _WHO.search(standalone):
            # "Which party does it apply to?" asks about the clause, not about who the
            # contract's parties are: the clause goes first, so it is what is looked up.
            standalone = f"Regarding the {subject} clause: {standalone}"
    return _with_document(standalone, asked, documents)


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w.lower() not in _STOP]


def carried_subject(asked: Sequence[str]) -> str | None:
    """The subject the conversation is on after these user turns: set by each question
    that stands alone, changed by "what about X", kept by the follow-ups between."""
    subject = None
    for text in asked:
        about = _WHAT_ABOUT.match(text)
        if about:
            subject = about.group(1).strip(" ?.!")
        elif not is_follow_up(text) or subject is None:
            subject = subject_of(text) if _content_words(text) else subject
    return subject


def _insert(question: str, subject: str) -> str:
    """The first word that leans on an earlier turn replaced by the subject; without
    one, the subject appended."""
    body = _LEAD.sub("", question).strip() or question.strip()
    body = body[0].upper() + body[1:]
    match = _anaphor(body)
    if match is None:
        return f"{body.rstrip(' ?.!')} regarding the {subject}?"
    word = match.group(0).lower()
    phrase = f"the {subject}'s" if word == "its" else f"the {subject}"
    noun = word.split()[-1]
    if " " in word and noun not in ("one", "same"):  # "that clause": "the X clause"
        phrase = f"the {subject} {noun}"
    return body[: match.start()] + phrase + body[match.end() :]


def _reframe(previous: str, new_subject: str) -> str | None:
    """The earlier question asked about `new_subject` instead ("What about X?")."""
    old = subject_of(previous)
    if not old or old.lower() not in previous.lower():
        return None
    at = previous.lower().rfind(old.lower())
    return previous[:at] + new_subject.strip(" ?.!") + previous[at + len(old) :]


def _with_document(standalone: str, asked: Sequence[str], documents: Sequence[Document]) -> str:
    """The document an earlier turn named, carried when the follow-up names none."""
    if len(documents) < 2 or named_in(standalone, documents):
        return standalone
    for text in reversed(asked):
        named = named_in(text, documents)
        if named:
            names = " and ".join(Path(d.filename).stem for d in named)
            return f"{standalone.rstrip(' ?.!')} in {names}?"
    return standalone
