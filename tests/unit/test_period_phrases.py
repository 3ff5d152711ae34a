"""Every period phrase at awkward dates: 31 March, 1 April, 29 February, quarter and year ends.

Each row is (today, phrase, expected start, expected end): the dates docs/questions.md says the
phrase means. They are read through the same function questions use.
"""

from datetime import date

import pytest

from bot.questions.period_phrases import PeriodNotUnderstood, find_period

D = date

CASES = [
    # this / next / last financial quarter
    (D(2026, 11, 22), "this quarter", D(2026, 10, 1), D(2026, 12, 31)),
    (D(2026, 3, 31), "this quarter", D(2026, 1, 1), D(2026, 3, 31)),
    (D(2026, 4, 1), "this quarter", D(2026, 4, 1), D(2026, 6, 30)),
    (D(2026, 3, 31), "next quarter", D(2026, 4, 1), D(2026, 6, 30)),
    (D(2026, 4, 1), "last quarter", D(2026, 1, 1), D(2026, 3, 31)),
    (D(2026, 12, 31), "next quarter", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2027, 1, 1), "previous quarter", D(2026, 10, 1), D(2026, 12, 31)),
    (D(2026, 11, 22), "this calendar quarter", D(2026, 10, 1), D(2026, 12, 31)),
    (D(2026, 12, 31), "next calendar quarter", D(2027, 1, 1), D(2027, 3, 31)),
    # financial years
    (D(2026, 3, 31), "this financial year", D(2025, 4, 1), D(2026, 3, 31)),
    (D(2026, 4, 1), "this financial year", D(2026, 4, 1), D(2027, 3, 31)),
    (D(2026, 4, 1), "this year", D(2026, 4, 1), D(2027, 3, 31)),
    (D(2026, 3, 31), "next financial year", D(2026, 4, 1), D(2027, 3, 31)),
    (D(2026, 4, 1), "last financial year", D(2025, 4, 1), D(2026, 3, 31)),
    (D(2026, 11, 22), "next fy", D(2027, 4, 1), D(2028, 3, 31)),
    (D(2026, 11, 22), "this calendar year", D(2026, 1, 1), D(2026, 12, 31)),
    (D(2026, 11, 22), "next calendar year", D(2027, 1, 1), D(2027, 12, 31)),
    (D(2026, 11, 22), "fy 2026/27", D(2026, 4, 1), D(2027, 3, 31)),
    (D(2026, 11, 22), "2025/26", D(2025, 4, 1), D(2026, 3, 31)),
    (D(2026, 11, 22), "2027-28", D(2027, 4, 1), D(2028, 3, 31)),
    (D(2026, 11, 22), "fy26", D(2025, 4, 1), D(2026, 3, 31)),
    (D(2026, 11, 22), "in 2027", D(2027, 1, 1), D(2027, 12, 31)),
    # named quarters: financial unless "calendar"
    (D(2026, 11, 22), "q3", D(2026, 10, 1), D(2026, 12, 31)),
    (D(2026, 11, 22), "q4", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2026, 11, 22), "q1", D(2026, 4, 1), D(2026, 6, 30)),
    (D(2026, 2, 28), "q1", D(2025, 4, 1), D(2025, 6, 30)),
    (D(2026, 11, 22), "q3 2026/27", D(2026, 10, 1), D(2026, 12, 31)),
    (D(2026, 11, 22), "q2 fy 2025/26", D(2025, 7, 1), D(2025, 9, 30)),
    (D(2026, 11, 22), "next q1", D(2027, 4, 1), D(2027, 6, 30)),
    (D(2026, 11, 22), "calendar q1", D(2026, 1, 1), D(2026, 3, 31)),
    (D(2026, 11, 22), "q1 2027 calendar", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2026, 11, 22), "the third quarter", D(2026, 10, 1), D(2026, 12, 31)),
    (D(2026, 11, 22), "quarter 2", D(2026, 7, 1), D(2026, 9, 30)),
    # months
    (D(2026, 11, 22), "this month", D(2026, 11, 1), D(2026, 11, 30)),
    (D(2026, 12, 31), "next month", D(2027, 1, 1), D(2027, 1, 31)),
    (D(2026, 3, 1), "last month", D(2026, 2, 1), D(2026, 2, 28)),
    (D(2028, 3, 1), "last month", D(2028, 2, 1), D(2028, 2, 29)),
    (D(2026, 11, 22), "in march", D(2027, 3, 1), D(2027, 3, 31)),
    (D(2026, 3, 31), "in march", D(2026, 3, 1), D(2026, 3, 31)),
    (D(2026, 4, 1), "in march", D(2027, 3, 1), D(2027, 3, 31)),
    (D(2026, 11, 22), "in november", D(2026, 11, 1), D(2026, 11, 30)),
    (D(2026, 11, 22), "in may", D(2027, 5, 1), D(2027, 5, 31)),
    (D(2026, 11, 22), "february 2028", D(2028, 2, 1), D(2028, 2, 29)),
    # rolling windows: today .. today+N inclusive, months to the same day or month end
    (D(2026, 11, 22), "in the next 90 days", D(2026, 11, 22), D(2027, 2, 20)),
    (D(2026, 11, 22), "within 30 days", D(2026, 11, 22), D(2026, 12, 22)),
    (D(2026, 11, 22), "in the next 2 weeks", D(2026, 11, 22), D(2026, 12, 6)),
    (D(2026, 8, 31), "in the next 6 months", D(2026, 8, 31), D(2027, 2, 28)),
    (D(2027, 8, 31), "in the next six months", D(2027, 8, 31), D(2028, 2, 29)),
    (D(2028, 2, 29), "in the next 12 months", D(2028, 2, 29), D(2029, 2, 28)),
    (D(2026, 1, 31), "in the next 1 month", D(2026, 1, 31), D(2026, 2, 28)),
    (D(2026, 1, 31), "in the next month", D(2026, 2, 1), D(2026, 2, 28)),
    (D(2026, 11, 22), "in the last 30 days", D(2026, 10, 23), D(2026, 11, 22)),
    # by / before / between
    (D(2026, 11, 22), "by 31 march", D(2026, 11, 22), D(2027, 3, 31)),
    (D(2026, 11, 22), "by 31/03/2027", D(2026, 11, 22), D(2027, 3, 31)),
    (D(2026, 11, 22), "on or before 2027-03-31", D(2026, 11, 22), D(2027, 3, 31)),
    (D(2026, 11, 22), "before 1 april 2027", D(2026, 11, 22), D(2027, 3, 31)),
    (D(2026, 11, 22), "before 01/04/2027", D(2026, 11, 22), D(2027, 3, 31)),
    (D(2026, 11, 22), "by the end of march", D(2026, 11, 22), D(2027, 3, 31)),
    (D(2026, 11, 22), "by the end of the year", D(2026, 11, 22), D(2027, 3, 31)),
    (D(2026, 11, 22), "by the end of the quarter", D(2026, 11, 22), D(2026, 12, 31)),
    (D(2026, 11, 22), "by march", D(2026, 11, 22), D(2027, 3, 31)),
    (D(2026, 11, 22), "by 29 february", D(2026, 11, 22), D(2028, 2, 29)),
    (D(2026, 11, 22), "between 1/1/2027 and 31/3/2027", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2026, 11, 22), "from 1 january 2027 to 31 march 2027", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2026, 11, 22), "q1 next year", D(2027, 4, 1), D(2027, 6, 30)),
    (D(2026, 11, 22), "after march 2027", D(2027, 4, 1), date.max),
    (D(2026, 11, 22), "the second half of the year", D(2026, 10, 1), D(2027, 3, 31)),
    (D(2026, 11, 22), "h1 2027/28", D(2027, 4, 1), D(2027, 9, 30)),
    (D(2026, 11, 22), "between now and christmas", D(2026, 11, 22), D(2026, 12, 25)),
    (D(2026, 12, 28), "by christmas", D(2026, 12, 28), D(2027, 12, 25)),
    # so far / to date stop at today
    (D(2026, 11, 22), "so far this year", D(2026, 4, 1), D(2026, 11, 22)),
    (D(2026, 11, 22), "this financial year to date", D(2026, 4, 1), D(2026, 11, 22)),
    (D(2026, 11, 22), "this quarter so far", D(2026, 10, 1), D(2026, 11, 22)),
]


