"""Monitoring periods, their due dates, and the state of the return owed for each.

Each agreement owes a monitoring return for every period of its monitoring frequency
(financial quarters by default) from the day monitoring started. Monitoring starts at the
later of the agreement's start date and the day it first reached the register, so loading
a register full of agreements that began years ago does not invent years of overdue
returns. A return is due 15 days after its period ends (configurable).

Everything here is a pure function of an agreement and dates passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.agreement import Agreement

DUE_AFTER_DAYS = 15
YEAR_START_MONTH = 4

# Months in one period, per monitoring frequency ("none" owes no returns).
PERIOD_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "biannual": 6, "annual": 12}

# Stored states (kept in monitoring_returns.state) and derived ones (no return stored yet).
IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"
QUERIED = "queried"
ACCEPTED = "accepted"
DUE = "due"
OVERDUE = "overdue"
# A period that has not ended yet: nothing is owed for it so far.
UPCOMING = "upcoming"
STORED_STATES: tuple[str, ...] = (IN_PROGRESS, SUBMITTED, QUERIED, ACCEPTED)
RETURN_STATES: tuple[str, ...] = (DUE, OVERDUE, IN_PROGRESS, SUBMITTED, QUERIED, ACCEPTED)
# States in which the provider may still change answers.
OPEN_STATES: tuple[str, ...] = (DUE, OVERDUE, IN_PROGRESS, QUERIED)

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)


@dataclass(frozen=True)
class MonitoringPeriod:
    """One period a return is owed for: `label` like "Q2 2026/27", inclusive days, due date."""

    label: str
    start: date
    end: date
    due: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class ReturnStatus:
    """One owed return in an overview: where it stands and how the provider rated it."""

    reference: str
    provider: str
    period_label: str
    due: date
    state: str
    rag: str = ""
    title: str = ""
    period_start: date | None = None
    period_end: date | None = None


def monitoring_start(agreement: Agreement, *, count_from_first_import: bool = True) -> date | None:
    """The first day monitoring is owed for: the later of start date and first import.

    With `count_from_first_import=False` the start date alone counts (for registers loaded
    with their history on purpose). None when neither day is known.
    """
    days = [agreement.start_date]
    if count_from_first_import:
        days.append(agreement.first_imported)
    known = [day for day in days if day is not None]
    return max(known) if known else None


def monitoring_periods(
    agreement: Agreement,
    until: date,
    *,
    due_after_days: int = DUE_AFTER_DAYS,
    count_from_first_import: bool = True,
    year_start_month: int = YEAR_START_MONTH,
) -> list[MonitoringPeriod]:
    """Periods the agreement owes returns for that have ended on or before `until`, oldest first.

    A period counts when it ends on or after the monitoring start and starts on or before the
    agreement's current end date. Pass `until` = today for the returns owed so far, or a later
    day to look ahead. The frequency "none" (or an unknown one) owes nothing.
    """
    months = PERIOD_MONTHS.get((agreement.monitoring or "quarterly").lower())
    first_day = monitoring_start(agreement, count_from_first_import=count_from_first_import)
    if months is None or first_day is None:
        return []
    last_day = agreement.current_end_date
    periods: list[MonitoringPeriod] = []
    start = _period_start_containing(first_day, months, year_start_month)
    while True:
        end = _add_months(start, months) - timedelta(days=1)
        if end > until or (last_day is not None and start > last_day):
            break
        if end >= first_day:
            label = period_label(start, months, year_start_month)
            periods.append(MonitoringPeriod(label, start, end, end + timedelta(days=due_after_days)))
        start = _add_months(start, months)
    return periods


def period_containing(
    day: date, frequency: str = "quarterly", *, due_after_days: int = DUE_AFTER_DAYS, year_start_month: int = YEAR_START_MONTH
) -> MonitoringPeriod | None:
    """The monitoring period of `frequency` that `day` falls in (None for "none")."""
    months = PERIOD_MONTHS.get(frequency.lower())
    if months is None:
        return None
    start = _period_start_containing(day, months, year_start_month)
    end = _add_months(start, months) - timedelta(days=1)
    return MonitoringPeriod(period_label(start, months, year_start_month), start, end, end + timedelta(days=due_after_days))


def period_label(start: date, months: int, year_start_month: int = YEAR_START_MONTH) -> str:
    """"Q2 2026/27", "H1 2026/27", "2026/27" or "April 2026" for a period starting on `start`."""
    if months == 1:
        return f"{_MONTH_NAMES[start.month - 1]} {start.year}"
    year = financial_year_label(start, year_start_month)
    index = ((start.month - year_start_month) % 12) // months + 1
    if months == 3:
        return f"Q{index} {year}"
    if months == 6:
        return f"H{index} {year}"
    return year


def financial_year_label(day: date, year_start_month: int = YEAR_START_MONTH) -> str:
    """"2026/27" for any day from 1 April 2026 to 31 March 2027."""
    first = day.year if day.month >= year_start_month else day.year - 1
    if year_start_month == 1:
        return str(first)
    return f"{first}/{(first + 1) % 100:02d}"


def return_state(period: MonitoringPeriod, stored_state: str | None, today: date) -> str:
    """The state people see for the return owed for `period`.

    `stored_state` is what the database holds (None when the provider has not started).
    Submitted, queried and accepted returns keep their state. Anything else is `overdue`
    once the due date has passed, even with a draft saved, because the return has still not
    arrived; before that it is `in_progress` with a draft, else `due` (or `upcoming` while
    the period has not ended).
    """
    if stored_state in (SUBMITTED, QUERIED, ACCEPTED):
        return stored_state
    if today > period.due:
        return OVERDUE
    if stored_state == IN_PROGRESS:
        return IN_PROGRESS
    if today <= period.end:
        return UPCOMING
    return DUE


def _period_start_containing(day: date, months: int, year_start_month: int) -> date:
    offset = (day.month - year_start_month) % 12
    start_month_offset = offset - offset % months
    month = (year_start_month - 1 + start_month_offset) % 12 + 1
    year = day.year if month <= day.month else day.year - 1
    return date(year, month, 1)


def _add_months(day: date, months: int) -> date:
    """First-of-month arithmetic only (`day` is always the 1st here)."""
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)
