"""The conversation's parts alone: the offline rewriter, the history budget, the [n]
markers and the OpenAI shapes of errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from query.chat import error_body
from query.conversation.history import BadConversation, Turn, fit, split_messages
from query.conversation.markers import place, sources
from query.conversation.rules import is_follow_up, rewrite_by_rules

ASKED = [Turn("user", "What does the agreement say about governing law?"), Turn("assistant", "NY")]


@pytest.mark.parametrize(
    ("follow_up", "standalone"),
    [
        ("What exactly does it say?", "What exactly does the governing law say?"),
        ("Where is that stated?", "Where is the governing law stated?"),
        ("Is that clause mutual?", "Is the governing law clause mutual?"),
        ("And can you quote it?", "Can you quote the governing law?"),
        ("What about termination?", "What does the agreement say about termination?"),
        ("Which state?", "Which state regarding the governing law?"),
        # Standalone questions stay as they are.
        ("Who are the parties?", "Who are the parties?"),
        ("Is there a clause that restricts competition?", None),
    ],
)
def test_rules_carry_the_subject(follow_up: str, standalone: str | None) -> None:
    assert rewrite_by_rules(follow_up, ASKED) == (standalone or follow_up)


def test_the_subject_outlives_several_follow_ups() -> None:
    turns = [
        Turn("user", "Is there a non-compete clause?"),
        Turn("assistant", "Yes."),
        Turn("user", "How long does it last?"),
        Turn("assistant", "Two years."),
    ]
    assert rewrite_by_rules("Does it cover affiliates?", turns) == (
        "Does the non-compete cover affiliates?"
    )
    assert not is_follow_up("What is the governing law of this agreement?")


def test_history_drops_the_oldest_turns_first() -> None:
    turns = [Turn("user", f"question {i} " + "word " * 300) for i in range(10)]
    kept = fit(turns, budget=1_000)
    assert kept.dropped == 7 and kept.turns[-1].content.startswith("question 9")
    assert kept.tokens <= 1_000


def test_messages_split_into_question_and_history() -> None:
    question, history = split_messages(
        [Turn("system", "be nice"), *ASKED, Turn("user", " Why? "), Turn("assistant", "")]
    )
    assert question == "Why?" and history == ASKED
    answered = Turn("assistant", "NY law [1]\n\nSources:\n[1] a.pdf, p. 4")
    assert split_messages([ASKED[0], answered, Turn("user", "Why?")])[1][1].content == "NY law [1]"
    with pytest.raises(BadConversation):
        split_messages([Turn("system", "hi")])


@dataclass
class _Cite:
    filename: str
    page: int
    quote: str


def test_markers_follow_their_quotes() -> None:
    text = "The laws of New York govern. Either party may terminate on notice."
    cites = [_Cite("a.pdf", 3, "either party may terminate"), _Cite("a.pdf", 1, "laws of New York")]
    assert place(text, cites) == (
        "The laws of New York[2] govern. Either party may terminate[1] on notice."
    )
    assert place("No match here", [_Cite("a.pdf", 2, "zzz qqq")]) == "No match here [1]"
    assert sources(cites) == "\n\nSources:\n[1] a.pdf, p. 3\n[2] a.pdf, p. 1"


def test_errors_in_openai_shape() -> None:
    assert error_body(404, "no such model") == {
        "error": {
            "message": "no such model",
            "type": "invalid_request_error",
            "param": None,
            "code": "not_found",
        }
    }
