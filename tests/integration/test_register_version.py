"""The register version: one number that changes with every change to the register, and only then.

Each bot turn reads it to decide whether its loaded register is still current, so a change
it missed would leave answers out of date, and a bump on every unrelated write would reload
10,000 agreements after each check-in. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.models import AuditEntry, Provider, table_of
from storage.register_cache import RegisterCache
from storage.register_import import ImportRefused, import_register
from storage.register_version import register_version

HEADER = "reference,kind,title,provider,end_date\n"


async def version(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return await register_version(session)


async def test_an_import_changes_the_version_once_and_reading_does_not(engine: AsyncEngine, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "OPCC-1,grant,ISVA,Safe Harbour,31/03/2027\nOPCC-2,grant,IDVA,Safe Harbour,\n", encoding="utf-8")
    before = await version(engine)
    await import_register(engine, path, today=date(2026, 11, 20))
    after = await version(engine)
    assert after == before + 1  # one transaction, one bump, however many rows it wrote
    cache = RegisterCache(session_factory(engine))
    assert len(await cache.current()) == 2
    assert await version(engine) == after


async def test_a_refused_import_leaves_the_version_as_it_was(engine: AsyncEngine, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "OPCC-1,grant,ISVA,Safe Harbour,31/03/2027\n", encoding="utf-8")
    await import_register(engine, path, today=date(2026, 11, 20))
    before = await version(engine)
    path.write_text(HEADER + "OPCC-1,grant,ISVA,Safe Harbour,31/13/2027\n", encoding="utf-8")
    with pytest.raises(ImportRefused):
        await import_register(engine, path, today=date(2026, 11, 21))
    assert await version(engine) == before


async def test_writes_to_other_tables_leave_it_alone_and_bulk_writes_to_the_register_bump_it(engine: AsyncEngine) -> None:
    before = await version(engine)
    async with session_factory(engine).begin() as session:
        session.add(AuditEntry(at=datetime(2026, 11, 20, tzinfo=UTC), actor="x", action="return_submitted", reference="OPCC-1", field="", old_value="", new_value=""))
    assert await version(engine) == before
    async with engine.begin() as connection:  # Core executemany, as a bulk import writes
        await connection.execute(insert(table_of(Provider)), [{"name": "A", "org_id": ""}, {"name": "B", "org_id": ""}])
    assert await version(engine) == before + 1
    async with engine.begin() as connection:
        await connection.exec_driver_sql("UPDATE providers SET org_id = 'GB-1' WHERE name = 'A'")
    assert await version(engine) == before + 2


async def test_a_rolled_back_change_is_not_counted(engine: AsyncEngine) -> None:
    before = await version(engine)
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO providers (name, org_id) VALUES ('C', '')"))
        await connection.rollback()
    assert await version(engine) == before
