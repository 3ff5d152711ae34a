"""The register's version: one integer, bumped in the same transaction as every change to it.

Every turn needs to know whether the register it has loaded is still the current one. Counting
the rows and reading `max(updated_at)` walks the whole table; reading one counter row does not.
The counter is bumped by the database connection itself, not by each writer: the first
statement of a transaction that writes one of the register's tables (agreements, providers,
contacts, KPIs) — an import, a Microsoft 365 sync, an end decision, an ORM flush or a bulk
`executemany` alike — also adds one to `register_version.version`, on the same connection,
so the bump commits or rolls back with the change. Several processes sharing one PostgreSQL
database therefore all see a change on their next turn.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import RegisterVersion
from storage.quick_reads import first_row

# The tables an `Agreement` is read from (`storage/agreements.py`).
REGISTER_TABLES = ("agreements", "providers", "contacts", "kpis")
_WRITES_REGISTER = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(?:" + "|".join(REGISTER_TABLES) + r")\"?[\s(]",
    re.IGNORECASE,
)
# An upsert, so a counter row lost to a TRUNCATE of every table comes back instead of
# leaving every later change unseen (SQLite 3.24+ and PostgreSQL both read it).
_BUMP = (
    "INSERT INTO register_version (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = register_version.version + 1"
)
_BUMPED = "register_version_bumped"  # Connection.info key: this transaction has bumped already
OFF = "register_version_off"  # Connection.info key: migrations run before the counter exists


def watch_register_writes(engine: Engine) -> None:
    """Bump the register version once per transaction that writes the register, on `engine`."""
    event.listen(engine, "after_cursor_execute", _after_cursor_execute)
    for name in ("begin", "commit", "rollback", "rollback_savepoint"):
        event.listen(engine, name, _forget)


def _after_cursor_execute(
    connection: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    info = connection.info
    if info.get(_BUMPED) or info.get(OFF) or not _WRITES_REGISTER.match(statement):
        return
    info[_BUMPED] = True
    bump = connection.connection.cursor()
    try:
        bump.execute(_BUMP)
    finally:
        bump.close()


def _forget(connection: Connection, *_: Any) -> None:
    """A new transaction (or the end of one, or of a savepoint) must bump again when it writes."""
    connection.info.pop(_BUMPED, None)


_VERSION = select(RegisterVersion.version).where(RegisterVersion.id == 1)


async def register_version(session: AsyncSession) -> int:
    """The register's current version as `session` sees it: one primary-key read."""
    return int(await session.scalar(_VERSION) or 0)


async def latest_register_version(sessions: async_sessionmaker[AsyncSession]) -> int:
    """The version last committed, read on its own (once per turn; on SQLite without a worker thread)."""
    row = await first_row(sessions, _VERSION)
    return int(row[0] or 0) if row is not None else 0
