"""Which databases this test run uses, and a statement run outside a transaction.

Kept out of conftest.py so a test module can import it by name: `from conftest import`
finds whichever conftest.py pytest loaded first (tests/bot has its own).
"""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import async_url

CI_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str | None:
    """The PostgreSQL server tests should use, or None when this run has none."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        return CI_DATABASE_URL
    return None


DATABASES = ["sqlite"] + (["postgres"] if postgres_admin_url() else [])


async def execute_autocommit(url: str, statement: str) -> None:
    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()
