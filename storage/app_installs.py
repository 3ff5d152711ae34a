"""Remembered attempts to install the app for a person through Graph (`app_installs`).

The first worker to insert a person's row makes the attempt; every other worker, replica or
restart sees the row and does not ask Graph again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AppInstall

INSTALLING = "installing"
INSTALLED = "installed"
FAILED = "failed"
# A failure that was not a clear "no" (Graph busy or unreachable) may be tried again after this.
RETRY_FAILED_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class InstallAttempt:
    user_email: str
    outcome: str
    detail: str
    attempted_at: datetime


async def claim_install(session: AsyncSession, email: str, now: datetime) -> bool:
    """True when this caller is the first to try installing for `email` (and so must do it),
    or the last try failed for a passing reason more than `RETRY_FAILED_AFTER` ago."""
    # An UPDATE without RETURNING gives a `CursorResult`; `Session.execute` is typed as `Result`.
    again = cast(CursorResult[Any], await session.execute(
        update(AppInstall).where(AppInstall.user_email == email, AppInstall.outcome == FAILED,
                                 AppInstall.attempted_at < now - RETRY_FAILED_AFTER)
        .values(outcome=INSTALLING, attempted_at=now)
    ))
    if again.rowcount == 1:
        return True
    try:
        async with session.begin_nested():
            session.add(AppInstall(user_email=email, outcome=INSTALLING, detail="", attempted_at=now))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def record_install(session: AsyncSession, email: str, outcome: str, detail: str, now: datetime) -> None:
    await session.execute(
        update(AppInstall).where(AppInstall.user_email == email)
        .values(outcome=outcome[:20], detail=detail[:1000], attempted_at=now)
    )


async def install_attempt(session: AsyncSession, email: str) -> InstallAttempt | None:
    row = await session.scalar(select(AppInstall).where(AppInstall.user_email == email))
    if row is None:
        return None
    return InstallAttempt(row.user_email, row.outcome, row.detail, row.attempted_at)
