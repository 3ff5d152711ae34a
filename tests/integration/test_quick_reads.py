"""The per-turn one-row reads: what a session would read, at once after another process commits.

On SQLite they are answered on the calling thread (`storage/quick_reads.py`); these check that
a turn still sees every committed change at once, that "no row" stays "no row", and that a
read SQLite refuses (a writer holding the file) is read through a session instead of failing.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.db import create_engine, session_factory, upgrade
from storage.models import Provider, QuestionContext, RegisterVersion
from storage.question_context import QuestionContexts
from storage.quick_reads import first_row
from storage.register_version import latest_register_version


async def _bump_elsewhere(db_url: str, name: str) -> None:
    """Another process changes the register (a provider added): its own engine, committed and gone."""
    other = create_engine(db_url)
    async with session_factory(other).begin() as session:
        session.add(Provider(name=name))
    await other.dispose()


async def test_each_turn_sees_the_version_another_process_just_committed(engine: AsyncEngine, db_url: str) -> None:
    sessions = session_factory(engine)
    before = await latest_register_version(sessions)
    await _bump_elsewhere(db_url, "Safer London")
    assert await latest_register_version(sessions) == before + 1
    await _bump_elsewhere(db_url, "Refuge")
    await _bump_elsewhere(db_url, "Victim Support")
    assert await latest_register_version(sessions) == before + 3


async def test_a_context_saved_is_read_back_and_a_missing_one_is_none(engine: AsyncEngine) -> None:
    contexts = QuestionContexts(session_factory(engine))
    assert await contexts.load("a:1", "29:sam") is None
    await contexts.save("a:1", "29:sam", {"question": "grants ending this quarter", "page": 2})
    assert await contexts.load("a:1", "29:sam") == {"question": "grants ending this quarter", "page": 2}
    await contexts.save("a:1", "29:sam", {"question": "and in Lambeth?"})
    assert await contexts.load("a:1", "29:sam") == {"question": "and in Lambeth?"}
    await contexts.forget("a:1", "29:sam")
    assert await contexts.load("a:1", "29:sam") is None


async def test_a_read_sqlite_refuses_on_the_spot_is_read_through_a_session(tmp_path: Path) -> None:
    """A rollback-journal database with a writer holding it: the quick read is refused at once
    (it never waits on the event loop); the session waits its turn and reads the committed row."""
    path = tmp_path / "journal.db"
    migrated = create_engine(f"sqlite:///{path}")
    await upgrade(migrated)
    await migrated.dispose()
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("UPDATE register_version SET version = 41 WHERE id = 1")
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 10})
    try:
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE register_version SET version = 42 WHERE id = 1")
        releaser = threading.Timer(0.5, holder.execute, args=("COMMIT",))
        releaser.start()
        loop_free = asyncio.Event()
        asyncio.get_running_loop().call_later(0.1, loop_free.set)
        row = await first_row(session_factory(engine), select(RegisterVersion.version).where(RegisterVersion.id == 1))
        assert loop_free.is_set()  # the loop ran on while the session waited for the writer
        assert row is not None and row[0] == 42
        releaser.join()
    finally:
        await engine.dispose()
        holder.close()


async def test_a_context_row_reads_the_same_types_either_way(engine: AsyncEngine) -> None:
    contexts = QuestionContexts(session_factory(engine))
    await contexts.save("a:2", "29:kim", {"question": "contracts over £50,000", "values": [1, 2.5, None, True]})
    statement = select(QuestionContext.data, QuestionContext.updated_at).where(QuestionContext.conversation_id == "a:2")
    quick = await first_row(session_factory(engine), statement)
    async with session_factory(engine)() as session:
        slow = (await session.execute(statement)).first()
    assert quick is not None and slow is not None
    assert tuple(quick) == tuple(slow)
