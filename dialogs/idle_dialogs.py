"""Who is known to have no return dialog running, so their plain questions skip dialog state.

Most messages are register questions from people with no check-in or assessment under way.
Reading their dialog state (a database read and a jsonpickle restore) only to find nothing
running costs every such turn. This keeps, per process, the storage keys last seen with no
dialog running and the e-tag their state had then (`None`: no state stored at all).

Whether a mark can be trusted depends on who else writes dialog state:
- SQLite and in-memory storage have one writer, this process (`serve` refuses more workers on
  SQLite), so a mark holds until this process itself starts a dialog: no database at all.
- On PostgreSQL another worker or replica may have started a dialog for the same person since,
  so the mark is checked against the stored e-tag (one primary-key read of one short column);
  any other e-tag means the state changed and is read in full.
A process that has just started knows nobody, so each person's first message reads their state:
a dialog left running before a restart resumes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import MemoryStorage, Storage

MARKS_KEPT = 50_000  # about 10 MB of keys; the oldest are forgotten first (and simply read again)

ETAG = "e_tag"


class IdleDialogs:
    """Storage keys known to have no dialog running, with the e-tag seen then."""

    def __init__(self, storage: Storage) -> None:
        self._marks: dict[str, str | None] = {}
        self._sole_writer = isinstance(storage, MemoryStorage) or bool(getattr(storage, "sole_writer", False))
        self._etag_of: Callable[[str], Awaitable[str | None]] | None = getattr(storage, "etag_of", None)

    async def idle(self, key: str) -> bool:
        """True only when `key` surely has no dialog running (so its state need not be read)."""
        if key not in self._marks:
            return False
        if self._sole_writer:
            return True
        if self._etag_of is None:
            return False
        return await self._etag_of(key) == self._marks[key]

    def note(self, key: str, state: dict[str, Any] | None, running: bool) -> None:
        """What a turn saw (or saved) for `key`: mark it idle with its e-tag, or forget it."""
        self._marks.pop(key, None)
        if running:
            return
        if len(self._marks) >= MARKS_KEPT:
            del self._marks[next(iter(self._marks))]
        self._marks[key] = (state or {}).get(ETAG)

    def forget(self, key: str) -> None:
        self._marks.pop(key, None)
