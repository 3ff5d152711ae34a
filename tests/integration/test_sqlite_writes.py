"""Writers take turns: many people saving at once all get their writes in, and a failed write never blocks the next.

On SQLite the bot's writers queue in the process (`storage/sqlite_writes.py`) instead of
sleeping in SQLite's busy handler; the turn must pass on however a transaction ends, or the
next writer would wait out the busy timeout and fail with "database is locked".
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.models import Provider, table_of

PROVIDERS = table_of(Provider)


async def count(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(PROVIDERS)) or 0)


async def test_thirty_writers_at_once_all_get_their_rows_in(engine: AsyncEngine) -> None:
    async def write(number: int) -> None:
        async with session_factory(engine)() as session, session.begin():
            await session.execute(insert(PROVIDERS).values(name=f"Provider {number}", org_id=""))
            await asyncio.sleep(0.005)  # the turn goes on doing other work before it commits
            await session.execute(select(func.count()).select_from(PROVIDERS))

    await asyncio.gather(*(write(n) for n in range(30)))
    assert await count(engine) == 30


async def test_a_write_that_fails_or_is_abandoned_never_holds_up_the_next(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await session.execute(insert(PROVIDERS).values(name="Safe Harbour", org_id=""))
    with pytest.raises(IntegrityError):
        async with session_factory(engine)() as session, session.begin():
            await session.execute(insert(PROVIDERS).values(name="Safe Harbour", org_id=""))  # a duplicate: rolled back
    session = session_factory(engine)()
    await session.execute(insert(PROVIDERS).values(name="Abandoned", org_id=""))
    await session.close()  # neither committed nor rolled back by the caller
    async with session_factory(engine)() as later, later.begin():
        await later.execute(insert(PROVIDERS).values(name="Northside", org_id=""))
    assert await count(engine) == 2
