"""Payment schedules: when each instalment of an agreement is due, and whether it was paid.

Small providers live "hand to mouth": a grant instalment a fortnight late is a salary not paid.
These rules let the bot say, for any day, which instalments are due, overdue, part paid, paid,
or paid late, which agreements are behind, and how much is committed but not yet paid out.
They are plain functions of the schedule, the day and the bank-holiday calendar handed in.

One point in time decides lateness both ways: an instalment not fully paid `overdue_after`
working days after its due date is overdue, and one paid after that day is "paid late" for
good. So a payment is never "on time" in one report and "late" in the next.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from domain.agreement import Agreement
from domain.periods import add_months, financial_quarter_containing
from domain.working_days import add_working_days

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")

# Instalment statuses, as answers and cards show them.
UPCOMING = "upcoming"
DUE = "due"
PART_PAID = "part paid"
OVERDUE = "overdue"
PAID = "paid"
PAID_LATE = "paid late"
STATUSES: tuple[str, ...] = (UPCOMING, DUE, PART_PAID, OVERDUE, PAID, PAID_LATE)
SETTLED: frozenset[str] = frozenset({PAID, PAID_LATE})

DEFAULT_OVERDUE_AFTER = 5
BEYOND_SCHEDULE = "paid beyond the schedule"
DEFAULT_START_GRACE = 10

# PAYMENT_PROFILE values: (months per instalment, paid at the start of the period?).
PROFILES: dict[str, tuple[int, bool]] = {
    "monthly-in-advance": (1, True),
    "monthly-in-arrears": (1, False),
    "quarterly-in-advance": (3, True),
    "quarterly-in-arrears": (3, False),
    "biannual-in-advance": (6, True),
    "annual-in-advance": (12, True),
    "annual-in-arrears": (12, False),
}


@dataclass(frozen=True, slots=True)
class Instalment:
    """One expected payment to a provider, and what has been paid against it so far."""

    reference: str
    number: int
    due: date
    amount: Decimal
    paid_on: date | None = None
    paid_amount: Decimal = ZERO
    payment_reference: str = ""
    note: str = ""
    # Made from PAYMENT_PROFILE, not given by the register: an estimate, said so on cards.
    generated: bool = False

    @property
    def outstanding(self) -> Decimal:
        """What is still to pay on this instalment (never below zero)."""
        return max(self.amount - self.paid_amount, ZERO)

    @property
    def fully_paid(self) -> bool:
        return self.paid_amount >= self.amount and self.paid_on is not None


@dataclass(frozen=True)
class PaymentRules:
    """The configurable numbers: working days before an unpaid instalment is overdue, and so on."""

    overdue_after: int = DEFAULT_OVERDUE_AFTER
    # Funding whose first instalment is due later than this many working days after the service starts.
    start_grace: int = DEFAULT_START_GRACE


def overdue_from(instalment: Instalment, bank_holidays: Container[date], rules: PaymentRules = PaymentRules()) -> date:
    """The last day it may still be paid on time: `overdue_after` working days after it falls due."""
    return add_working_days(instalment.due, rules.overdue_after, bank_holidays)


def status(
    instalment: Instalment, today: date, bank_holidays: Container[date], rules: PaymentRules = PaymentRules()
) -> str:
    """Upcoming, due, part paid, overdue, paid or paid late, on `today`."""
    last_on_time = overdue_from(instalment, bank_holidays, rules)
    if instalment.fully_paid:
        assert instalment.paid_on is not None
        return PAID_LATE if instalment.paid_on > last_on_time else PAID
    if today > last_on_time:
        return OVERDUE
    if instalment.paid_amount > ZERO:
        return PART_PAID
    return DUE if today >= instalment.due else UPCOMING


def is_overdue(
    instalment: Instalment, today: date, bank_holidays: Container[date], rules: PaymentRules = PaymentRules()
) -> bool:
    return status(instalment, today, bank_holidays, rules) == OVERDUE


def behind_on_payments(
    schedule: Iterable[Instalment], today: date, bank_holidays: Container[date], rules: PaymentRules = PaymentRules()
) -> bool:
    """True when any instalment of the agreement is overdue."""
    return any(is_overdue(instalment, today, bank_holidays, rules) for instalment in schedule)


def next_unpaid(schedule: Iterable[Instalment]) -> Instalment | None:
    """The earliest instalment not yet fully paid: what a provider waits for next."""
    waiting = [instalment for instalment in schedule if not instalment.fully_paid]
    return min(waiting, key=lambda i: (i.due, i.number)) if waiting else None


def committed_unpaid(schedule: Iterable[Instalment]) -> Decimal:
    """Committed but not yet paid: the sum of what is outstanding on every instalment."""
    return sum((instalment.outstanding for instalment in schedule), ZERO)


def paid_between(schedule: Iterable[Instalment], start: date, end: date) -> Decimal:
    """What was paid out with a paid date in start..end inclusive."""
    return sum(
        (i.paid_amount for i in schedule if i.paid_on is not None and start <= i.paid_on <= end), ZERO
    )


def paid_to(schedule: Iterable[Instalment], day: date) -> Decimal:
    """What was paid out on or before `day`: spend to date, from actual payments."""
    return sum((i.paid_amount for i in schedule if i.paid_on is not None and i.paid_on <= day), ZERO)


def committed_unpaid_by(
    schedules: Iterable[Instalment], agreements: dict[str, Agreement], key: str, fy_start_month: int = 4
) -> dict[str, Decimal]:
    """Outstanding money grouped by `agreement`, `stream` or `quarter` (the financial quarter it is due in)."""
    totals: dict[str, Decimal] = {}
    for instalment in schedules:
        if instalment.outstanding <= ZERO:
            continue
        if key == "agreement":
            group = instalment.reference
        elif key == "stream":
            found = agreements.get(instalment.reference)
            group = (found.funding_stream if found else "") or "no funding stream"
        elif key == "quarter":
            group = financial_quarter_containing(instalment.due, fy_start_month).label
        else:
            raise ValueError(f"cannot group payments by {key!r}")
        totals[group] = totals.get(group, ZERO) + instalment.outstanding
    return totals


def starts_late(
    agreement: Agreement, schedule: Sequence[Instalment], bank_holidays: Container[date],
    rules: PaymentRules = PaymentRules(),
) -> bool:
    """Funding that starts after the service does: the first instalment is due after start plus grace."""
    if agreement.start_date is None or not schedule:
        return False
    first = min(instalment.due for instalment in schedule)
    return first > add_working_days(agreement.start_date, rules.start_grace, bank_holidays)


def schedule_total(schedule: Iterable[Instalment]) -> Decimal:
    return sum((instalment.amount for instalment in schedule), ZERO)


def generated_schedule(agreement: Agreement, profile: str) -> tuple[Instalment, ...]:
    """The expected schedule under `profile`, split equally, the last instalment taking the odd pence.

    Nothing is generated without a value, a start and an end date, or for an unknown profile:
    a guess with no basis would be worse than saying there is no schedule.
    """
    months, in_advance = PROFILES.get(profile.strip().lower(), (0, True))
    start, end, value = agreement.start_date, agreement.current_end_date, agreement.value
    if not months or start is None or end is None or value is None or end < start or value <= 0:
        return ()
    periods: list[tuple[date, date]] = []
    step = 0
    while (period_start := add_months(start, step * months)) <= end:
        step += 1
        periods.append((period_start, min(add_months(start, step * months) - timedelta(days=1), end)))
    share = (value / len(periods)).quantize(PENNY, rounding="ROUND_DOWN")
    amounts = [share] * (len(periods) - 1) + [value - share * (len(periods) - 1)]
    return tuple(
        Instalment(agreement.reference, number, first if in_advance else last, amount, generated=True)
        for number, ((first, last), amount) in enumerate(zip(periods, amounts, strict=True), start=1)
    )


@dataclass(frozen=True)
class Applied:
    """A recorded payment spread over the schedule: the instalments it changed, in order."""

    changed: tuple[Instalment, ...]
    schedule: tuple[Instalment, ...]


def apply_payment(
    schedule: Sequence[Instalment], amount: Decimal, paid_on: date, payment_reference: str = ""
) -> Applied:
    """Pay `amount` into the earliest unpaid instalments, overflowing into the next.

    A part payment stays part paid (its paid date is the latest payment's). An amount beyond the
    whole schedule becomes an instalment of its own, due and paid on `paid_on` (noted so), so no
    money recorded is ever lost and the dates earlier money was paid on stay true.
    """
    if amount <= ZERO:
        raise ValueError("a payment must be more than £0")
    ordered = sorted(schedule, key=lambda i: (i.due, i.number))
    left = amount
    changed: dict[int, Instalment] = {}
    for instalment in ordered:
        if left <= ZERO:
            break
        if instalment.outstanding <= ZERO:
            continue
        part = min(left, instalment.outstanding)
        left -= part
        changed[instalment.number] = _paid(instalment, part, paid_on, payment_reference)
    extra: tuple[Instalment, ...] = ()
    if left > ZERO:
        number = ordered[-1].number + 1 if ordered else 1
        beyond = Instalment(ordered[0].reference if ordered else "", number, paid_on, left, note=BEYOND_SCHEDULE)
        changed[number] = _paid(beyond, left, paid_on, payment_reference)
        extra = (changed[number],)
    result = tuple(changed.get(instalment.number, instalment) for instalment in ordered) + extra
    return Applied(tuple(changed[number] for number in sorted(changed)), result)


def _paid(instalment: Instalment, part: Decimal, paid_on: date, payment_reference: str) -> Instalment:
    previous = instalment.payment_reference
    joined = payment_reference if not previous or previous == payment_reference else f"{previous}; {payment_reference}"
    return replace(
        instalment, paid_amount=instalment.paid_amount + part, paid_on=max(paid_on, instalment.paid_on or paid_on),
        payment_reference=joined.strip("; ")[:100],
    )
