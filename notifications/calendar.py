"""England-and-Wales bank holidays from the maintained `holidays` library.

Domain rules take the calendar as a plain set of dates; this is the one place that knows
where the real one comes from. Years are added as they are asked for, so a long-running
bot keeps working across new year.
"""

from __future__ import annotations

from datetime import date

import holidays


class BankHolidays:
    """A container of England-and-Wales bank holidays: `day in BankHolidays()`."""

    def __init__(self) -> None:
        self._calendar = holidays.country_holidays("UK", subdiv="ENG", years=())

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in self._calendar

    def name(self, day: date) -> str:
        """"Easter Monday", or "" when `day` is not a bank holiday."""
        name: str = self._calendar.get(day, "")
        return name

    def between(self, start: date, end: date) -> frozenset[date]:
        """Every bank holiday from `start` to `end` inclusive, as a plain set."""
        for year in range(start.year, end.year + 1):
            self._calendar.get(date(year, 1, 1))  # makes the library fill that year in
        return frozenset(day for day in self._calendar if start <= day <= end)


def england_and_wales_bank_holidays() -> BankHolidays:
    return BankHolidays()
