"""What the quarterly publication holds: the rules, as plain functions of the register and dates.

DESIGN.md's Publication section is the contract. An agreement belongs to a financial quarter
when it is not a draft and was live at some time in it; terminated ones of the quarter are
published and marked so. The transparency list (Elected Local Policing Bodies (Specified
Information) Order 2011) is every agreement of the quarter worth more than £10,000. An OCDS
`maxExtentDate` is the current end date moved by every extension option still unused.
Nothing personal is published, and `personal_data` is the last check on every file's text.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.agreement import Agreement
from domain.answers import Period
from domain.periods import add_months, financial_quarter, financial_quarter_containing
from domain.returns import KpiActual, expected_spend_to_date
from domain.working_days import next_working_day

TRANSPARENCY_THRESHOLD = Decimal("10000")
ON_TRACK = "on track"
AT_RISK = "at risk"
NO_RETURN = "no accepted return yet"

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


class QuarterNotUnderstood(ValueError):
    """`--quarter` was not like 2026Q3."""


def parse_quarter(text: str, start_month: int = 4) -> Period:
    """`2026Q3` → Q3 of financial year 2026/27, 1 Oct – 31 Dec 2026."""
    match = _QUARTER.match(text or "")
    if not match:
        raise QuarterNotUnderstood(text)
    return financial_quarter(int(match.group(1)), int(match.group(2)), start_month)


def quarter_code(period: Period, start_month: int = 4) -> str:
    """The `2026Q3` spelling of a financial quarter, for file headers and messages."""
    first_year = period.start.year if period.start.month >= start_month else period.start.year - 1
    quarter = ((period.start.month - start_month) % 12) // 3 + 1
    return f"{first_year}Q{quarter}"


def last_completed_quarter(today: date, start_month: int = 4) -> Period:
    """The financial quarter before the one containing today: what a publication is usually for."""
    return financial_quarter_containing(today, start_month, offset=-1)


def belongs_to_quarter(agreement: Agreement, quarter: Period) -> bool:
    """Not a draft, and live at some time in the quarter (DESIGN.md, Publication)."""
    if agreement.status == "draft":
        return False
    end = agreement.current_end_date
    if agreement.start_date is None:
        awarded = agreement.award_date
        return awarded is not None and awarded <= quarter.end and (end is None or end >= quarter.start)
    return agreement.start_date <= quarter.end and (end is None or end >= quarter.start)


def of_quarter(agreements: Iterable[Agreement], quarter: Period) -> list[Agreement]:
    """The quarter's agreements, by reference."""
    return sorted((a for a in agreements if belongs_to_quarter(a, quarter)), key=lambda a: a.reference)


def over_threshold(agreement: Agreement, threshold: Decimal = TRANSPARENCY_THRESHOLD) -> bool:
    """Worth more than £10,000 over its term: the Order asks for these to be listed."""
    return agreement.value is not None and agreement.value > threshold


def max_extent_date(agreement: Agreement) -> date | None:
    """The latest the agreement could run: its current end moved by every unused extension option."""
    end = agreement.current_end_date
    if end is None:
        return None
    return add_months(end, 12 * sum(agreement.extension_options_left))


def published_status(agreement: Agreement, quarter: Period) -> str:
    """`active`, `ended` (within or before the quarter's end) or `terminated`, as of the quarter end."""
    if agreement.status == "terminated":
        return "terminated"
    end = agreement.current_end_date
    if end is not None and end < quarter.end:
        return "ended"
    if agreement.start_date is not None and agreement.start_date > quarter.end:
        return "not started"
    return "active"


def quarter_end_reminder_day(quarter: Period, bank_holidays: Container[date]) -> date:
    """The first working day after the quarter ends: when the team is reminded to publish it."""
    return next_working_day(quarter.end, bank_holidays)


# ---- performance ----


@dataclass(frozen=True)
class AcceptedReturn:
    """The published part of an accepted return: figures and RAG, never the provider's free text."""

    reference: str
    period_label: str
    period_end: date
    rag: str
    kpis: tuple[KpiActual, ...]
    spend_to_date: Decimal | None


@dataclass(frozen=True)
class Performance:
    """One agreement's line in the performance report."""

    agreement: Agreement
    latest: AcceptedReturn | None
    expected_spend: Decimal | None
    status: str

    @property
    def percent_of_profile(self) -> int | None:
        if self.latest is None or self.latest.spend_to_date is None or not self.expected_spend:
            return None
        return int(round(self.latest.spend_to_date / self.expected_spend * 100))


def performance(agreement: Agreement, latest: AcceptedReturn | None) -> Performance:
    """On track, at risk (Red or Amber, a KPI under 80% of target, or spend far off profile), or no return yet."""
    if latest is None:
        return Performance(agreement, None, None, NO_RETURN)
    expected = expected_spend_to_date(agreement, latest.period_end)
    risky = latest.rag in ("Red", "Amber") or any(k.short for k in latest.kpis)
    if latest.spend_to_date is not None and expected:
        ratio = latest.spend_to_date / expected
        risky = risky or ratio < Decimal("0.5") or (agreement.value is not None and latest.spend_to_date > agreement.value)
    return Performance(agreement, latest, expected, AT_RISK if risky else ON_TRACK)


def monitored(agreements: Sequence[Agreement]) -> list[Agreement]:
    """Agreements that owe monitoring returns: the ones the performance report covers."""
    return [a for a in agreements if (a.monitoring or "quarterly") != "none"]


# ---- personal data ----

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# UK numbers: 07… mobiles, 01/02/03 landlines, +44, with spaces, dots or hyphens.
PHONE = re.compile(r"(?<![\w/.-])(?:\+44\s?\(?0?\)?\s?|0)(?:\d[\s.-]?){9,10}(?!\w)")


def find_email(text: str) -> str:
    """The first email address in `text`, or "": looks only around each @, so megabytes of CSV take no time."""
    at = text.find("@")
    while at != -1:
        match = EMAIL.search(text, max(0, at - 254), at + 254)
        if match:
            return match.group(0)
        at = text.find("@", at + 1)
    return ""


class ContactNames:
    """The register's contact names, indexed by first word so thousands can be looked for at once."""

    def __init__(self, names: Iterable[str]) -> None:
        self._by_first: dict[str, set[tuple[str, ...]]] = {}
        for name in names:
            words = tuple(_WORD.findall(name.casefold()))
            # A single word ("Sam") is too common to call personal on its own.
            if len(words) >= 2 and len(" ".join(words)) >= 4:
                self._by_first.setdefault(words[0], set()).add(words)

    def found_in(self, text: str) -> list[str]:
        """Names that occur in `text` as whole words, in any case and spacing."""
        words = _WORD.findall(text.casefold())
        hits: set[str] = set()
        by_first = self._by_first
        for index, word in enumerate(words):
            candidates = by_first.get(word)
            if candidates:
                for name in candidates:
                    if tuple(words[index:index + len(name)]) == name:
                        hits.add(" ".join(name))
        return sorted(hits)


_WORD = re.compile(r"[^\W\d_][\w'-]*")


def personal_data(text: str, names: ContactNames | None = None) -> list[str]:
    """What in `text` looks personal: an email address, a phone number, or a contact's name.

    Returns a short description of each kind found; empty when the text is clean.
    """
    found: list[str] = []
    email = find_email(text)
    if email:
        found.append(f"an email address ({email})")
    phone = PHONE.search(text)
    if phone:
        found.append(f"a phone number ({phone.group(0).strip()})")
    if names is not None:
        found.extend(f"a contact name ({name.title()})" for name in names.found_in(text))
    return found