@pytest.mark.parametrize(("today", "phrase", "start", "end"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_period_phrase_means_the_design_dates(today: date, phrase: str, start: date, end: date) -> None:
    """The phrase resolves to exactly the inclusive range docs/questions.md gives it."""
    found = find_period(f"which grants expire {phrase}?", today)
    assert found is not None, phrase
    assert (found.period.start, found.period.end) == (start, end)


@pytest.mark.parametrize("phrase", ["by 31/02/2027", "before 30 february 2027", "q3 2026/28", "between 1/4/2027 and 1/1/2027"])
def test_impossible_periods_are_refused_not_rolled_over(phrase: str) -> None:
    """A date that does not exist is refused rather than read as a nearby day."""
    with pytest.raises(PeriodNotUnderstood):
        find_period(f"which grants expire {phrase}?", date(2026, 11, 22))


def test_a_question_without_a_period_has_none() -> None:
    """Questions about names alone carry no period."""
    assert find_period("what do we fund in southwark?", date(2026, 11, 22)) is None


def test_the_modal_may_is_not_the_month() -> None:
    """'may' is only May when it is plainly a month."""
    assert find_period("which grants may expire", date(2026, 11, 22)) is None
    found = find_period("which grants may expire soon", date(2026, 11, 22))
    assert found is not None and found.period.label == "soon (the next 90 days)"
