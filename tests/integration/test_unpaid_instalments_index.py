"""Migration 0009: the partial index of unpaid instalments, up and down, and the sweep's query using it.

An ordinary day's sweep asks for unpaid instalments due by a date; without this index both
databases walk every instalment due by then, paid or not (most of a large register's rows).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from alembic import command
from database_servers import DATABASES, execute_autocommit, postgres_admin_url
from sqlalchemy import Select, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.payment_alerts import payment_window
from notifications.calendar import BankHolidays
from storage.db import alembic_config, async_url, create_engine, upgrade
from storage.payment_sweep import digest_query, unpaid_query

INDEX = "ix_payment_instalments_unpaid"


@pytest.fixture(params=DATABASES)
async def fresh(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    """An empty database of its own (no migrations run), so this test can move it up and down."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
        yield engine
        await engine.dispose()
        return
    admin = postgres_admin_url()
    assert admin
    name = f"cb_migrate_{uuid.uuid4().hex[:12]}"
    await execute_autocommit(admin, f'CREATE DATABASE "{name}"')
    engine = create_engine(make_url(async_url(admin)).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        await engine.dispose()
        await execute_autocommit(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _indexes(connection: Connection) -> set[str]:
    return {index["name"] for index in inspect(connection).get_indexes("payment_instalments") if index["name"]}


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def _plan(engine: AsyncEngine, query: Select[Any] | None = None) -> str:
    """The database's plan for the sweep's own query (an ordinary day's, unless told), as text."""
    query = query if query is not None else unpaid_query(payment_window(date(2026, 12, 8), BankHolidays()))
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            compiled = query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
            rows = (await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")).all()
            return "\n".join(str(row[-1]) for row in rows)
        await connection.execute(text("SET enable_seqscan = off"))  # an empty table would be scanned anyway
        compiled = query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
        return "\n".join(row[0] for row in (await connection.exec_driver_sql(f"EXPLAIN {compiled}")).all())


async def test_0009_adds_the_unpaid_index_and_takes_it_away_again(fresh: AsyncEngine) -> None:
    """Up from 0008 the index is there; down to 0008 it is gone and the other indexes stay."""
    await upgrade(fresh, "0008")
    async with fresh.connect() as connection:
        before = await connection.run_sync(_indexes)
    assert INDEX not in before
    await upgrade(fresh)
    async with fresh.connect() as connection:
        assert await connection.run_sync(_indexes) == before | {INDEX}
    async with fresh.begin() as connection:
        await connection.run_sync(_downgrade, "0008")
    async with fresh.connect() as connection:
        assert await connection.run_sync(_indexes) == before
        assert (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one() == "0008"


async def test_the_sweeps_query_for_unpaid_instalments_reads_the_partial_index(fresh: AsyncEngine) -> None:
    """Both planners pick the unpaid index for the sweep's query, and neither can once it is dropped."""
    await upgrade(fresh)
    assert INDEX in await _plan(fresh)
    async with fresh.begin() as connection:
        await connection.run_sync(_downgrade, "0008")
    await fresh.dispose()  # a pooled SQLite connection would reuse the statement it prepared with the index
    assert INDEX not in await _plan(fresh)


def _index_columns(connection: Connection) -> list[str]:
    index = next(i for i in inspect(connection).get_indexes("payment_instalments") if i["name"] == INDEX)
    return [str(column) for column in index["column_names"]]


async def test_0011_makes_the_unpaid_index_hold_what_the_rules_read_and_gives_it_back(fresh: AsyncEngine) -> None:
    """Up to 0011 the index carries the amounts, paid date, generated flag and payment reference
    (not the free-text note); down to 0010 it is the due date, agreement and number again."""
    rules_read = ["due", "agreement_id", "number", "amount", "paid_amount", "paid_on", "generated", "payment_reference"]
    await upgrade(fresh)
    async with fresh.connect() as connection:
        assert await connection.run_sync(_index_columns) == rules_read
    async with fresh.begin() as connection:
        await connection.run_sync(_downgrade, "0010")
    async with fresh.connect() as connection:
        assert await connection.run_sync(_index_columns) == ["due", "agreement_id", "number"]


async def test_a_digest_days_read_of_unpaid_instalments_comes_from_the_index(fresh: AsyncEngine) -> None:
    """Both planners answer the digest day's query from the unpaid index; SQLite from the index alone."""
    await upgrade(fresh)
    plan = await _plan(fresh, digest_query(date(2026, 12, 30)))
    assert INDEX in plan
    if fresh.dialect.name == "sqlite":
        assert f"COVERING INDEX {INDEX}" in plan


async def test_both_sweep_reads_come_in_due_order_without_a_sort(fresh: AsyncEngine) -> None:
    """The sweep groups instalments into schedules as they come, trusting the index's due order:
    SQLite must walk the index in order rather than sort (PostgreSQL may sort; its order is still asked for)."""
    await upgrade(fresh)
    for query in (unpaid_query(payment_window(date(2026, 12, 8), BankHolidays())), digest_query(date(2026, 12, 30))):
        compiled = str(query.compile(fresh.sync_engine))
        assert "ORDER BY payment_instalments.due, payment_instalments.agreement_id, payment_instalments.number" in compiled
        if fresh.dialect.name == "sqlite":
            assert "TEMP B-TREE" not in await _plan(fresh, query)
