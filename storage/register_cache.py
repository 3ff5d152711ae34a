"""The register, loaded once and reloaded only when it has changed.

Loading 10,000 agreements with their contacts and KPIs takes far longer than a Teams user
should wait, and every question needs the whole register. A cheap stamp — how many rows,
the latest `updated_at`, the latest audit entry (every change is audited) — is read on each
question; the register is reloaded only when the stamp differs. Several bot replicas sharing
one PostgreSQL database therefore all see an import within one question.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.agreement import Agreement
from storage.agreements import load_register
from storage.models import AgreementRow, AuditEntry

Stamp = tuple[object, ...]


async def register_stamp(session: AsyncSession) -> Stamp:
    """Something that changes whenever the register does."""
    count, latest = (await session.execute(select(func.count(AgreementRow.id), func.max(AgreementRow.updated_at)))).one()
    # Returns and alert actions are audited too but change no agreement: they must not
    # make every following question reload the whole register.
    audit = await session.scalar(
        select(func.max(AuditEntry.id)).where(
            AuditEntry.action.not_like("return%"), AuditEntry.action.not_like("alert%")
        )
    )
    return (count, str(latest), audit)


class RegisterCache:
    """Hands out the current register, reloading it when its stamp changes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._stamp: Stamp | None = None
        self._register: Sequence[Agreement] = ()
        self._lock = asyncio.Lock()

    async def current(self) -> Sequence[Agreement]:
        """The register as it is now; while a new version loads, other callers get the previous one."""
        async with self._sessions() as session:
            stamp = await register_stamp(session)
            if stamp == self._stamp:
                return self._register
        if self._lock.locked() and self._stamp is not None:
            return self._register  # a reload is under way: answer from the previous version meanwhile
        async with self._lock:
            if stamp != self._stamp:
                async with self._sessions() as session:
                    # Read the stamp again inside the same session as the rows it describes.
                    stamp = await register_stamp(session)
                    register = tuple(await load_register(session))
                self._register, self._stamp = register, stamp
                # Thousands of long-lived agreements: keep the garbage collector from walking
                # them again and again (a full collection at 100,000 agreements takes seconds).
                gc.freeze()
            return self._register
