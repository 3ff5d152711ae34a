"""The in-process scheduler: sweeps at the configured time on working days, catches up on start."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from returns_data import add_agreements, agreement
from sqlalchemy.ext.asyncio import AsyncEngine

from notifications.calendar import BankHolidays
from notifications.config import AlertSettings, AlertSettingsRefused
from notifications.scheduler import AlertScheduler
from storage import alerts_repo
from storage.db import session_factory

LONDON = ZoneInfo("Europe/London")
REGISTER = (agreement("OPCC-2023-014", kind="contract", end_date=date(2027, 1, 25), monitoring="none"),)


def scheduler_at(engine: AsyncEngine, moment: datetime, settings: AlertSettings | None = None) -> AlertScheduler:
    return AlertScheduler(session_factory(engine), settings or AlertSettings(), BankHolidays(), now=lambda: moment)


async def last_day(engine: AsyncEngine) -> date | None:
    async with session_factory(engine)() as session:
        return await alerts_repo.last_sweep_day(session)


async def test_a_bot_started_after_sweep_time_sweeps_at_once(engine: AsyncEngine) -> None:
    """Down at 07:30 on Tuesday 29 Dec 2026, started at 09:00: it sweeps straight away, once."""
    await add_agreements(engine, REGISTER)
    scheduler = scheduler_at(engine, datetime(2026, 12, 29, 9, 0, tzinfo=LONDON))
    result = await scheduler.catch_up()
    assert result is not None and result.swept and result.written > 0
    assert await last_day(engine) == date(2026, 12, 29)
    assert await scheduler.catch_up() is None


async def test_no_catch_up_before_sweep_time_or_on_a_bank_holiday(engine: AsyncEngine) -> None:
    """Started at 06:00, or on Boxing Day (observed), it waits for the schedule."""
    await add_agreements(engine, REGISTER)
    assert await scheduler_at(engine, datetime(2026, 12, 29, 6, 0, tzinfo=LONDON)).catch_up() is None
    assert await scheduler_at(engine, datetime(2026, 12, 28, 9, 0, tzinfo=LONDON)).catch_up() is None
    assert await last_day(engine) is None


async def test_the_cron_runs_on_weekdays_at_the_configured_time(engine: AsyncEngine) -> None:
    """ALERT_SWEEP_TIME=08:15: the next sweep after Friday evening is Monday 08:15 London time."""
    settings = AlertSettings.from_environ({"ALERT_SWEEP_TIME": "08:15"})
    scheduler = AlertScheduler(session_factory(engine), settings, BankHolidays(),
                               now=lambda: datetime(2026, 11, 20, 18, 0, tzinfo=LONDON))
    scheduler.start()
    try:
        assert scheduler.running
        upcoming = scheduler.next_sweep()
        assert upcoming is not None and upcoming.time() == time(8, 15) and upcoming.weekday() < 5
        health = await scheduler.health()
        assert health["ok"] and health["running"] and health["sweep_time"] == "08:15 Europe/London"
        assert (await scheduler.outbox_health())["waiting"] >= 0
    finally:
        await scheduler.stop()
    assert not scheduler.running


def test_bad_alert_settings_are_refused_with_the_variable_named() -> None:
    """A typo in the environment stops start-up with a sentence, not a traceback."""
    with pytest.raises(AlertSettingsRefused, match="ALERT_SWEEP_TIME"):
        AlertSettings.from_environ({"ALERT_SWEEP_TIME": "half seven"})
    with pytest.raises(AlertSettingsRefused, match="ALERT_EXPIRY_DAYS"):
        AlertSettings.from_environ({"ALERT_EXPIRY_DAYS": "six months"})
    assert AlertSettings.from_environ({"ALERT_EXPIRY_DAYS": "30, 90,180"}).thresholds.expiry_days == (180, 90, 30)
