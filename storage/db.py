"""Engines, sessions and schema upgrades for SQLite (the embedded default) and PostgreSQL.

People write database URLs the way they know them (`sqlite:///register.db`,
`postgresql://…`); the async drivers are chosen here so nobody has to remember them.
The schema always comes from the Alembic migrations, for the app and the tests alike.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from storage.register_version import OFF, watch_register_writes
from storage.sqlite_writes import take_turns_writing

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_DATABASE_URL = "sqlite:///commissioning.db"


class DatabaseUrlNotSupported(ValueError):
    """The URL names a database this product does not run on."""


def async_url(url: str) -> str:
    """`sqlite:///x.db` → `sqlite+aiosqlite:///x.db`; `postgresql://` → `postgresql+asyncpg://`."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise DatabaseUrlNotSupported(
            f"Database URLs must start sqlite:/// or postgresql+asyncpg://, not {backend}://"
        )
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys on and a busy timeout for several writers.

    SQL parameters are emails, notes and conversation references: `hide_parameters` keeps them
    out of every error message and SQLAlchemy log line, and aiosqlite — which logs each statement
    with its parameters at DEBUG — is held at INFO, whatever LOG_LEVEL the root logger has.
    """
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    full = async_url(url)
    if full.startswith("sqlite"):
        engine = create_async_engine(full, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL loses nothing when the process is killed (only on power loss).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        take_turns_writing(engine.sync_engine, make_url(full).database or ":memory:", timeout=30)

    else:
        engine = create_async_engine(full, pool_pre_ping=True, hide_parameters=True)
    watch_register_writes(engine.sync_engine)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    # Earlier migrations may write the register before the version counter exists.
    connection.info[OFF] = True
    try:
        command.upgrade(config, revision)
    finally:
        connection.info.pop(OFF, None)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` with the project's migrations."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)
