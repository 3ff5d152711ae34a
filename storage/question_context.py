"""Each person's last register question per conversation, kept for a day for follow-up questions.

A row is keyed by (conversation id, user id): in a channel the conversation id names the
thread, so two people in one thread — or one person in two threads — never share a context.
The stored data is plain JSON written by `bot/questions/followups.py`; this module neither
reads nor checks it. Rows older than `CONTEXT_LIFETIME` are never returned, and are deleted
on a later save (at most once per `CLEANUP_EVERY`, so a busy bot does not sweep on every turn).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import QuestionContext
from storage.quick_reads import first_row

CONTEXT_LIFETIME = timedelta(days=1)
CLEANUP_EVERY = timedelta(hours=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


class QuestionContexts:
    """Load, save and forget question contexts; each call is its own short transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        now: Callable[[], datetime] = utc_now,
        lifetime: timedelta = CONTEXT_LIFETIME,
    ) -> None:
        self._sessions = sessions
        self._now = now
        self._lifetime = lifetime
        self._last_cleanup: datetime | None = None

    async def load(self, conversation_id: str, user_id: str) -> dict[str, Any] | None:
        """The context saved within the last day for this person here, or None."""
        cutoff = self._now().astimezone(UTC) - self._lifetime
        row = await first_row(self._sessions, select(QuestionContext.data, QuestionContext.updated_at).where(
            QuestionContext.conversation_id == conversation_id, QuestionContext.user_id == user_id,
        ))
        if row is None or _aware(row.updated_at) < cutoff:
            return None
        return dict(row.data)

    async def save(self, conversation_id: str, user_id: str, data: dict[str, Any]) -> None:
        """Replace this person's context here (and now and then delete everyone's expired ones)."""
        now = self._now().astimezone(UTC)
        async with self._sessions() as session, session.begin():
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            statement = insert(QuestionContext).values(
                conversation_id=conversation_id, user_id=user_id, data=data, updated_at=now
            )
            statement = statement.on_conflict_do_update(
                index_elements=["conversation_id", "user_id"],
                set_={"data": statement.excluded.data, "updated_at": statement.excluded.updated_at},
            )
            await session.execute(statement)
            if self._last_cleanup is None or now - self._last_cleanup >= CLEANUP_EVERY:
                await _delete_older_than(session, now - self._lifetime)
                self._last_cleanup = now

    async def forget(self, conversation_id: str, user_id: str) -> None:
        """Drop this person's context here: their next question starts afresh."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(QuestionContext).where(
                    QuestionContext.conversation_id == conversation_id, QuestionContext.user_id == user_id
                )
            )

    async def remove_expired(self) -> int:
        """Delete every context older than the lifetime; how many were deleted."""
        now = self._now().astimezone(UTC)
        async with self._sessions() as session, session.begin():
            removed = await _delete_older_than(session, now - self._lifetime)
        self._last_cleanup = now
        return removed


async def _delete_older_than(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(QuestionContext).where(QuestionContext.updated_at < cutoff))
    return result.rowcount if isinstance(result, CursorResult) else 0


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
