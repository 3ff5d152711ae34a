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
class Choice:
    """One exact reading of an ambiguous phrase: what a button says, and the words that ask it."""

    title: str
    phrase: str


class PeriodAmbiguous(ValueError):
    """A period phrase docs/questions.md does not settle ("over the summer"): ask which is meant.

    `span` is where the phrase is in the text, so the question can be asked again with each
    choice's exact `phrase` in its place.
    """

    def __init__(self, said: str, span: tuple[int, int], choices: tuple[Choice, ...]) -> None:
        super().__init__(said)
        self.said = said
        self.span = span
        self.choices = choices


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
    # A day already passed gives an empty period (today .. a day before it), never one that
    # starts before today: "before 31 March" asked on 31 March has no days left in it.
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


def _month_range(m: re.Match[str], today: date, fy: int) -> Period:
    """"Between January and March 2027", "from Jan to Mar": whole months, first to last.

    A year said once names the year of the month it follows ("November to February 2027" runs
    from November 2026); with no year it is the next such range not wholly passed, as "in March".
    """
    first, last = MONTHS[m.group("m1")], MONTHS[m.group("m2")]
    wraps = last < first
    y1, y2 = m.group("y1"), m.group("y2")
    if y1 and y2:
        start_year, end_year = int(y1), int(y2)
    elif y2:
        end_year = int(y2)
        start_year = end_year - 1 if wraps else end_year
    elif y1:
        start_year = int(y1)
        end_year = start_year + 1 if wraps else start_year
    else:
        start_year = today.year - 1
        while p.month_period(start_year + (1 if wraps else 0), last).end < today:
            start_year += 1
        end_year = start_year + (1 if wraps else 0)
    start, end = p.month_period(start_year, first), p.month_period(end_year, last)
    if end.end < start.start:
        raise PeriodNotUnderstood(m.group(0))
    if start == end:
        return start
    label = (
        f"between {p.MONTH_NAMES[first - 1]} and {end.label}" if start_year == end_year
        else f"between {start.label} and {end.label}"
    )
    return Period(start.start, end.end, label)


def _fortnight(m: re.Match[str], today: date, fy: int) -> Period:
    """"The next fortnight" is "the next 2 weeks"; "the last fortnight" the 2 weeks to today."""
    if m.group("rel") in ("last", "past", "previous"):
        period = p.within_last(today, 2, "week")
        return Period(period.start, period.end, "the last fortnight")
    period = p.within_next(today, 2, "week")
    return Period(period.start, period.end, "the next fortnight")


def _summer(m: re.Match[str], today: date, fy: int) -> Period:
    """"Over the summer" could be June–August or the July–August holidays: ask which."""
    rel = m.group("rel") or ""
    year = today.year if today <= date(today.year, 8, 31) else today.year + 1
    if rel == "next" and today.month >= 6:
        year = today.year + 1
    if rel == "last":
        year = today.year if today > date(today.year, 8, 31) else today.year - 1
    raise PeriodAmbiguous(m.group(0).strip(), _span(m), (
        Choice(f"June to August {year}", f"between June and August {year}"),
        Choice(f"July and August {year} (the school holidays)", f"between July and August {year}"),
    ))


def _new_year(m: re.Match[str], today: date, fy: int) -> Period:
    """"The new year" may be 1 January or the new financial year (1 April): ask which."""
    year = today.year + 1
    fy_first = p.financial_year_start(today, fy) + 1
    new_fy = p.financial_year(fy_first, fy)
    label = p.financial_year_label(fy_first, fy)
    word = (m.group("word") or "").strip()
    if word in ("by", "before", "until", "till"):
        choices: tuple[Choice, ...] = (
            Choice(f"before 1 January {year}", f"before 1 January {year}"),
            Choice(f"before the new financial year ({format_date(new_fy.start)})", f"before {format_date(new_fy.start)}"),
        )
    else:
        choices = (
            Choice(f"in January {year}", f"in January {year}"),
            Choice(f"in calendar year {year}", f"in calendar year {year}"),
            Choice(f"in the new financial year {label}", f"in financial year {label}"),
        )
    raise PeriodAmbiguous(m.group(0).strip(), _span(m), choices)


