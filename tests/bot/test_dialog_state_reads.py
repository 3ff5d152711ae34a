"""A question from someone with no return under way costs no dialog-state work; a return under way still resumes.

Dialog state is read only when a dialog may be running: the process remembers who it last
saw with none. On SQLite (one bot process) that memory is the whole check; on PostgreSQL,
where another worker may have started a return meanwhile, it is checked against the stored
e-tag, and a change there means the state is read in full.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from database_servers import DATABASES
from returns_chat import NOT_MINE, ReturnsChat
from returns_data import add_agreements
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs import checkin_text as say

START_Q2 = "check in for OPCC-2023-014 Q2"
QUESTION = "which grants end this financial year?"
FIRST_QUESTION = "How many referrals in Q2 2026/27? The target is 120."
SECOND_QUESTION = "How many sessions in Q2 2026/27? The target is 300."


@pytest.fixture
async def chat(engine: AsyncEngine) -> ReturnsChat:
    await add_agreements(engine)
    return ReturnsChat(engine)


@contextmanager
def state_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement that touches the dialog-state table while the block runs."""
    seen: list[str] = []

    def record(_connection, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if "bot_state" in statement:
            seen.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def expected_check(engine: AsyncEngine, seen: list[str]) -> None:
    """SQLite: nothing at all. PostgreSQL: at most the one e-tag read, never the state itself, never a write."""
    if engine.dialect.name == "sqlite":
        assert seen == []
    else:
        assert len(seen) == 1 and seen[0].startswith("SELECT bot_state.etag FROM bot_state"), seen


async def test_a_question_with_no_return_under_way_reads_and_writes_no_dialog_state(chat: ReturnsChat, engine: AsyncEngine) -> None:
    assert await chat.last(QUESTION) == NOT_MINE  # the first message since start: state read once, nothing there
    with state_statements(engine) as seen:
        assert await chat.last(QUESTION) == NOT_MINE
        assert await chat.last("and in Southwark?") == NOT_MINE
    assert len(seen) <= 2
    for statement in seen:
        expected_check(engine, [statement])


async def test_after_a_return_is_put_aside_questions_skip_the_state_and_the_return_still_resumes(
    chat: ReturnsChat, engine: AsyncEngine,
) -> None:
    assert (await chat.say(START_Q2))[-1].text == FIRST_QUESTION
    assert await chat.last("130") == SECOND_QUESTION
    assert await chat.last("save for later") == say.SAVED_FOR_LATER
    with state_statements(engine) as seen:
        assert await chat.last(QUESTION) == NOT_MINE
    expected_check(engine, seen)
    replies = await chat.say("continue my return")
    assert replies[-1].text == SECOND_QUESTION


async def test_a_return_under_way_resumes_after_a_restart_even_if_a_question_came_first(chat: ReturnsChat, engine: AsyncEngine) -> None:
    """The new process has seen nobody, so it reads the state and carries on with the return."""
    assert await chat.last(QUESTION) == NOT_MINE
    assert (await chat.say(START_Q2))[-1].text == FIRST_QUESTION
    restarted = ReturnsChat(engine)
    assert await restarted.last("130") == SECOND_QUESTION


# Several workers need PostgreSQL (`serve` runs one process on SQLite), so this runs there only:
# on CI always, locally when TEST_DATABASE_URL is set.
@pytest.mark.parametrize("db_url", [db for db in DATABASES if db == "postgres"], indirect=True)
async def test_a_return_started_through_another_worker_is_carried_on_by_this_one(chat: ReturnsChat, engine: AsyncEngine) -> None:
    """PostgreSQL with `serve --workers 2`: this worker saw no dialog, the other started one; the answer is not lost."""
    other_worker = ReturnsChat(engine)
    assert await chat.last(QUESTION) == NOT_MINE  # this worker now remembers: nothing running
    assert (await other_worker.say(START_Q2))[-1].text == FIRST_QUESTION
    assert await chat.last("130") == SECOND_QUESTION
