"""One-row reads answered on the thread that asks: SQLite lookups without aiosqlite's hand-offs.

Every bot turn reads rows by key: the register's version, the person's last question and,
during a check-in, the dialog's state and the return being answered.
Through aiosqlite each costs about half a millisecond of CPU — the statement handed to a worker
thread and back several times, through SQLAlchemy's async layer — for a lookup SQLite answers
in microseconds. That was a tenth of a one-agreement turn, twice. On SQLite such reads go here
instead: a plain synchronous engine on the same file, one connection per thread, set read-only
(`PRAGMA query_only`). Under WAL a reader never waits for a writer, and each read sees every
transaction committed before it, as a new session would. Should a read fail for any database
reason (the file locked for recovery, say), `first_row` reads through a session as before.

PostgreSQL gets no such shortcut: its reads cross the network and stay async.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any, TypeVarTuple

from sqlalchemy import Engine, Row, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import SingletonThreadPool

log = logging.getLogger(__name__)

_Ts = TypeVarTuple("_Ts")
_ENGINES: weakref.WeakKeyDictionary[AsyncEngine, Engine | None] = weakref.WeakKeyDictionary()


async def all_rows(
    sessions: async_sessionmaker[AsyncSession], statement: Select[*_Ts], parameters: dict[str, Any] | None = None,
) -> list[Row[*_Ts]]:
    """The rows a small keyed `statement` selects (with its named `parameters`), read the cheapest way there is."""
    quick = _quick_engine(sessions)
    if quick is not None:
        try:
            with quick.connect() as connection:
                return list(connection.execute(statement, parameters))
        except DBAPIError as error:
            log.debug("Quick read unavailable (%s); reading through a session", type(error.orig).__name__)
    async with sessions() as session:
        return list(await session.execute(statement, parameters))


async def first_row(
    sessions: async_sessionmaker[AsyncSession], statement: Select[*_Ts], parameters: dict[str, Any] | None = None,
) -> Row[*_Ts] | None:
    """The one row a primary-key `statement` selects, or None."""
    found = await all_rows(sessions, statement, parameters)
    return found[0] if found else None


def reads_quickly(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Whether `all_rows` reads `sessions`' database on the calling thread (SQLite on a file)."""
    return _quick_engine(sessions) is not None


def _quick_engine(sessions: async_sessionmaker[AsyncSession]) -> Engine | None:
    """The synchronous read-only engine for `sessions`' SQLite file (made once), or None."""
    bound = sessions.kw.get("bind")
    if not isinstance(bound, AsyncEngine):
        return None
    if bound not in _ENGINES:
        _ENGINES[bound] = _sqlite_reader(bound)
    return _ENGINES[bound]


def _sqlite_reader(engine: AsyncEngine) -> Engine | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or "mode=memory" in str(url):
        return None  # PostgreSQL, or a database only its own connection can see
    reader = create_engine(
        make_url(f"sqlite+pysqlite:///{url.database}"),
        poolclass=SingletonThreadPool,
        connect_args={"timeout": 0},  # never sleep on the event loop: fall back instead
        hide_parameters=True,
    )

    @event.listens_for(reader, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    return reader
