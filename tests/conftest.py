"""Shared fixtures: a migrated database per test, on SQLite and (on CI) PostgreSQL.

Tests that take `db_url` or `engine` run once per database. SQLite always runs. PostgreSQL
runs when `TEST_DATABASE_URL` is set, and always on CI (`CI=true`), where an unreachable
server fails the run rather than skipping it. Each test run gets its own PostgreSQL
database (created and dropped here), so several runs can share one server.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from database_servers import CI_DATABASE_URL, DATABASES, postgres_admin_url  # noqa: F401 - re-exported for fixtures
from database_servers import execute_autocommit as _execute_autocommit
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sync_fixtures import m365  # noqa: F401 - the Microsoft 365 stand-ins, a fixture for any test

import dialogs  # noqa: F401 - loads Recognizers-Text once, with decimal precision restored
from storage.db import async_url, create_engine, upgrade
from storage.models import Base


@pytest.fixture(scope="session")
def postgres_test_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run, dropped afterwards."""
    admin = postgres_admin_url()
    assert admin, "PostgreSQL tests need TEST_DATABASE_URL (or CI=true)"
    name = f"cb_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_execute_autocommit(admin, f'CREATE DATABASE "{name}"'))
    url = make_url(async_url(admin)).set(database=name).render_as_string(hide_password=False)

    async def _migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(_migrate())
    yield url
    asyncio.run(_execute_autocommit(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A database URL with the schema at head and no rows, once per database backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'register.db'}"

        async def _migrate() -> None:
            engine = create_engine(url)
            await upgrade(engine)
            await engine.dispose()

        asyncio.run(_migrate())
        return url
    url = request.getfixturevalue("postgres_test_url")
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    asyncio.run(_execute_autocommit(url, f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on `db_url`, disposed after the test."""
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()
