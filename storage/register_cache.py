"""The register, loaded once per version and reloaded off the event loop when it changes.

Loading 10,000 agreements with their contacts takes far longer than a Teams user should wait,
and every question needs the whole register. Each turn reads one integer — the register
version (`storage/register_version.py`), bumped in the same transaction as every change — and
the register is reloaded only when it differs. Several bot processes sharing one PostgreSQL
database therefore all see an import within one question.

A reload runs in a worker thread on its own connection, with whatever the caller wants built
from the register alongside it (`prepare`: the question engine's indexes, the contact map), so
the event loop keeps answering other turns meanwhile. A turn that finds a newer version waits
briefly for it — a small register is ready at once — and otherwise answers from the previous
version; `behind_for()` says for how long the answers have been from a superseded version.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.agreement import Agreement
from storage.agreements import load_register
from storage.register_version import latest_register_version, register_version

log = logging.getLogger(__name__)

# How long a turn that noticed a new version waits for it before answering from the previous one.
FRESH_WAIT = 0.5
Prepare = Callable[[Sequence[Agreement]], object]


class RegisterCache:
    """Hands out the current register, reloading it (in a worker thread) when its version changes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, prepare: Prepare | None = None) -> None:
        self._sessions = sessions
        self.prepare = prepare
        self._version: int | None = None
        self._register: tuple[Agreement, ...] = ()
        self._reload: asyncio.Task[None] | None = None
        self._reloading_version: int | None = None
        self._behind_since: float | None = None  # when a newer version than the one served was first seen

    async def current(self) -> Sequence[Agreement]:
        """The register as it is now; while a new version loads, the previous one (after a short wait)."""
        version = await latest_register_version(self._sessions)
        if version == self._version:
            return self._register
        task = self._reload_to(version)
        if self._version is None:
            await asyncio.shield(task)  # nothing to answer from yet
        else:
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=FRESH_WAIT)
            except TimeoutError:
                pass  # answer from the previous version; the reload goes on
            except Exception:  # noqa: BLE001 - logged by the reload; the previous version still answers
                pass
        return self._register

    def behind_for(self) -> float:
        """Seconds the register handed out has been older than the database's (0 when current)."""
        return 0.0 if self._behind_since is None else time.monotonic() - self._behind_since

    async def warm(self) -> None:
        """Load the register now (at start-up), so the first question does not wait for it."""
        await self.current()

    def _reload_to(self, version: int) -> asyncio.Task[None]:
        if self._reload is not None and not self._reload.done():
            if self._reloading_version != version and self._behind_since is None:
                self._behind_since = time.monotonic()
            return self._reload
        if self._version is not None and self._behind_since is None:
            self._behind_since = time.monotonic()
        self._reloading_version = version
        self._reload = asyncio.create_task(self._load())
        return self._reload

    async def _load(self) -> None:
        try:
            engine = self._sessions.kw.get("bind")
            if isinstance(engine, AsyncEngine) and engine.url.database not in (None, "", ":memory:"):
                url = engine.url.render_as_string(hide_password=False)
                version, register = await asyncio.to_thread(_load_in_thread, url, self.prepare)
            else:  # an in-memory database exists only on its own connection: read it here
                async with self._sessions() as session:
                    version = await register_version(session)
                    register = tuple(await load_register(session))
                if self.prepare is not None:
                    self.prepare(register)
        except Exception:
            log.exception("Could not reload the register; answering from the version already loaded")
            raise
        self._register, self._version = register, version
        # A newer version may have been committed while this one loaded: the next turn sees it.
        self._behind_since = None


def _load_in_thread(url: str, prepare: Prepare | None) -> tuple[int, tuple[Agreement, ...]]:
    """Read the register and build what questions need from it, on a connection of this thread's own."""
    # Tens of thousands of long-lived objects: collecting while they are built walks them again
    # and again (seconds at 100,000 agreements); afterwards they are frozen out of collection.
    collecting = gc.isenabled()
    gc.disable()
    try:
        version, register = asyncio.run(_read(url))
        if prepare is not None:
            prepare(register)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    return version, register


async def _read(url: str) -> tuple[int, tuple[Agreement, ...]]:
    from storage.db import create_engine, session_factory

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            # The version is read in the same transaction as the rows it describes.
            version = await register_version(session)
            return version, tuple(await load_register(session))
    finally:
        await engine.dispose()
