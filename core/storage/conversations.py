"""Conversations in the registry's database: the turns of each, scoped to its tenant.

A client names a conversation with an id of its choosing; the same id under another
tenant is another conversation, so one tenant can never read another's turns."""

from __future__ import annotations

import time

import sqlalchemy as sa

from core.storage.registry_schema import conversation_turns as turns

#: Turns kept per conversation; older ones are deleted as new ones come.
MAX_TURNS = 200


class ConversationStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def turns(self, tenant_id: str, conversation_id: str) -> list[tuple[str, str]]:
        """The conversation's (role, content) turns, oldest first; [] for a new one."""
        query = (
            sa.select(turns.c.role, turns.c.content)
            .where(turns.c.tenant_id == tenant_id, turns.c.conversation_id == conversation_id)
            .order_by(turns.c.seq)
        )
        with self.engine.connect() as conn:
            return [(r.role, r.content) for r in conn.execute(query)]

    def append(self, tenant_id: str, conversation_id: str, new: list[tuple[str, str]]) -> None:
        """Add turns at the end, dropping the oldest past MAX_TURNS."""
        where = (turns.c.tenant_id == tenant_id, turns.c.conversation_id == conversation_id)
        now = time.time()
        with self.engine.begin() as conn:
            last = conn.execute(sa.select(sa.func.max(turns.c.seq)).where(*where)).scalar()
            start = (last or 0) + 1
            rows = [
                {
                    "tenant_id": tenant_id,
                    "conversation_id": conversation_id,
                    "seq": start + i,
                    "role": role,
                    "content": content,
                    "created_at": now,
                }
                for i, (role, content) in enumerate(new)
            ]
            if rows:
                conn.execute(turns.insert(), rows)
            keep_from = start + len(rows) - MAX_TURNS
            conn.execute(turns.delete().where(*where, turns.c.seq < keep_from))
