"""Periods as commissioning teams mean them: financial quarters and years, months, spans.

docs/questions.md fixes the meanings: the financial year runs 1 April – 31 March (the start month
is a parameter), Q1–Q4 are financial quarters unless "calendar" is said, "this/next/last"
periods are whole periods, "the next N months" ends on the same day of the month (or that
month's last day), and "in March" is the next March that has not wholly passed. Every
function takes the date it is relative to; none reads a clock.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from domain.answers import Period

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def describe_range(start: date, end: date) -> str:
    """`1 Oct – 31 Dec 2026`, with the year shown once when both days share it."""
    if end < start:
        return f"no days left (today is {start.day} {start:%b %Y})"
    if end == date.max:
        return f"from {start.day} {start:%b %Y} onwards"
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (or earlier), or that month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last), f"{MONTH_NAMES[month - 1]} {year}")


def financial_year_start(day: date, start_month: int = 4) -> int:
    """The calendar year in which the financial year containing `day` began."""
    return day.year if day.month >= start_month else day.year - 1


def financial_year_label(first_year: int, start_month: int = 4) -> str:
    """`2026/27` for a year starting in 2026 (or `2026` when the year starts in January)."""
    if start_month == 1:
        return str(first_year)
    return f"{first_year}/{(first_year + 1) % 100:02d}"


def financial_year(first_year: int, start_month: int = 4) -> Period:
    """The financial year beginning in `first_year`, e.g. 1 Apr 2026 – 31 Mar 2027."""
    start = date(first_year, start_month, 1)
    end = add_months(start, 12) - timedelta(days=1)
    return Period(start, end, f"financial year {financial_year_label(first_year, start_month)}")


def financial_year_containing(day: date, start_month: int = 4, offset: int = 0) -> Period:
    """This (offset 0), next (1) or last (-1) financial year relative to `day`."""
    return financial_year(financial_year_start(day, start_month) + offset, start_month)


def financial_quarter(first_year: int, quarter: int, start_month: int = 4) -> Period:
    """Quarter 1–4 of the financial year beginning in `first_year`: Q3 2026/27 is Oct–Dec 2026."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1 to 4")
    start = add_months(date(first_year, start_month, 1), 3 * (quarter - 1))
    end = add_months(start, 3) - timedelta(days=1)
    return Period(start, end, f"Q{quarter} {financial_year_label(first_year, start_month)}")


def financial_quarter_containing(day: date, start_month: int = 4, offset: int = 0) -> Period:
    """This, next or last financial quarter relative to `day`."""
    first_year = financial_year_start(day, start_month)
    months_in = (day.month - start_month) % 12
    index = months_in // 3 + offset
    year_shift, quarter_index = divmod(index, 4)
    return financial_quarter(first_year + year_shift, quarter_index + 1, start_month)


def calendar_quarter(year: int, quarter: int) -> Period:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = add_months(start, 3) - timedelta(days=1)
    return Period(start, end, f"calendar Q{quarter} {year}")


def calendar_quarter_containing(day: date, offset: int = 0) -> Period:
    index = day.year * 4 + (day.month - 1) // 3 + offset
    year, quarter_index = divmod(index, 4)
    return calendar_quarter(year, quarter_index + 1)


def calendar_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), f"calendar year {year}")


def month_containing(day: date, offset: int = 0) -> Period:
    shifted = add_months(date(day.year, day.month, 1), offset)
    return month_period(shifted.year, shifted.month)


def week_containing(day: date, offset: int = 0) -> Period:
    """Monday to Sunday."""
    monday = day - timedelta(days=day.weekday()) + timedelta(weeks=offset)
    return Period(monday, monday + timedelta(days=6), f"week of {monday.day} {monday:%b %Y}")


def next_whole_month_named(month: int, today: date) -> Period:
    """"In March": the next March that has not wholly passed (this March while it lasts)."""
    this_year = month_period(today.year, month)
    return this_year if this_year.end >= today else month_period(today.year + 1, month)


def next_day_of_year(month: int, day: int, today: date) -> date:
    """"By 31 March": the next such day on or after today (29 February waits for a leap year)."""
    year = today.year
    while True:
        try:
            candidate = date(year, month, day)
        except ValueError:
            year += 1
            continue
        if candidate >= today:
            return candidate
        year += 1


def within_next(today: date, amount: int, unit: str) -> Period:
    """"In the next N days|weeks|months": today .. today+N inclusive."""
    if unit == "day":
        end = today + timedelta(days=amount)
    elif unit == "week":
        end = today + timedelta(weeks=amount)
    elif unit == "month":
        end = add_months(today, amount)
    elif unit == "year":
        end = add_months(today, 12 * amount)
    else:
        raise ValueError(f"unknown unit {unit}")
    plural = "" if amount == 1 else "s"
    return Period(today, end, f"the next {amount} {unit}{plural}")


def within_last(today: date, amount: int, unit: str) -> Period:
    """"In the last N days|weeks|months": today-N .. today inclusive."""
    if unit == "day":
        start = today - timedelta(days=amount)
    elif unit == "week":
        start = today - timedelta(weeks=amount)
    elif unit == "month":
        start = add_months(today, -amount)
    elif unit == "year":
        start = add_months(today, -12 * amount)
    else:
        raise ValueError(f"unknown unit {unit}")
    plural = "" if amount == 1 else "s"
    return Period(start, today, f"the last {amount} {unit}{plural}")


def up_to(today: date, last_day: date, label: str) -> Period:
    """"By D": today .. D inclusive."""
    return Period(today, last_day, label)


def to_date(period: Period, today: date) -> Period:
    """"So far this year": the period cut off at today."""
    end = min(period.end, today)
    return Period(period.start, end, f"{period.label} to date")
