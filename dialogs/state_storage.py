"""A botbuilder `Storage` on the project database, with optimistic concurrency on e-tags.

`BotState` keeps the dict it read (e-tag included) and writes it back at the end of the
turn, so with this store a turn that read stale state cannot silently overwrite a newer
write: the write fails with `EtagConflict` and the turn is reported as failed instead.
Items are flattened with jsonpickle exactly as the SDK's own Cosmos DB and Blob stores do,
because dialog state holds Python objects (`DialogState`, `DialogInstance`, prompt options).

After a successful write the new e-tag is set on the written item, so a second save of the
same state in the same turn does not conflict with the first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botbuilder.core import Storage
from jsonpickle.pickler import Pickler
from jsonpickle.unpickler import Unpickler
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.bot_state import ANY_ETAG, BotStateTable, EtagConflict, StateChange

__all__ = ["SqlStorage", "EtagConflict"]

E_TAG = "e_tag"
# Items that are not objects (a bare list or number) are stored wrapped, without an e-tag.
WRAPPED = "py/stored-value"


class SqlStorage(Storage):
    """Conversation, user and dialog state in the `bot_state` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self._table = BotStateTable(engine)

    async def read(self, keys: Iterable[str] | None) -> dict[str, Any]:
        if keys is None:
            raise Exception("Keys are required when reading")  # message fixed by StorageBaseTests
        stored = await self._table.read(keys)
        items: dict[str, Any] = {}
        for key, state in stored.items():
            if set(state.data) == {WRAPPED}:
                items[key] = Unpickler().restore(state.data[WRAPPED])
                continue
            data = dict(state.data)
            data[E_TAG] = state.etag
            items[key] = Unpickler().restore(data)
        return items

    @property
    def sole_writer(self) -> bool:
        """Whether this process is the only one writing bot state (SQLite: `serve` runs one worker)."""
        return self._table.sole_writer

    async def etag_of(self, key: str) -> str | None:
        """The e-tag `key` is stored with now (`None`: nothing stored), without reading its state."""
        return await self._table.etag_of(key)

    async def write(self, changes: dict[str, Any] | None) -> None:
        if changes is None:
            raise Exception("Changes are required when writing")  # message fixed by StorageBaseTests
        if not changes:
            return
        prepared: dict[str, StateChange] = {}
        for key, item in changes.items():
            etag = _etag_of(item)
            if etag == "":
                raise EtagConflict(key)
            flat = Pickler().flatten(item)
            if isinstance(flat, dict):
                flat.pop(E_TAG, None)
            else:
                flat = {WRAPPED: flat}
            prepared[key] = StateChange(flat, None if etag in (None, ANY_ETAG) else etag)
        new_etags = await self._table.write(prepared)
        for key, item in changes.items():
            _set_etag(item, new_etags[key])

    async def delete(self, keys: Iterable[str] | None) -> None:
        if keys is None:
            raise Exception("Keys are required when deleting")
        await self._table.delete(keys)


def _etag_of(item: Any) -> str | None:
    if isinstance(item, dict):
        return item.get(E_TAG)
    return getattr(item, E_TAG, None)


def _set_etag(item: Any, etag: str) -> None:
    if isinstance(item, dict):
        item[E_TAG] = etag
    elif hasattr(item, "__dict__"):
        setattr(item, E_TAG, etag)
