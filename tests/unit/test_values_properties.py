"""Money and date parsers under hypothesis: every written form round-trips, nothing else escapes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from domain.register_columns import format_plain_money
from domain.values import ValueNotUnderstood, format_money, parse_date, parse_money

PENCE = st.integers(min_value=0, max_value=10**13).map(lambda pence: (Decimal(pence) / 100).quantize(Decimal("0.01")))
DATES = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))


@given(PENCE)
def test_formatted_money_reads_back_as_the_same_amount(amount):
    """`£125,000.50` as the bot shows it parses back to the same pounds and pence."""
    assert parse_money(format_money(amount)) == amount


@given(PENCE)
def test_plain_export_money_reads_back_as_the_same_amount(amount):
    """Export's plain amounts (`125000`, `99.50`) parse back exactly."""
    assert parse_money(format_plain_money(amount)) == amount


@given(PENCE)
def test_spreadsheet_numbers_read_as_pounds(amount):
    """A number cell from XLSX (a float) is the same pounds and pence."""
    assert parse_money(float(amount)) == amount


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["k", "K", "m", "M", "bn"]))
def test_thousands_millions_and_billions_multiply(number, unit):
    """`125k`, `2m`, `1bn` mean thousands, millions and billions."""
    multiplier = {"k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}[unit.lower()]
    assert parse_money(f"£{number}{unit}") == Decimal(number * multiplier).quantize(Decimal("0.01"))


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none()))
@example("NaN")
@example("inf")
@example("1e5")
@example("£")
@example("1,00")
@example(float("nan"))
@example("١٢٣")
def test_money_parser_never_raises_anything_but_value_not_understood(value):
    """Whatever a cell holds, the money parser returns pounds or `ValueNotUnderstood`, never a crash."""
    try:
        result = parse_money(value)
    except ValueNotUnderstood:
        return
    assert result is None or (isinstance(result, Decimal) and result.is_finite() and result >= 0)


@given(DATES)
def test_iso_dates_round_trip(day):
    """`2027-03-31` is 31 March 2027."""
    assert parse_date(day.isoformat()) == day


@given(DATES)
def test_uk_dates_round_trip(day):
    """`31/03/2027` is 31 March 2027 (day first), with or without leading zeros."""
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year:04d}") == day


@given(DATES)
def test_written_dates_round_trip(day):
    """`31 March 2027` and `31 Mar 2027` read as the same day."""
    assert parse_date(f"{day.day} {day:%B} {day.year:04d}") == day
    assert parse_date(f"{day.day} {day:%b} {day.year:04d}") == day


@given(DATES)
def test_date_cells_are_taken_as_they_are(day):
    """XLSX date and datetime cells need no parsing."""
    assert parse_date(day) == day
    assert parse_date(datetime(day.year, day.month, day.day)) == day


@given(st.integers(min_value=1, max_value=12), st.integers(min_value=29, max_value=31), st.integers(min_value=1900, max_value=2100))
def test_impossible_dates_are_refused_not_rolled_over(month, day, year):
    """31/02/2026 is refused rather than read as 3 March."""
    try:
        expected = date(year, month, day)
    except ValueError:
        expected = None
    text = f"{day:02d}/{month:02d}/{year}"
    if expected is None:
        try:
            parse_date(text)
        except ValueNotUnderstood as error:
            assert error.value == text
        else:
            raise AssertionError(f"{text} was accepted")
    else:
        assert parse_date(text) == expected


@given(st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none()))
@example("0000-01-01")
@example("99999-01-01")
@example("31/12/0000")
@example("1 Smarch 2024")
@example("2024-02-30T00:00")
def test_date_parser_never_raises_anything_but_value_not_understood(value):
    """Whatever a cell holds, the date parser returns a date, `None` or `ValueNotUnderstood`."""
    try:
        result = parse_date(value)
    except ValueNotUnderstood:
        return
    assert result is None or isinstance(result, date)


def test_money_keeps_every_digit_once_the_dialogs_are_loaded():
    """Recognizers-Text lowers decimal precision to 15 on import; ours puts it back."""
    import decimal

    import dialogs  # noqa: F401 - imports botbuilder-dialogs and so Recognizers-Text

    assert decimal.getcontext().prec >= 28
    assert parse_money("£12,345,678,901,234.56") == Decimal("12345678901234.56")
    assert sum([Decimal("9999999999999.99")] * 3) == Decimal("29999999999999.97")
