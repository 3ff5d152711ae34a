"""Bot conversation and dialog state in the `bot_state` table, with e-tags.

Bot Framework state is last-writer-wins unless the store checks e-tags. These functions are
the SQL half of the bot's `Storage` (the botbuilder half, which turns Python objects into
JSON, lives in `dialogs/state_storage.py` because `storage/` never imports botbuilder).

A write names, per key, the e-tag the writer last read: `None` or `"*"` overwrite
whatever is there; any other e-tag writes only if the row still carries it, else the
whole batch is refused with `EtagConflict` and nothing is written.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import session_factory
from storage.models import BotStateItem
from storage.quick_reads import all_rows, first_row

ANY_ETAG = "*"

# Built once with named parameters: building a statement and its cache key costs SQLAlchemy
# far more than running it, and a check-in turn reads and writes its state every time.
_READ = (
    select(BotStateItem.key, BotStateItem.etag, BotStateItem.data)
    .where(BotStateItem.key.in_(bindparam("keys", expanding=True)))
)
_ETAG = select(BotStateItem.etag).where(BotStateItem.key == bindparam("state_key"))
_REPLACE = (
    update(BotStateItem)
    .where(BotStateItem.key == bindparam("state_key"), BotStateItem.etag == bindparam("expected"))
    .values(etag=bindparam("new_etag"), data=bindparam("new_data"), updated_at=bindparam("now", type_=BotStateItem.updated_at.type))
)
_UPSERTS = {
    name: insert(BotStateItem)
    .values(key=bindparam("state_key"), etag=bindparam("new_etag"), data=bindparam("new_data"),
            updated_at=bindparam("now", type_=BotStateItem.updated_at.type))
    .on_conflict_do_update(
        index_elements=[BotStateItem.key],
        set_={"etag": bindparam("new_etag"), "data": bindparam("new_data"),
              "updated_at": bindparam("now", type_=BotStateItem.updated_at.type)},
    )
    for name, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}


class EtagConflict(Exception):
    """Someone else wrote `key` since it was read: the write was refused, nothing changed."""

    def __init__(self, key: str) -> None:
        super().__init__(f"State for {key!r} changed since it was read")
        self.key = key


@dataclass(frozen=True)
class StoredState:
    """One key's JSON data and the e-tag of that version."""

    etag: str
    data: dict[str, Any]


@dataclass(frozen=True)
class StateChange:
    """Data to store under a key, written only over `expected_etag` unless it is None or "*"."""

    data: dict[str, Any]
    expected_etag: str | None = None


class BotStateTable:
    """Reads and writes bot state rows; each call is its own transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessions: async_sessionmaker[AsyncSession] = session_factory(engine)

    async def read(self, keys: Iterable[str]) -> dict[str, StoredState]:
        """The stored state of each key that exists; unknown keys are left out."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        rows = await all_rows(self._sessions, _READ, {"keys": wanted})
        return {key: StoredState(etag, json.loads(data)) for key, etag, data in rows}

    async def etag_of(self, key: str) -> str | None:
        """The e-tag `key` is stored with, `None` when nothing is: a check that its state is unchanged."""
        row = await first_row(self._sessions, _ETAG, {"state_key": key})
        return None if row is None else str(row[0])

    @property
    def sole_writer(self) -> bool:
        """True on SQLite, which one bot process serves: no other process writes this table."""
        return self._engine.dialect.name == "sqlite"

    async def write(self, changes: dict[str, StateChange]) -> dict[str, str]:
        """Store every change atomically; the new e-tag of each key, or `EtagConflict`."""
        if not changes:
            return {}
        now = datetime.now(UTC)
        new_etags: dict[str, str] = {}
        async with self._sessions() as session, session.begin():
            for key, change in changes.items():
                etag = uuid.uuid4().hex
                text = json.dumps(change.data, separators=(",", ":"), sort_keys=True)
                if change.expected_etag in (None, ANY_ETAG):
                    await self._upsert(session, key, etag, text, now)
                else:
                    # An UPDATE without RETURNING gives a `CursorResult`; `Session.execute` is typed as `Result`.
                    result = cast(CursorResult[Any], await session.execute(_REPLACE, {
                        "state_key": key, "expected": change.expected_etag, "new_etag": etag, "new_data": text, "now": now,
                    }))
                    if result.rowcount != 1:
                        raise EtagConflict(key)
                new_etags[key] = etag
        return new_etags

    async def delete(self, keys: Iterable[str]) -> None:
        """Remove the keys; keys that do not exist are ignored."""
        wanted = list(keys)
        if not wanted:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(delete(BotStateItem).where(BotStateItem.key.in_(wanted)))

    async def _upsert(self, session: AsyncSession, key: str, etag: str, text: str, now: datetime) -> None:
        """Insert the row, or overwrite whatever is stored under `key`."""
        statement = _UPSERTS[self._engine.dialect.name]
        await session.execute(statement, {"state_key": key, "new_etag": etag, "new_data": text, "now": now})
