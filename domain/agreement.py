"""Agreements as the register records them, and the rules that follow from their dates.

An agreement is one row of the register: a contract, a grant or a partnership. The rules
here answer the questions every other part asks: when does it end now, which extension
options are still open, has it ended by a given day. They are pure functions of the
agreement and a date passed in, so they can be tested without a database or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

KINDS: tuple[str, ...] = ("contract", "grant", "partnership")
STATUSES: tuple[str, ...] = ("active", "draft", "terminated")
SIGNED_VALUES: tuple[str, ...] = ("both", "ours", "none")
MONITORING_FREQUENCIES: tuple[str, ...] = ("quarterly", "monthly", "biannual", "annual", "none")


@dataclass(frozen=True, slots=True)
class Kpi:
    """A key performance indicator with its target for each monitoring period."""

    name: str
    target: Decimal


@dataclass(frozen=True, slots=True)
class Agreement:
    """One register row, with values already parsed into dates, pounds and choices."""

    reference: str
    kind: str
    title: str
    provider: str
    provider_id: str = ""
    funding_stream: str = ""
    project_code: str = ""
    value: Decimal | None = None
    start_date: date | None = None
    award_date: date | None = None
    end_date: date | None = None
    extension_options: tuple[int, ...] = ()
    extended_to: date | None = None
    area: str = ""
    category: str = ""
    contract_manager: str = ""
    contact_name: str = ""
    contact_email: str = ""
    monitoring: str = "quarterly"
    kpis: tuple[Kpi, ...] = ()
    signed: str = ""
    status: str = "active"
    notes: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())
    # Set by storage, not by the file: the row was absent from a later import.
    missing_from_last_import: bool = False
    # The day the row first reached the register (monitoring starts no earlier).
    first_imported: date | None = None

    @property
    def current_end_date(self) -> date | None:
        """The day the agreement ends now: moved by extensions already taken, not by options."""
        return self.extended_to or self.end_date

    @property
    def extension_years_used(self) -> int:
        """Whole years between the original end date and the current one."""
        if self.end_date is None or self.extended_to is None or self.extended_to <= self.end_date:
            return 0
        return _whole_years_between(self.end_date, self.extended_to)

    @property
    def extension_options_left(self) -> tuple[int, ...]:
        """Options not yet exercised; the years already extended use options up in order."""
        used = self.extension_years_used
        remaining = list(self.extension_options)
        while remaining and used > 0:
            used -= remaining.pop(0)
        return tuple(remaining)

    @property
    def has_extension_options(self) -> bool:
        """True while at least one optional extension is unused."""
        return bool(self.extension_options_left)

    def has_ended(self, today: date) -> bool:
        """True when the current end date is before today."""
        end = self.current_end_date
        return end is not None and end < today

    def has_started(self, today: date) -> bool:
        """True when the start date is today or earlier (unknown start counts as started)."""
        return self.start_date is None or self.start_date <= today

    @property
    def is_live(self) -> bool:
        """Active agreements; drafts and terminated ones are left out unless asked for."""
        return self.status == "active"


def _whole_years_between(earlier: date, later: date) -> int:
    """Years from `earlier` to `later`, rounded to the nearest whole year.

    Registers record extensions loosely (31 March 2025 → 30 March 2026 is one year), so
    a few days either way still count as the year they plainly mean.
    """
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if later.day - earlier.day > 15:
        months += 1
    elif earlier.day - later.day > 15:
        months -= 1
    return max(0, round(months / 12))


def format_extension_options(options: tuple[int, ...]) -> str:
    """`(1, 1)` → `"1+1"`, the way registers write them."""
    return "+".join(str(years) for years in options)
