"""SQLite writers take turns in the event loop, not in SQLite's busy handler.

SQLite lets one transaction write at a time. A second writer does not queue: its connection
sleeps and retries (1, 2, 5 … then 100 ms at a time, up to the busy timeout), so with a few
dozen people checking in at once most writers sleep through the moments the lock is free, and
a turn that should take milliseconds takes seconds. SQLite serves one bot process (`serve`
refuses more workers on it), so the writers can queue where it is cheap and fair: in the
process, first come first served. The first INSERT, UPDATE or DELETE of a transaction waits
for the database's write turn (an `asyncio.Lock` per database file and event loop); the turn
passes on when the transaction commits or rolls back, or its connection goes back to the pool.
Reads never wait. A transaction that waits longer than the busy timeout fails as SQLite would
("database is locked").
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.util import await_
from sqlalchemy.util.concurrency import in_greenlet

_WRITES = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_HELD = "sqlite_write_turn"  # connection-record info key: the lock this transaction holds
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = weakref.WeakKeyDictionary()


def take_turns_writing(engine: Engine, database: str, *, timeout: float) -> None:
    """Queue `engine`'s write transactions on `database` (a file path) in the running event loop."""

    def before_write(connection: Connection, cursor: Any, statement: str, *_: Any) -> None:
        info = connection.info
        if _HELD in info or not _WRITES.match(statement) or not in_greenlet():
            return
        lock = _lock_for(database)
        try:
            await_(asyncio.wait_for(lock.acquire(), timeout))
        except TimeoutError:
            raise OperationalError(statement, None, sqlite3.OperationalError("database is locked")) from None
        info[_HELD] = lock

    def end_of_transaction(connection: Connection, *_: Any) -> None:
        _release(connection.info)

    def checked_in(_dbapi: Any, record: Any) -> None:
        _release(record.info)

    def reset(_dbapi: Any, record: Any, _reset_state: Any) -> None:
        _release(record.info)

    def invalidated(_dbapi: Any, record: Any, _exception: Any) -> None:
        _release(record.info)

    event.listen(engine, "before_cursor_execute", before_write)
    for name in ("commit", "rollback"):
        event.listen(engine, name, end_of_transaction)
    event.listen(engine.pool, "checkin", checked_in)
    event.listen(engine.pool, "close", checked_in)
    event.listen(engine.pool, "reset", reset)
    event.listen(engine.pool, "invalidate", invalidated)


def _lock_for(database: str) -> asyncio.Lock:
    per_loop = _locks.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(database, asyncio.Lock())


def _release(info: dict[str, Any]) -> None:
    lock = info.pop(_HELD, None)
    if lock is not None and lock.locked():
        lock.release()
