"""Monitoring periods, due dates and return states, as providers and contract managers see them."""

from __future__ import annotations

from datetime import date

from domain.agreement import Agreement
from domain.monitoring import (
    ACCEPTED,
    DUE,
    IN_PROGRESS,
    OVERDUE,
    QUERIED,
    SUBMITTED,
    UPCOMING,
    MonitoringPeriod,
    financial_year_label,
    monitoring_periods,
    monitoring_start,
    period_containing,
    return_state,
)


def agreement(**changes) -> Agreement:  # type: ignore[no-untyped-def]
    values = dict(
        reference="OPCC-2023-014", kind="grant", title="ISVA service", provider="Safe Harbour",
        start_date=date(2026, 4, 1), end_date=date(2028, 3, 31), first_imported=date(2026, 4, 1),
    )
    values.update(changes)
    return Agreement(**values)  # type: ignore[arg-type]


def test_quarter_two_runs_july_to_september_and_is_due_on_15_october() -> None:
    """Q2 (July–September) is due 15 October, as the register format says."""
    periods = monitoring_periods(agreement(), until=date(2026, 10, 1))
    assert periods[1] == MonitoringPeriod("Q2 2026/27", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15))


def test_quarterly_periods_are_financial_quarters_in_order() -> None:
    """A year of quarterly monitoring gives Q1 to Q4 of the financial year, Q4 ending in March."""
    periods = monitoring_periods(agreement(), until=date(2027, 3, 31))
    assert [p.label for p in periods] == ["Q1 2026/27", "Q2 2026/27", "Q3 2026/27", "Q4 2026/27"]
    assert periods[-1].start == date(2027, 1, 1) and periods[-1].end == date(2027, 3, 31)
    assert periods[-1].due == date(2027, 4, 15)


def test_only_periods_that_have_ended_by_until_are_owed() -> None:
    """A quarter still running on the day asked about owes nothing yet."""
    periods = monitoring_periods(agreement(), until=date(2026, 9, 29))
    assert [p.label for p in periods] == ["Q1 2026/27"]


def test_monitoring_starts_at_first_import_not_years_back() -> None:
    """An agreement that began in 2020 but was loaded in May 2026 owes from Q1 2026/27 only."""
    old = agreement(start_date=date(2020, 4, 1), first_imported=date(2026, 5, 10))
    periods = monitoring_periods(old, until=date(2026, 12, 31))
    assert [p.label for p in periods] == ["Q1 2026/27", "Q2 2026/27", "Q3 2026/27"]


def test_counting_from_start_date_alone_is_configurable() -> None:
    """With first-import counting off, history back to the start date is owed."""
    old = agreement(start_date=date(2025, 4, 1), first_imported=date(2026, 5, 10))
    periods = monitoring_periods(old, until=date(2026, 6, 30), count_from_first_import=False)
    assert periods[0].label == "Q1 2025/26" and len(periods) == 5
    assert monitoring_start(old, count_from_first_import=False) == date(2025, 4, 1)


def test_a_period_part_covered_by_the_agreement_still_owes_a_return() -> None:
    """Starting mid-quarter owes that quarter's return; ending mid-quarter owes the last one."""
    mid = agreement(start_date=date(2026, 5, 15), first_imported=date(2026, 5, 1), end_date=date(2026, 11, 20))
    periods = monitoring_periods(mid, until=date(2027, 6, 30))
    assert [p.label for p in periods] == ["Q1 2026/27", "Q2 2026/27", "Q3 2026/27"]


def test_extensions_already_taken_move_the_last_period() -> None:
    """Periods run to the current end date, extensions exercised included."""
    extended = agreement(end_date=date(2026, 9, 30), extended_to=date(2027, 3, 31))
    assert len(monitoring_periods(extended, until=date(2028, 1, 1))) == 4


def test_monthly_periods_are_calendar_months() -> None:
    """Monthly monitoring owes one return a month, labelled by month name."""
    periods = monitoring_periods(agreement(monitoring="monthly"), until=date(2026, 6, 30))
    assert [p.label for p in periods] == ["April 2026", "May 2026", "June 2026"]
    assert periods[1].end == date(2026, 5, 31) and periods[1].due == date(2026, 6, 15)


def test_biannual_periods_are_april_to_september_and_october_to_march() -> None:
    """Half-yearly monitoring follows the financial year's halves."""
    periods = monitoring_periods(agreement(monitoring="biannual"), until=date(2027, 3, 31))
    assert [(p.label, p.start, p.end) for p in periods] == [
        ("H1 2026/27", date(2026, 4, 1), date(2026, 9, 30)),
        ("H2 2026/27", date(2026, 10, 1), date(2027, 3, 31)),
    ]


def test_annual_periods_are_financial_years() -> None:
    """Annual monitoring owes one return per financial year, due 15 April."""
    periods = monitoring_periods(agreement(monitoring="annual"), until=date(2028, 4, 1))
    assert [(p.label, p.due) for p in periods] == [("2026/27", date(2027, 4, 15)), ("2027/28", date(2028, 4, 15))]


def test_no_monitoring_owes_nothing() -> None:
    """Monitoring "none" and an agreement with no dates owe no returns."""
    assert monitoring_periods(agreement(monitoring="none"), until=date(2030, 1, 1)) == []
    assert monitoring_periods(agreement(start_date=None, first_imported=None), until=date(2030, 1, 1)) == []


def test_due_days_are_configurable() -> None:
    """A register with 30-day returns gets due dates 30 days after period end."""
    periods = monitoring_periods(agreement(), until=date(2026, 6, 30), due_after_days=30)
    assert periods[0].due == date(2026, 7, 30)


def test_period_containing_a_day() -> None:
    """The quarter holding 12 November 2026 is Q3 2026/27; 15 February 2027 is Q4."""
    assert period_containing(date(2026, 11, 12)).label == "Q3 2026/27"  # type: ignore[union-attr]
    assert period_containing(date(2027, 2, 15)).label == "Q4 2026/27"  # type: ignore[union-attr]
    assert period_containing(date(2027, 2, 15), "none") is None
    assert financial_year_label(date(2027, 3, 31)) == "2026/27"


Q2 = MonitoringPeriod("Q2 2026/27", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15))


def test_a_return_not_started_is_due_after_the_period_then_overdue_after_the_due_date() -> None:
    """No return: upcoming during the quarter, due after it, overdue from 16 October."""
    assert return_state(Q2, None, date(2026, 9, 1)) == UPCOMING
    assert return_state(Q2, None, date(2026, 10, 1)) == DUE
    assert return_state(Q2, None, date(2026, 10, 15)) == DUE
    assert return_state(Q2, None, date(2026, 10, 16)) == OVERDUE


def test_a_draft_is_in_progress_until_the_due_date_passes() -> None:
    """A saved draft does not stop a late return counting as overdue."""
    assert return_state(Q2, IN_PROGRESS, date(2026, 10, 10)) == IN_PROGRESS
    assert return_state(Q2, IN_PROGRESS, date(2026, 10, 20)) == OVERDUE


def test_submitted_queried_and_accepted_returns_keep_their_state() -> None:
    """Once submitted, the due date no longer changes what people see."""
    for state in (SUBMITTED, QUERIED, ACCEPTED):
        assert return_state(Q2, state, date(2027, 1, 1)) == state