def _end_of(m: re.Match[str], today: date, fy: int) -> Period:
    """"At the end of next quarter" may be its last day or its last month: ask which.

    ("By the end of next quarter" is settled — today to that day — and read by `_by`.)
    """
    last_day = parse_day(m.group("a"), today, fy)
    month = p.month_period(last_day.year, last_day.month)
    choices = (
        Choice(f"on {format_date(last_day)} (the last day)", f"on {format_date(last_day)}"),
        Choice(f"in {month.label} (the last month)", f"in {month.label}"),
        Choice(f"from today to {format_date(last_day)}", f"by {format_date(last_day)}"),
    )
    raise PeriodAmbiguous(m.group(0).strip(), _span(m), choices)


def _span(m: re.Match[str]) -> tuple[int, int]:
    """The match's span without the spaces a pattern may have taken around it."""
    start, end = m.span()
    text = m.group(0)
    return start + len(text) - len(text.lstrip()), end - len(text) + len(text.rstrip())


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
# "January to March 2027"; after "between" or "from", "and" joins the two months too.
_MONTH_RANGE = (
    r"(?P<m1>" + _MONTH + r")(?:\s+(?P<y1>\d{4}))?\s*(?:\s(?:{joins})\s|-|–)\s*(?:the\s+end\s+of\s+)?"
    r"(?P<m2>" + _MONTH + r")(?:\s+(?P<y2>\d{4}))?"
)
_END_OF = (
    r"(?:the\s+)?end\s+of\s+(?:the\s+)?(?:this\s+|next\s+)?(?:(?:financial|calendar|fiscal)\s+)?(?:year|quarter|month)"
    r"|(?:the\s+)?end\s+of\s+" + _MONTH + r"(?:\s+\d{4})?"
)
PATTERNS: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(r"\b(?:between|from)\s+" + _MONTH_RANGE.replace("{joins}", "and|to|until|till|through") + r"\b"), _month_range),
    (re.compile(r"\b(?:(?:in|during)\s+)?" + _MONTH_RANGE.replace("{joins}", "to|until|till|through") + r"\b"), _month_range),
    (re.compile(r"\b(?:between|from)\s+(?P<a>" + _DATE + r")\s+(?:and|to|until|till|-)\s+(?P<b>" + _DATE + r")\b"), _between),
    (re.compile(r"\b(?P<word>on or before|no later than|by|until|till|up to|before)\s+(?P<a>" + _DATE + r")\b"), _by),
    (re.compile(r"\b(?P<word>by|until|till|before)\s+(?P<m>" + _MONTH + r")(?:\s+(?P<y>\d{4}))?\b"), _by_month),
    (re.compile(r"\b(?:in|within|over|during|for)?\s*(?:the\s+)?(?P<rel>next|coming|following|last|past|previous)\s+fortnight\b"), _fortnight),
    (re.compile(r"\b(?P<word>by|before|until|till|in|after|from|since|over|during|at)?\s*the\s+new\s+year\b"), _new_year),
    (re.compile(r"\b(?:(?:over|during|in|for|across|through)\s+)?(?:the\s+)?(?:(?P<rel>this|next|last|coming)\s+)?summer\b"
                r"(?:\s+(?:holidays?|months|break))?"), _summer),
    (re.compile(r"\b(?P<word>after|from|since)\s+(?P<m>" + _MONTH + r")(?:\s+(?P<y>\d{4}))?(?:\s+onwards?)?\b"), _after_month),
    (re.compile(r"\b(?P<half>first|second|1st|2nd)\s+half\s+of\s+(?:the\s+)?(?P<rel>this|next|last)?\s*(?:financial\s+)?year\b"
                r"|\bh(?P<h>[12])(?:\s+(?P<fyear>\d{4}\s*[/-]\s*\d{2,4}))?\b"), _half_year),
    (re.compile(r"\b(?P<word>after|since|from|on or after)\s+(?P<a>" + _DATE + r")(?:\s+onwards?)?\b"), _after),
    (re.compile(r"\b(?:at|around|towards?|near|for|on)?\s*(?P<a>" + _END_OF + r")\b"), _end_of),
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
