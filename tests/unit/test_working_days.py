"""Working days and sweep catch-up at awkward dates: Easter, Christmas, weekends, leap years."""

from __future__ import annotations

from datetime import date

from domain.working_days import (
    MAX_CATCH_UP_DAYS,
    add_working_days,
    catch_up_days,
    is_working_day,
    next_sweep_day,
    next_working_day,
    previous_working_day,
    working_days_between,
)

# England and Wales, 2026-2028 (checked against gov.uk/bank-holidays).
BANK_HOLIDAYS = frozenset({
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
    date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3), date(2027, 5, 31),
    date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
    date(2028, 1, 3), date(2028, 4, 14), date(2028, 4, 17),
})


def test_weekends_and_bank_holidays_are_not_working_days() -> None:
    """Saturday, Sunday, Good Friday and Boxing Day (observed) are days off; the Tuesday after is not."""
    assert not is_working_day(date(2026, 11, 21), BANK_HOLIDAYS)  # Saturday
    assert not is_working_day(date(2026, 11, 22), BANK_HOLIDAYS)  # Sunday
    assert not is_working_day(date(2026, 4, 3), BANK_HOLIDAYS)  # Good Friday
    assert not is_working_day(date(2026, 12, 28), BANK_HOLIDAYS)  # Boxing Day (observed)
    assert is_working_day(date(2026, 12, 29), BANK_HOLIDAYS)
    assert is_working_day(date(2028, 2, 29), BANK_HOLIDAYS)  # leap day, a Tuesday


def test_the_next_working_day_after_christmas_eve_2026_is_the_29th() -> None:
    """Christmas Day (Fri), the weekend and Boxing Day observed (Mon 28th) are all skipped."""
    assert next_working_day(date(2026, 12, 24), BANK_HOLIDAYS) == date(2026, 12, 29)


def test_the_next_working_day_after_maundy_thursday_is_the_tuesday_after_easter() -> None:
    """Good Friday 3 April and Easter Monday 6 April 2026 are skipped."""
    assert next_working_day(date(2026, 4, 2), BANK_HOLIDAYS) == date(2026, 4, 7)
    assert previous_working_day(date(2026, 4, 7), BANK_HOLIDAYS) == date(2026, 4, 2)


def test_ten_working_days_across_christmas_and_new_year() -> None:
    """Submitted on Christmas Eve 2026, ten working days later is Tuesday 12 January 2027."""
    assert add_working_days(date(2026, 12, 24), 10, BANK_HOLIDAYS) == date(2027, 1, 12)
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 12), BANK_HOLIDAYS) == 10


def test_working_days_across_a_leap_day() -> None:
    """29 February 2028 counts as a working day like any Tuesday."""
    assert add_working_days(date(2028, 2, 25), 2, BANK_HOLIDAYS) == date(2028, 2, 29)
    assert working_days_between(date(2028, 2, 28), date(2028, 3, 1), BANK_HOLIDAYS) == 2


def test_next_sweep_day_is_today_only_when_today_is_a_working_day_not_yet_swept() -> None:
    """Saturday's next sweep is Monday; a swept Friday's next sweep is Monday too."""
    assert next_sweep_day(date(2026, 11, 21), BANK_HOLIDAYS) == date(2026, 11, 23)
    assert next_sweep_day(date(2026, 11, 20), BANK_HOLIDAYS) == date(2026, 11, 20)
    assert next_sweep_day(date(2026, 11, 20), BANK_HOLIDAYS, swept_today=True) == date(2026, 11, 23)
    assert next_sweep_day(date(2027, 12, 24), BANK_HOLIDAYS, swept_today=True) == date(2027, 12, 29)


def test_catch_up_covers_every_day_since_the_last_sweep() -> None:
    """Tuesday after Easter stands in for Good Friday to Easter Monday too."""
    days = catch_up_days(date(2026, 4, 2), date(2026, 4, 7))
    assert days == [date(2026, 4, d) for d in (3, 4, 5, 6, 7)]


def test_catch_up_with_no_earlier_sweep_is_today_only() -> None:
    """A first sweep, or a replay of an earlier date, looks at today alone."""
    assert catch_up_days(None, date(2026, 12, 29)) == [date(2026, 12, 29)]
    assert catch_up_days(date(2027, 1, 5), date(2026, 12, 29)) == [date(2026, 12, 29)]


def test_catch_up_is_bounded_after_long_downtime() -> None:
    """Months of downtime still look back at most a month."""
    days = catch_up_days(date(2026, 1, 1), date(2026, 6, 1))
    assert len(days) == MAX_CATCH_UP_DAYS
    assert days[-1] == date(2026, 6, 1)
