"""The sweep against a real database: writes each alert once, records the run, skips days off."""

from __future__ import annotations

from datetime import UTC, date, datetime

from returns_data import add_agreements, agreement
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.alerts import EXPIRY, WEEKLY_DIGEST
from notifications.calendar import BankHolidays
from notifications.sweep import run_sweep
from storage import alerts_repo, outbox
from storage.db import session_factory
from storage.models import OutboxItem, SweepRun

CLOCK = datetime(2026, 12, 29, 7, 30, tzinfo=UTC)
REGISTER = (
    agreement("OPCC-2023-014", kind="contract", end_date=date(2027, 1, 25), contract_manager="jo@opcc.example.gov.uk",
              monitoring="none"),
    agreement("OPCC-2024-031", kind="contract", end_date=date(2028, 3, 31), monitoring="none"),
    agreement("OPCC-2019-001", kind="contract", end_date=date(2027, 1, 10), status="terminated", monitoring="none"),
)


async def sweep(engine: AsyncEngine, today: date, **options: object):  # type: ignore[no-untyped-def]
    return await run_sweep(session_factory(engine), today, bank_holidays=BankHolidays(), clock=lambda: CLOCK, **options)


async def outbox_keys(engine: AsyncEngine) -> list[str]:
    async with session_factory(engine)() as session:
        return [e.idempotency_key for e in await outbox.all_items(session)]


async def test_a_sweep_writes_its_alerts_and_the_run_once(engine: AsyncEngine) -> None:
    """A second sweep the same day writes nothing new; the terminated agreement never appears."""
    await add_agreements(engine, REGISTER)
    first = await sweep(engine, date(2026, 12, 29))
    assert first.swept and first.written == len(first.alerts) > 0
    assert {(a.rule, a.reference) for a in first.alerts if a.rule == EXPIRY} == {(EXPIRY, "OPCC-2023-014")}
    assert "OPCC-2019-001" not in {a.reference for a in first.alerts}
    again = await sweep(engine, date(2026, 12, 29))
    assert again.alerts == [] and again.written == 0
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(SweepRun)) == 2
        assert await session.scalar(select(func.count()).select_from(OutboxItem)) == first.written
        assert await alerts_repo.last_sweep_day(session) == date(2026, 12, 29)


async def test_a_dry_run_writes_nothing(engine: AsyncEngine) -> None:
    """--dry-run reports what would go out and leaves the database as it was."""
    await add_agreements(engine, REGISTER)
    result = await sweep(engine, date(2026, 12, 29), dry_run=True)
    assert result.alerts
    assert await outbox_keys(engine) == []
    async with session_factory(engine)() as session:
        assert await alerts_repo.last_sweep_day(session) is None


async def test_no_sweep_on_a_bank_holiday_unless_forced(engine: AsyncEngine) -> None:
    """Boxing Day (observed), Monday 28 December 2026, is skipped; --force sweeps anyway."""
    await add_agreements(engine, REGISTER)
    skipped = await sweep(engine, date(2026, 12, 28))
    assert not skipped.swept and "not a working day" in skipped.skipped_reason
    assert await outbox_keys(engine) == []
    forced = await sweep(engine, date(2026, 12, 28), force=True)
    assert forced.swept and forced.written > 0


async def test_the_sweep_after_christmas_catches_up_on_the_missed_monday(engine: AsyncEngine) -> None:
    """Last sweep Thursday 24 Dec; Tuesday 29 Dec sends the digest for Monday 28 Dec."""
    await add_agreements(engine, REGISTER)
    await sweep(engine, date(2026, 12, 24))
    result = await sweep(engine, date(2026, 12, 29))
    assert result.last_sweep == date(2026, 12, 24)
    assert [(a.rule, a.due) for a in result.alerts if a.rule == WEEKLY_DIGEST] == [(WEEKLY_DIGEST, date(2026, 12, 28))]


async def test_two_replicas_sweeping_at_once_write_each_alert_once(engine: AsyncEngine) -> None:
    """Both compute the same alerts; the outbox keeps one row per key."""
    import asyncio

    await add_agreements(engine, REGISTER)
    first, second = await asyncio.gather(sweep(engine, date(2026, 12, 29)), sweep(engine, date(2026, 12, 29)))
    keys = await outbox_keys(engine)
    assert len(keys) == len(set(keys)) == len({a.idempotency_key for a in first.alerts + second.alerts})
