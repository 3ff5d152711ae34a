"""Insert many rows through the driver's own `executemany`, each column converted once.

A register import writes tens of thousands of rows (agreements, contacts, KPIs, audit
entries). Handing SQLAlchemy a list of dicts makes it build and type-convert each row's
parameters one row at a time, which costs as much as the import's own checks. Here the
INSERT is compiled once per dialect, each column's values go through that column's bind
processor in one pass (pence, dates, JSON and timestamps stored exactly as any other write
stores them), and the rows go to the driver in one `executemany`. It runs on the caller's
connection, inside the caller's transaction, so an import stays all or nothing, and the
register version is still bumped by the connection's write watcher (`storage/register_version.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class DriverInsert:
    """An INSERT as the driver reads it: its SQL, parameter order and each column's converter."""

    sql: str
    columns: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """`rows` as the driver's parameter tuples, converted column by column."""
        converted: list[list[Any]] = []
        for name, process in zip(self.columns, self.processors, strict=True):
            values = [row[name] for row in rows]
            converted.append(values if process is None else _converted(values, process))
        return list(zip(*converted, strict=True))


def _converted(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    """`values` through `process`, each distinct value once (a column repeats its dates, amounts, timestamp)."""
    try:
        once = {value: process(value) for value in set(values)}
    except TypeError:  # unhashable values (JSON dicts): each one in turn
        return list(map(process, values))
    return [once[value] for value in values]


_compiled: dict[tuple[str, str, tuple[str, ...]], DriverInsert] = {}


def driver_insert(table: Table, columns: Sequence[str], dialect: Dialect) -> DriverInsert:
    """The INSERT of `columns` into `table` for `dialect`, compiled once and remembered."""
    key = (dialect.name, table.name, tuple(columns))
    found = _compiled.get(key)
    if found is None:
        compiled = insert(table).values({name: bindparam(name) for name in columns}).compile(dialect=dialect)
        order = tuple(compiled.positiontup or columns)
        if sorted(order) != sorted(columns):  # SQLAlchemy added client-side defaults: not handled here
            raise ValueError(f"a bulk insert into {table.name} must give every column it fills: {sorted(set(order) ^ set(columns))}")
        processors = tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order)
        found = _compiled[key] = DriverInsert(str(compiled), order, processors)
    return found


async def bulk_insert(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` with one driver `executemany`."""
    if not rows:
        return
    connection = await session.connection()
    statement = driver_insert(table, list(rows[0]), connection.dialect)
    await connection.exec_driver_sql(statement.sql, statement.parameters(rows))
