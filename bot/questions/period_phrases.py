"""Finding the period in an English question: "this quarter", "Q3 2026/27", "by 31 March".

Recognizers-Text (which botbuilder-dialogs brings) has no en-GB: it reads 03/04/2026 as
4 March and does not know financial years (docs/teams-sdk.md trap 9), so periods are recognised
here with our own patterns and built by `domain.periods`, which owns what they mean.
`find_period` returns the period and the span of text it used, so the rest of the
question can be read without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from domain import periods as p
from domain.answers import Period
from domain.values import format_date

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20,
    "thirty": 30, "sixty": 60, "ninety": 90,
}
ORDINAL_QUARTERS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": 4}
FAR_FUTURE = date.max
# "Soon" and "coming up": the recommissioning horizon a commissioner watches.
SOON_DAYS = 90

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_NUM = r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty|thirty|sixty|ninety)"
_UNIT = r"(?P<unit>day|week|fortnight|month|year)s?"
# A day the user names: 31/03/2027, 2027-03-31, 31 March (2027), March 31st, the end of March.
_DATE = (
    r"(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+\d{4})?"
    r"|" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
    r"|(?:the\s+)?end\s+of\s+(?:the\s+)?(?:this\s+|next\s+)?(?:(?:financial|calendar|fiscal)\s+)?(?:year|quarter|month)"
    r"|(?:the\s+)?end\s+of\s+" + _MONTH + r"(?:\s+\d{4})?"
    r"|today|tomorrow|now|christmas(?: day)?)"
)


class PeriodNotUnderstood(ValueError):
    """A period-like phrase that names no real day (31/02/2027, Q5)."""


@dataclass(frozen=True)
class FoundPeriod:
    period: Period
    # Where in the text the phrase was ("so far … this year" can be two pieces).
    spans: tuple[tuple[int, int], ...]
    # "so far"/"to date" was said: the period stops at today.
    to_date: bool = False


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def parse_day(text: str, today: date, fy_start: int) -> date:
    """A day named in a question, resolved against `today` ("31 March" is the next one)."""
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = re.sub(r"^the ", "", text)
    if text in ("today", "now"):
        return today
    if text in ("christmas", "christmas day"):
        return p.next_day_of_year(12, 25, today)
    if text == "tomorrow":
        return today + timedelta(days=1)
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return _real_day(year + 2000 if year < 100 else year, month, day, text)
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _real_day(year, month, day, text)
    match = re.fullmatch(r"end of (?:the )?(this |next )?(?:(financial|calendar|fiscal) )?(year|quarter|month)", text)
    if match:
        offset = 1 if match.group(1) == "next " else 0
        calendar_said = match.group(2) == "calendar"
        unit = match.group(3)
        if unit == "year":
            period = p.calendar_year(today.year + offset) if calendar_said else p.financial_year_containing(today, fy_start, offset)
        elif unit == "quarter":
            period = p.calendar_quarter_containing(today, offset) if calendar_said else p.financial_quarter_containing(today, fy_start, offset)
        else:
            period = p.month_containing(today, offset)
        return period.end
    match = re.fullmatch(r"end of (" + _MONTH + r")(?: (\d{4}))?", text)
    if match:
        month = MONTHS[match.group(1)]
        if match.group(2):
            return p.month_period(int(match.group(2)), month).end
        return p.next_whole_month_named(month, today).end
    match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? (?:of )?(" + _MONTH + r")(?:,? (\d{4}))?", text) or re.fullmatch(
        r"(" + _MONTH + r") (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?", text
    )
    if match:
        first, second, year_text = match.groups()
        day_text, month_name = (first, second) if first.isdigit() else (second, first)
        month, day_number = MONTHS[month_name], int(day_text)
        if year_text:
            return _real_day(int(year_text), month, day_number, text)
        if day_number > 31 or (month == 2 and day_number > 29) or (month in (4, 6, 9, 11) and day_number > 30):
            raise PeriodNotUnderstood(text)
        return p.next_day_of_year(month, day_number, today)
    raise PeriodNotUnderstood(text)


def _real_day(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise PeriodNotUnderstood(text) from None


def _fy_first_year(text: str, fy_start: int) -> int:
    """`2026/27`, `2026-27`, `26/27`, `2026/2027` → 2026; `fy26`/`fy2026` → the year ending then."""
    match = re.fullmatch(r"(\d{2}|\d{4})\s*[/-]\s*(\d{2}|\d{4})", text)
    if match:
        first = int(match.group(1))
        first = first + 2000 if first < 100 else first
        second = int(match.group(2))
        second = second + (first // 100) * 100 if second < 100 else second
        if second != first + 1:
            raise PeriodNotUnderstood(text)
        return first
    year = int(text)
    year = year + 2000 if year < 100 else year
    # FY26 names the financial year that ends in 2026 (1 Apr 2025 – 31 Mar 2026).
    return year - 1 if fy_start != 1 else year


Handler = Callable[[re.Match[str], date, int], Period]


def _between(m: re.Match[str], today: date, fy: int) -> Period:
    start, end = parse_day(m.group("a"), today, fy), parse_day(m.group("b"), today, fy)
    if end < start:
        raise PeriodNotUnderstood(m.group(0))
    return Period(start, end, f"between {format_date(start)} and {format_date(end)}")


def _by(m: re.Match[str], today: date, fy: int) -> Period:
    day = parse_day(m.group("a"), today, fy)
    if m.group("word").strip() == "before":
        day -= timedelta(days=1)
        label = f"before {format_date(day + timedelta(days=1))}"
    else:
        label = f"by {format_date(day)}"
    if day < today:
        return Period(day, today, label)  # a day already passed: from then until today
    return p.up_to(today, day, label)


def _by_month(m: re.Match[str], today: date, fy: int) -> Period:
    month = _month(m, today, fy)
    if m.group("word") == "before":
        last = month.start - timedelta(days=1)
        return p.up_to(today, last, f"before {month.label}")
    return p.up_to(today, month.end, f"by the end of {month.label}")


def _after_month(m: re.Match[str], today: date, fy: int) -> Period:
    month = _month(m, today, fy)
    if m.group("word") == "after":
        start = month.end + timedelta(days=1)
        return Period(start, FAR_FUTURE, f"after {month.label}")
    if m.group("word") == "since":
        return Period(month.start, today, f"since {month.label}")
    return Period(month.start, FAR_FUTURE, f"from {month.label}")


def _half_year(m: re.Match[str], today: date, fy: int) -> Period:
    """H1/H2, or "the first/second half of the year": April–September / October–March."""
    half = 1 if (m.group("h") == "1" or (m.group("half") or "").startswith(("first", "1st"))) else 2
    if m.group("fyear"):
        first = _fy_first_year(m.group("fyear").replace(" ", ""), fy)
    else:
        first = p.financial_year_start(today, fy) + {"next": 1, "last": -1}.get(m.group("rel") or "", 0)
    start = p.add_months(date(first, fy, 1), 6 * (half - 1))
    end = p.add_months(start, 6) - timedelta(days=1)
    return Period(start, end, f"H{half} {p.financial_year_label(first, fy)}")


def _after(m: re.Match[str], today: date, fy: int) -> Period:
    day = parse_day(m.group("a"), today, fy)
    word = m.group("word").strip()
    if word == "after":
        return Period(day + timedelta(days=1), FAR_FUTURE, f"after {format_date(day)}")
    if word == "since":
        return Period(day, today, f"since {format_date(day)}")
    return Period(day, FAR_FUTURE, f"from {format_date(day)}")


def _on(m: re.Match[str], today: date, fy: int) -> Period:
    day = parse_day(m.group("a"), today, fy)
    return Period(day, day, f"on {format_date(day)}")


def _next_n(m: re.Match[str], today: date, fy: int) -> Period:
    amount, unit = _number(m.group("n")), m.group("unit")
    if unit == "fortnight":
        amount, unit = amount * 2, "week"
    return p.within_next(today, amount, unit)


def _last_n(m: re.Match[str], today: date, fy: int) -> Period:
    amount, unit = _number(m.group("n")), m.group("unit")
    if unit == "fortnight":
        amount, unit = amount * 2, "week"
    return p.within_last(today, amount, unit)


_OFFSETS = {"this": 0, "current": 0, "the current": 0, "next": 1, "the next": 1, "coming": 1, "the coming": 1,
            "following": 1, "the following": 1, "last": -1, "previous": -1, "the previous": -1, "the last": -1,
            "past": -1, "the past": -1}


def _relative(m: re.Match[str], today: date, fy: int) -> Period:
    offset = _OFFSETS[m.group("rel")]
    kind = (m.group("cal") or "").strip()
    unit = m.group("unit")
    if unit in ("fy", "financial year", "fiscal year"):
        unit, kind = "year", "financial"
    if unit == "quarter":
        period = p.calendar_quarter_containing(today, offset) if kind == "calendar" else p.financial_quarter_containing(today, fy, offset)
    elif unit == "year":
        period = p.calendar_year(today.year + offset) if kind == "calendar" else p.financial_year_containing(today, fy, offset)
    elif unit == "month":
        period = p.month_containing(today, offset)
    else:
        period = p.week_containing(today, offset)
    return period


def _quarter(m: re.Match[str] | _QuarterMatch, today: date, fy: int) -> Period:
    number = m.group("q") or m.group("qword")
    if number is None:
        raise PeriodNotUnderstood(m.group(0) or "")
    quarter = int(number) if number.isdigit() else ORDINAL_QUARTERS[number]
    if not 1 <= quarter <= 4:
        raise PeriodNotUnderstood(m.group(0))
    calendar_said = bool(m.group("cal1") or m.group("cal2") or m.group("cal3"))
    year_text = m.group("fyear")
    relative = m.group("qrel") or m.group("yrel")
    if calendar_said:
        year = int(year_text) if year_text and re.fullmatch(r"\d{4}", year_text) else today.year
        if relative == "next":
            year += 1
        elif relative == "last":
            year -= 1
        return p.calendar_quarter(year, quarter)
    if year_text:
        if re.fullmatch(r"\d{4}", year_text):
            first = int(year_text)  # "Q3 2026": the quarter of the financial year 2026/27
        else:
            first = _fy_first_year(year_text.replace("fy", "").strip(), fy)
    else:
        first = p.financial_year_start(today, fy)
        if relative == "next":
            first += 1
        elif relative == "last":
            first -= 1
    return p.financial_quarter(first, quarter, fy)


def _financial_year(m: re.Match[str], today: date, fy: int) -> Period:
    return p.financial_year(_fy_first_year(m.group("y").strip(), fy), fy)


def _calendar_year(m: re.Match[str], today: date, fy: int) -> Period:
    return p.calendar_year(int(m.group("y")))


def _month(m: re.Match[str], today: date, fy: int) -> Period:
    month = MONTHS[m.group("m")]
    if m.group("y"):
        return p.month_period(int(m.group("y")), month)
    return p.next_whole_month_named(month, today)


def _soon(m: re.Match[str], today: date, fy: int) -> Period:
    period = p.within_next(today, SOON_DAYS, "day")
    return Period(period.start, period.end, f"soon (the next {SOON_DAYS} days)")


def _today(m: re.Match[str], today: date, fy: int) -> Period:
    day = today if m.group(0).strip() == "today" else today + timedelta(days=1)
    return Period(day, day, m.group(0).strip())


_YEAR_SPEC = (
    r"(?:\s+(?:of\s+|in\s+)?(?:(?P<fyear>fy\s*\d{2,4}(?:\s*[/-]\s*\d{2,4})?|\d{4}\s*[/-]\s*\d{2,4}|\d{2}/\d{2}|\d{4})"
    r"|(?:the\s+)?(?P<yrel>this|next|last)\s+(?:financial\s+)?year))?"
)
PATTERNS: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(r"\b(?:between|from)\s+(?P<a>" + _DATE + r")\s+(?:and|to|until|till|-)\s+(?P<b>" + _DATE + r")\b"), _between),
    (re.compile(r"\b(?P<word>on or before|no later than|by|until|till|up to|before)\s+(?P<a>" + _DATE + r")\b"), _by),
    (re.compile(r"\b(?P<word>by|until|till|before)\s+(?P<m>" + _MONTH + r")(?:\s+(?P<y>\d{4}))?\b"), _by_month),
    (re.compile(r"\b(?P<word>after|from|since)\s+(?P<m>" + _MONTH + r")(?:\s+(?P<y>\d{4}))?(?:\s+onwards?)?\b"), _after_month),
    (re.compile(r"\b(?P<half>first|second|1st|2nd)\s+half\s+of\s+(?:the\s+)?(?P<rel>this|next|last)?\s*(?:financial\s+)?year\b"
                r"|\bh(?P<h>[12])(?:\s+(?P<fyear>\d{4}\s*[/-]\s*\d{2,4}))?\b"), _half_year),
    (re.compile(r"\b(?P<word>after|since|from|on or after)\s+(?P<a>" + _DATE + r")(?:\s+onwards?)?\b"), _after),
    (re.compile(r"\b(?:in|within|over|during)?\s*(?:the\s+)?(?:next|coming|following)\s+(?P<n>" + _NUM + r")\s+" + _UNIT + r"\b"), _next_n),
    (re.compile(r"\b(?:within|in)\s+(?:the\s+)?(?P<n>" + _NUM + r")\s+" + _UNIT + r"\b"), _next_n),
    (re.compile(r"\b(?:in|within|over|during)?\s*(?:the\s+)?(?:last|past|previous)\s+(?P<n>" + _NUM + r")\s+" + _UNIT + r"\b"), _last_n),
    (re.compile(
        r"\b(?:(?P<cal1>calendar)\s+)?(?:(?P<qrel>next|last|this)\s+)?(?:q(?P<q>\d)|(?P<qword>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter|quarter\s+(?P<q2>\d))"
        r"(?:\s+(?P<cal2>calendar))?" + _YEAR_SPEC + r"(?:\s+(?P<cal3>calendar))?\b"
    ), lambda m, t, f: _quarter(_QuarterMatch(m), t, f)),
    (re.compile(
        r"\b(?P<rel>this|current|the current|next|the next|coming|the coming|following|the following|last|the last|previous|the previous|past|the past)\s+"
        r"(?P<cal>calendar\s+|financial\s+|fiscal\s+)?(?P<unit>quarter|month|year|week|fy|financial year|fiscal year)\b"
    ), _relative),
    (re.compile(r"\b(?:fy|financial year|fiscal year)\s*(?P<y>\d{4}\s*[/-]\s*\d{2,4}|\d{2}\s*[/-]\s*\d{2}|\d{2,4})\b"), _financial_year),
    (re.compile(r"(?<![\d/-])(?P<y>\d{4}\s*[/-]\s*(?:\d{2}|\d{4}))(?![\d/-])"), _financial_year),
    (re.compile(r"\b(?:calendar\s+year\s+|in\s+|during\s+)(?P<y>20\d{2}|19\d{2})\b"), _calendar_year),
    (re.compile(r"\bon\s+(?P<a>" + _DATE + r")\b"), _on),
    (re.compile(r"(?<![\w/-])(?P<a>\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+\d{4})?)\b"), _on),
    (re.compile(r"\b(?:in|during|for|of|by)\s+(?P<m>" + _MONTH + r")(?:\s+(?P<y>\d{4}))?\b"), _month),
    (re.compile(r"\b(?P<m>" + _MONTH.replace("|may|", "|") + r")(?:\s+(?P<y>\d{4}))?\b"), _month),
    (re.compile(r"\b(?P<m>may)\s+(?P<y>\d{4})\b"), _month),
    (re.compile(r"\b(?:today|tomorrow)\b"), _today),
    (re.compile(r"\b(?:soon|shortly|coming up|upcoming|imminently|in the near future)\b"), _soon),
    (re.compile(r"(?<![\d/-])(?P<a>\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{1,2}-\d{1,2})(?![\d/-])"), _on),
    (re.compile(r"\b(?P<y>20\d{2})\b"), _calendar_year),
]
_TO_DATE = re.compile(r"\b(?:so far|to date|year to date|ytd)\b")


class _QuarterMatch:
    """Presents the two spellings of a quarter number ("q3", "quarter 3") as one group."""

    def __init__(self, match: re.Match[str]) -> None:
        self._match = match

    def group(self, name: str | int) -> str | None:
        if name == "q":
            return self._match.group("q") or self._match.group("q2")
        return self._match.group(name)


def find_period(text: str, today: date, fy_start: int = 4) -> FoundPeriod | None:
    """The first period phrase in lower-cased `text`, or None.

    Raises `PeriodNotUnderstood` for a phrase that looks like a period but names no real
    one, so the question is refused rather than answered for the wrong dates.
    """
    for pattern, handler in PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        period = handler(match, today, fy_start)
        to_date = _TO_DATE.search(text)
        if to_date:
            return FoundPeriod(p.to_date(period, today), (match.span(), to_date.span()), to_date=True)
        return FoundPeriod(period, (match.span(),))
    to_date = _TO_DATE.search(text)
    if to_date:  # "so far" alone: this financial year to date
        period = p.to_date(p.financial_year_containing(today, fy_start), today)
        return FoundPeriod(period, (to_date.span(),), to_date=True)
    return None
