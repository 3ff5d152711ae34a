"""Question contexts in the database: one per person per conversation, for a day, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.models import QuestionContext
from storage.question_context import QuestionContexts

NOON = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
THREAD = "19:contracts@thread.tacv2;messageid=1763632800000"


class Clock:
    """A clock the test moves on by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _rows(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(QuestionContext)) or 0)


async def test_a_saved_context_is_read_back_by_the_same_person_only(engine: AsyncEngine) -> None:
    """Two people in one thread each get their own context; a second save replaces the first."""
    contexts = QuestionContexts(session_factory(engine), now=Clock(NOON))
    await contexts.save(THREAD, "aad-sam", {"question": "grants this quarter"})
    await contexts.save(THREAD, "aad-kim", {"question": "contracts in Lambeth"})
    await contexts.save(THREAD, "aad-sam", {"question": "and in Southwark?"})
    assert await contexts.load(THREAD, "aad-sam") == {"question": "and in Southwark?"}
    assert await contexts.load(THREAD, "aad-kim") == {"question": "contracts in Lambeth"}
    assert await contexts.load("19:contracts@thread.tacv2;messageid=999", "aad-sam") is None
    assert await _rows(engine) == 2


async def test_a_context_older_than_a_day_is_not_used_and_is_cleaned_up(engine: AsyncEngine) -> None:
    """After a day the context reads as absent, and a later save deletes it."""
    clock = Clock(NOON)
    contexts = QuestionContexts(session_factory(engine), now=clock)
    await contexts.save("a:personal-sam", "aad-sam", {"question": "grants this quarter"})
    clock.now = NOON + timedelta(hours=23, minutes=59)
    assert await contexts.load("a:personal-sam", "aad-sam") is not None
    clock.now = NOON + timedelta(days=1, seconds=1)
    assert await contexts.load("a:personal-sam", "aad-sam") is None
    later = QuestionContexts(session_factory(engine), now=clock)  # a fresh process sweeps on its first save
    await later.save("a:personal-kim", "aad-kim", {"question": "contracts"})
    assert await _rows(engine) == 1
    assert await later.remove_expired() == 0


async def test_forgetting_a_context_starts_the_next_question_afresh(engine: AsyncEngine) -> None:
    """`forget` drops only that person's context in that conversation."""
    contexts = QuestionContexts(session_factory(engine), now=Clock(NOON))
    await contexts.save(THREAD, "aad-sam", {"q": 1})
    await contexts.save(THREAD, "aad-kim", {"q": 2})
    await contexts.forget(THREAD, "aad-sam")
    assert await contexts.load(THREAD, "aad-sam") is None
    assert await contexts.load(THREAD, "aad-kim") == {"q": 2}
