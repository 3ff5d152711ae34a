"""When the register is next synced from Microsoft 365: every N minutes, in working hours only.

People edit the register in office hours; syncing at 3am finds nothing new and spends Graph's
throttling allowance for nothing. So the schedule runs on working days (not weekends or bank
holidays) between `WORKDAY_START` and `WORKDAY_END`, local time; the first sync of the day is at
the start of the working day. The clock is passed in.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, time, timedelta

from domain.working_days import is_working_day, next_working_day

WORKDAY_START = time(7, 0)
WORKDAY_END = time(19, 0)


def in_working_hours(moment: datetime, bank_holidays: Container[date]) -> bool:
    """True on a working day between the start and end of the working day (local to `moment`)."""
    return is_working_day(moment.date(), bank_holidays) and WORKDAY_START <= moment.time() < WORKDAY_END


def next_sync_at(now: datetime, last: datetime | None, every_minutes: int, bank_holidays: Container[date]) -> datetime | None:
    """The next scheduled sync: `every_minutes` after the last (at once if overdue), moved into working hours.

    `None` when the schedule is off (`every_minutes` is 0).
    """
    if every_minutes <= 0:
        return None
    due = now if last is None else max(now, last.astimezone(now.tzinfo) + timedelta(minutes=every_minutes))
    if in_working_hours(due, bank_holidays):
        return due
    day = due.date()
    if not is_working_day(day, bank_holidays) or due.time() >= WORKDAY_END:
        day = next_working_day(day, bank_holidays)
    return datetime.combine(day, WORKDAY_START, tzinfo=now.tzinfo)
