"""What a question about money out means, applied to the register and its payment schedules.

The six questions a finance officer and a waiting charity ask: which payments are late, what do
we pay out in a period, how much is still to pay on an agreement, what have we paid a provider
in a period, which agreements have not had their first payment, and when is our next payment.
Each answer lists the instalments it used (`Answer.payments`) and the agreements they belong to.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.agreement import Agreement
from domain.answers import Answer, Match, PaymentLine, Period
from domain.payments import OVERDUE, ZERO, Instalment, PaymentRules, next_unpaid, status
from domain.values import format_date, format_money

LATE = "payments_late"
DUE_IN = "payments_due"
STILL_TO_PAY = "payments_outstanding"
PAID_IN = "payments_paid"
NO_FIRST = "payments_none_yet"
NEXT = "payments_next"
INTENTS: tuple[str, ...] = (LATE, DUE_IN, STILL_TO_PAY, PAID_IN, NO_FIRST, NEXT)

NO_SCHEDULES = "No payment schedules are loaded yet. Import them with `commissioning-bot import-payments FILE`."


@dataclass(frozen=True)
class PaymentsQuery:
    """A parsed question about payments: what is asked, for which agreements, in which period."""

    question: str
    intent: str
    period: Period | None = None
    scope: str = ""


def _line(instalment: Instalment, today: date, holidays: Container[date], rules: PaymentRules) -> PaymentLine:
    return PaymentLine(instalment.reference, instalment.due, instalment.amount, instalment.paid_amount,
                       status(instalment, today, holidays, rules), instalment.paid_on, instalment.generated)


def run_payments_query(
    query: PaymentsQuery, register: Sequence[Agreement], schedules: Mapping[str, Sequence[Instalment]], today: date,
    holidays: Container[date] = frozenset(), rules: PaymentRules | None = None,
) -> Answer:
    """The answer: instalments and agreements that fit, with a headline that states the total."""
    rules = rules or PaymentRules()
    # Money still to come is owed only on active agreements; money paid counts whatever happened since.
    live = [a for a in register if a.status == "active" or (query.intent == PAID_IN and a.status != "draft")]
    chosen: list[tuple[Agreement, list[Instalment]]] = []
    for agreement in live:
        schedule = list(schedules.get(agreement.reference, ()))
        picked = _pick(query, agreement, schedule, today, holidays, rules)
        if picked is not None:
            chosen.append((agreement, picked))
    lines = tuple(_line(i, today, holidays, rules) for _, items in chosen for i in sorted(items, key=lambda i: i.due))
    matches = tuple(Match(a) for a, _ in chosen)
    where = f" {query.scope}" if query.scope else ""
    when = f" {query.period.label}" if query.period else ""
    headline = _headline(query, chosen, lines, where, when)
    if not any(schedules.get(a.reference) for a in live):
        headline = NO_SCHEDULES
    interpretation = f"payments{where}{when}" + (f": {_range(query.period)}" if query.period else "")
    details = tuple(describe(line) for line in lines)
    return Answer(query.question, True, query.intent, headline, interpretation, query.period, matches,
                  details=details, payments=lines)


def describe(line: PaymentLine) -> str:
    """One instalment as a card line: `GR-2025-016: £12,500 due 1 Oct 2026, £5,000 paid 3 Oct 2026 (part paid)`."""
    paid = f", {format_money(line.paid)} paid {format_date(line.paid_on)}" if line.paid > ZERO and line.paid_on else ""
    estimate = ", estimated from the payment profile" if line.generated else ""
    return f"{line.reference}: {format_money(line.amount)} due {format_date(line.due)}{paid} ({line.status}{estimate})"


def _range(period: Period) -> str:
    return f"{format_date(period.start)} – {format_date(period.end)}"


def _pick(
    query: PaymentsQuery, agreement: Agreement, schedule: list[Instalment], today: date, holidays: Container[date],
    rules: PaymentRules,
) -> list[Instalment] | None:
    """The agreement's instalments that answer the question, or None when the agreement does not."""
    period = query.period
    if query.intent == LATE:
        found = [i for i in schedule if status(i, today, holidays, rules) == OVERDUE]
    elif query.intent == DUE_IN:
        found = [i for i in schedule if period is None or period.start <= i.due <= period.end]
    elif query.intent == PAID_IN:
        found = [i for i in schedule if i.paid_on is not None and (period is None or period.start <= i.paid_on <= min(period.end, today))]
    elif query.intent == STILL_TO_PAY:
        found = [i for i in schedule if i.outstanding > ZERO]
        return found if schedule else None
    elif query.intent == NO_FIRST:
        return list(schedule[:1]) if schedule and not any(i.paid_amount > ZERO for i in schedule) else None
    else:  # NEXT
        upcoming = next_unpaid(schedule)
        return [upcoming] if upcoming else None
    return found or None


def _headline(
    query: PaymentsQuery, chosen: list[tuple[Agreement, list[Instalment]]], lines: tuple[PaymentLine, ...], where: str,
    when: str,
) -> str:
    count = len(lines)
    if query.intent == LATE:
        total = sum((line.amount - line.paid for line in lines), ZERO)
        if not count:
            return f"No payments{where} are late."
        return f"{count} payments{where} are late: {format_money(total)} unpaid past its due date."
    if query.intent == DUE_IN:
        return f"{count} payments{where} due{when}: {format_money(sum((line.amount for line in lines), ZERO))}."
    if query.intent == PAID_IN:
        return f"Paid{where}{when}: {format_money(sum((line.paid for line in lines), ZERO))} in {count} payments."
    if query.intent == STILL_TO_PAY:
        if not chosen:
            return f"No payment schedule is loaded{where}."
        total = sum((line.amount - line.paid for line in lines), Decimal(0))
        if not count:
            return f"Nothing is left to pay{where}: every scheduled instalment has been paid."
        return f"Still to pay{where}: {format_money(total)} in {count} instalments."
    if query.intent == NO_FIRST:
        return f"{len(chosen)} agreements{where} have not had their first payment."
    if not lines:
        return "No payments are waiting: every scheduled instalment has been paid."
    first = min(lines, key=lambda line: line.due)
    return f"Your next payment is {format_money(first.amount - first.paid)}, due on {format_date(first.due)} ({first.reference})."
