"""Reading the values people type into registers and chats: money, dates, choices.

Registers are kept by hand, so the same pound amount arrives as `125000`, `£125,000.00` or
`125k`, and the same day as `2024-04-01` or `01/04/2024`. These parsers accept every form
the register format allows and refuse everything else with a message that says what was
expected, so an import report can name the bad cell and the fix.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Context, Decimal, InvalidOperation, localcontext

QUOTE_CHARS = 80


def quoted(value: object, limit: int = QUOTE_CHARS) -> str:
    """`value` quoted for a message, at most `limit` characters of it.

    A refusal must say which value was wrong without repeating all of it: a cell can hold
    a whole document, and the report goes to a terminal, a log or a card.
    `'99999…' (10,000 characters)`.
    """
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    return f"{text[:limit]!r}… ({len(text):,} characters)"


class ValueNotUnderstood(ValueError):
    """A cell or an answer that cannot be read as the type asked for.

    `expected` is a short phrase for people ("a date like 31/03/2027 or 2027-03-31").
    """

    def __init__(self, value: object, expected: str) -> None:
        super().__init__(f"{quoted(value)} is not {expected}")
        self.value = value
        self.expected = expected


MONEY_EXPECTED = "an amount of money like 125000, £125,000.00 or 125k"
DATE_EXPECTED = "a date like 31/03/2027 or 2027-03-31"

_MULTIPLIERS = {"": Decimal(1), "k": Decimal(1_000), "m": Decimal(1_000_000), "bn": Decimal(1_000_000_000)}
_MONEY = re.compile(
    r"""^\s*(?P<sign>-)?\s*(?:£|gbp\s*)?\s*
        (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
        \s*(?P<unit>k|m|bn|million|thousand)?\s*(?:gbp|pounds)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_UNIT_ALIASES = {"million": "m", "thousand": "k"}


# Recognizers-Text (imported by botbuilder-dialogs) sets the thread's decimal precision to
# 15 digits at import; money is always computed in a context of our own instead.
MONEY_CONTEXT = Context(prec=40)


def parse_money(text: object) -> Decimal | None:
    """Pounds as a `Decimal` rounded to pence; `None` for an empty cell.

    Accepts `125000`, `£125,000.00`, `125k`, `£1.2m`, `2 million`. Refuses anything else,
    including negative amounts, which registers never mean.
    """
    with localcontext(MONEY_CONTEXT):
        return _parse_money(text)


def _parse_money(text: object) -> Decimal | None:
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueNotUnderstood(text, MONEY_EXPECTED)
    if isinstance(text, (int, Decimal)):
        amount = Decimal(text)
    elif isinstance(text, float):
        amount = Decimal(repr(text))
    else:
        raw = str(text).strip()
        if not raw:
            return None
        match = _MONEY.match(raw)
        if not match or match.group("sign"):
            raise ValueNotUnderstood(text, MONEY_EXPECTED)
        unit = (match.group("unit") or "").lower()
        unit = _UNIT_ALIASES.get(unit, unit)
        try:
            amount = Decimal(match.group("number").replace(",", "")) * _MULTIPLIERS[unit]
        except InvalidOperation as error:  # pragma: no cover - the pattern admits only digits
            raise ValueNotUnderstood(text, MONEY_EXPECTED) from error
    if not amount.is_finite() or amount < 0:
        raise ValueNotUnderstood(text, MONEY_EXPECTED)
    try:
        return amount.quantize(Decimal("0.01"))
    except InvalidOperation:  # more digits than pence can be counted in: not a register amount
        raise ValueNotUnderstood(text, MONEY_EXPECTED) from None


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_UK = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_WORDY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$", re.IGNORECASE)


def parse_date(text: object) -> date | None:
    """A calendar date; `None` for an empty cell.

    UK order (`01/04/2024` is 1 April) and ISO (`2024-04-01`) are both accepted, as are
    `1 April 2024` and spreadsheet date cells. Impossible dates such as 31/02/2024 are
    refused rather than rolled over.
    """
    if text is None:
        return None
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    raw = str(text).strip()
    if not raw:
        return None
    for pattern, order in ((_ISO, "ymd"), (_UK, "dmy")):
        match = pattern.match(raw)
        if match:
            parts = dict(zip(order, (int(group) for group in match.groups()), strict=True))
            year = parts["y"]
            if len(match.group(order.index("y") + 1)) == 2:  # `31/03/27` means 2027; `0027` does not
                year += 2000
            return _checked_date(year, parts["m"], parts["d"], text)
    match = _WORDY.match(raw)
    if match and match.group(2).lower() in _MONTHS:
        return _checked_date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)), text)
    raise ValueNotUnderstood(text, DATE_EXPECTED)


def _checked_date(year: int, month: int, day: int, original: object) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueNotUnderstood(original, DATE_EXPECTED) from error


def parse_choice(text: object, choices: tuple[str, ...], default: str, aliases: dict[str, str] | None = None) -> str:
    """One of `choices`, matched case-insensitively; `default` for an empty cell."""
    raw = "" if text is None else str(text).strip().lower()
    if not raw:
        return default
    raw = (aliases or {}).get(raw, raw)
    if raw not in choices:
        raise ValueNotUnderstood(text, "one of " + ", ".join(choices))
    return raw


EXTENSIONS_EXPECTED = "extension options in years like 1+1 or 2"


def parse_extension_options(text: object) -> tuple[int, ...]:
    """`1+1` → (1, 1); `2` → (2,); empty, `0` or `none` → ()."""
    raw = "" if text is None else str(text).strip().lower()
    if raw in ("", "none", "0", "n/a", "-"):
        return ()
    raw = re.sub(r"\s*(years?|yrs?)\s*$", "", raw)
    if isinstance(text, float) and text.is_integer():
        raw = str(int(text))
    parts = [part.strip() for part in raw.split("+")]
    if not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ValueNotUnderstood(text, EXTENSIONS_EXPECTED)
    return tuple(int(part) for part in parts)


KPIS_EXPECTED = "KPI targets like referrals=120; sessions=300"


def parse_kpis(text: object) -> tuple[tuple[str, Decimal], ...]:
    """`referrals=120; sessions=300` → (("referrals", 120), ("sessions", 300))."""
    raw = "" if text is None else str(text).strip()
    if not raw:
        return ()
    targets: list[tuple[str, Decimal]] = []
    for item in re.split(r"[;\n]", raw):
        if not item.strip():
            continue
        name, sep, target = item.partition("=")
        if not sep:
            name, sep, target = item.partition(":")
        name = name.strip()
        try:
            number = Decimal(target.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueNotUnderstood(text, KPIS_EXPECTED) from None
        if not sep or not name or not number.is_finite() or number < 0:
            raise ValueNotUnderstood(text, KPIS_EXPECTED)
        targets.append((name, number))
    names = [name.lower() for name, _ in targets]
    if len(set(names)) != len(names):
        raise ValueNotUnderstood(text, KPIS_EXPECTED + ", each named once")
    return tuple(targets)


def format_money(amount: Decimal | None) -> str:
    """`Decimal('125000.00')` → `£125,000`; pence shown only when there are any."""
    if amount is None:
        return ""
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


def format_date(day: date | None) -> str:
    """`date(2026, 10, 1)` → `1 Oct 2026`, the short form used in answers."""
    if day is None:
        return ""
    return f"{day.day} {day:%b %Y}"
