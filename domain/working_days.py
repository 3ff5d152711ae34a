"""Working days: which days the alert sweep runs on, and how long "10 working days" is.

Sweeps run Monday to Friday except England-and-Wales bank holidays. The calendar of bank
holidays is passed in (any container of dates), so these rules stay pure and testable; the
`holidays` library builds the real calendar outside `domain/` (see `notifications/calendar.py`).

Catch-up: when a sweep runs on day D and the previous one ran on day L, the sweep stands in
for every day in (L, D] — the weekend, a bank holiday, or a week the service was down — so a
threshold crossed on any of those days is still alerted, once, on D.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta

SATURDAY = 5
# A sweep never looks back further than this, however long the service was down: older
# day-keyed events (a Monday digest from months ago) are no longer news.
MAX_CATCH_UP_DAYS = 31


def is_working_day(day: date, bank_holidays: Container[date]) -> bool:
    """Monday to Friday and not a bank holiday."""
    return day.weekday() < SATURDAY and day not in bank_holidays


def next_working_day(after: date, bank_holidays: Container[date]) -> date:
    """The first working day strictly after `after`."""
    day = after + timedelta(days=1)
    while not is_working_day(day, bank_holidays):
        day += timedelta(days=1)
    return day


def previous_working_day(before: date, bank_holidays: Container[date]) -> date:
    """The last working day strictly before `before`."""
    day = before - timedelta(days=1)
    while not is_working_day(day, bank_holidays):
        day -= timedelta(days=1)
    return day


def add_working_days(day: date, count: int, bank_holidays: Container[date]) -> date:
    """The working day `count` working days after `day` (`day` itself is not counted).

    Submitted on Thursday 24 December 2026, 10 working days later is Tuesday 12 January 2027:
    the weekends, Christmas, Boxing Day (observed) and New Year's Day do not count.
    """
    if count < 0:
        raise ValueError("count must be 0 or more")
    for _ in range(count):
        day = next_working_day(day, bank_holidays)
    return day


def working_days_between(start: date, end: date, bank_holidays: Container[date]) -> int:
    """Working days in (start, end]: 0 when `end` is not after `start`."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        if is_working_day(day, bank_holidays):
            count += 1
        day += timedelta(days=1)
    return count


def next_sweep_day(today: date, bank_holidays: Container[date], *, swept_today: bool = False) -> date:
    """The day the next scheduled sweep runs: today if it is a working day not yet swept."""
    if not swept_today and is_working_day(today, bank_holidays):
        return today
    return next_working_day(today, bank_holidays)


def catch_up_days(last_sweep: date | None, today: date, max_days: int = MAX_CATCH_UP_DAYS) -> list[date]:
    """The days a sweep on `today` stands in for: (last_sweep, today], oldest first.

    With no earlier sweep (or one on or after `today`, as when a test replays an old date),
    only `today`. Never more than `max_days` days, however long the service was down.
    """
    if last_sweep is None or last_sweep >= today:
        return [today]
    first = max(last_sweep + timedelta(days=1), today - timedelta(days=max_days - 1))
    return [first + timedelta(days=offset) for offset in range((today - first).days + 1)]
