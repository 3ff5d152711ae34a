"""One process runs the alert sweep and the outbox sender, however many share a PostgreSQL database.

`serve --workers N` (and several replicas on several hosts) all start an alert scheduler; only
the one holding this lock runs it. The lock is PostgreSQL's session-level advisory lock, held on
a connection of its own for as long as the process lives: if the process dies or its connection
drops, PostgreSQL lets go at once and another worker takes over at its next try. Nothing is
lost in between: the sweep catches up on whatever was missed and the outbox keeps what is owed.

SQLite needs no lock: it serves one process (`serve` refuses more than one worker on it).
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same in every process (and differ from the outbox's claim lock).
SCHEDULER_LOCK_ID = 7_305_162_025


class SchedulerLock:
    """Try for the lock, check it is still held, let it go."""

    def __init__(self, engine: AsyncEngine, lock_id: int = SCHEDULER_LOCK_ID) -> None:
        self._engine = engine
        self._lock_id = lock_id
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""
        if self._connection is not None:
            return True
        # Autocommit: the connection holds the lock for hours and must not sit idle in a transaction.
        connection = await self._engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = await connection.scalar(text("SELECT pg_try_advisory_lock(:lock)"), {"lock": self._lock_id})
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def still_held(self) -> bool:
        """False when the lock's connection has gone (then the lock has gone with it)."""
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
            return True
        except Exception as error:  # noqa: BLE001 - any failure means the session, and the lock, may be gone
            log.warning("Lost the alert scheduler's database connection: %s", type(error).__name__)
            await self._forget()
            return False

    async def release(self) -> None:
        if self._connection is None:
            return
        try:
            await self._connection.execute(text("SELECT pg_advisory_unlock(:lock)"), {"lock": self._lock_id})
        except Exception as error:  # noqa: BLE001 - closing the connection lets go anyway
            log.warning("Could not release the alert scheduler lock: %s", type(error).__name__)
        await self._forget()

    async def _forget(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
