"""A conversation's earlier turns: read from OpenAI-style messages, trimmed to a token
budget (the oldest turns go first), and rendered for the prompt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import FolioError
from core.text.tokens import count_tokens

ROLES = ("user", "assistant")
#: Tokens of earlier turns a prompt carries at most; older turns are dropped first.
HISTORY_BUDGET = 2_000
#: A single turn longer than this is cut (its start kept): a pasted contract in a chat
#: would otherwise push every other turn out.
TURN_MAX_CHARS = 4_000
#: Where the "Sources" list starts in folio's chat answers (query/conversation/markers.py).
SOURCES_MARK = "\n\nSources:\n"


class BadConversation(FolioError, ValueError):
    """The messages are not a conversation folio can answer (no user turn, bad roles)."""

    status = 400


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    role: str  # "user" or "assistant"
    content: str


@dataclass(frozen=True)
class History:
    """The turns a prompt carries, and what was left out to fit the budget."""

    turns: tuple[Turn, ...] = ()
    tokens: int = 0
    dropped: int = 0  # older turns left out

    def __bool__(self) -> bool:
        return bool(self.turns)


def split_messages(messages: Sequence[Turn]) -> tuple[str, list[Turn]]:
    """The last user message (the question) and the turns before it (the history).

    System messages are the client's instructions to a model, not part of what the
    documents are asked: they are left out. A conversation without a user turn, or whose
    last user turn is empty, is refused (400)."""
    turns = [t for t in messages if t.role in ROLES]
    last = next((i for i in range(len(turns) - 1, -1, -1) if turns[i].role == "user"), None)
    if last is None:
        raise BadConversation("the conversation has no user message to answer")
    question = turns[last].content.strip()
    if not question:
        raise BadConversation("the last user message is empty")
    return question, [_without_sources(t) for t in turns[:last] if t.content.strip()]


def _without_sources(turn: Turn) -> Turn:
    """An earlier answer of folio's without its "Sources" list (sent back by chat
    clients with the rest of the conversation): the prompt needs only what was said."""
    if turn.role != "assistant":
        return turn
    return Turn(turn.role, turn.content.split(SOURCES_MARK, 1)[0])


def fit(turns: Sequence[Turn], budget: int = HISTORY_BUDGET) -> History:
    """The most recent turns whose tokens fit `budget`; older ones are dropped first."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(turns):
        content = turn.content.strip()[:TURN_MAX_CHARS]
        cost = count_tokens(content) + 4  # the role label and line breaks
        if used + cost > budget:
            break
        kept.append(Turn(turn.role, content))
        used += cost
    kept.reverse()
    return History(tuple(kept), used, len(turns) - len(kept))


def render(history: History) -> str:
    """The history as the prompt shows it, after the documents and before the question."""
    lines = ["Earlier in this conversation (for context; answer only the question below):"]
    for turn in history.turns:
        label = "User" if turn.role == "user" else "Assistant"
        lines.append(f"{label}: {turn.content}")
    return "\n".join(lines)
