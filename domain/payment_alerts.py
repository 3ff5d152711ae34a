"""Payment alert rules: instalments due soon, overdue, recorded as paid, and a weekly payments line.

Same contract as `domain.alerts`: state based, each alert keyed by rule, agreement, instalment,
threshold, due date and audience, so the outbox holds it once whatever the restarts. An
instalment due within 5 working days goes to the contract manager; one not paid 5 working days
after it fell due goes to the contract manager, and after 10 working days to the channel too.
A recorded payment tells the provider's contact about their own agreement only.

A large register has hundreds of thousands of instalments, so the working-day arithmetic is done
once per sweep (which due dates are overdue today), never once per instalment.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from domain.agreement import Agreement
from domain.alerts import (
    CHANNEL,
    CONTRACT_MANAGER,
    MAX_DIGEST_LINES,
    MORE_DIGEST_LINES,
    NO_CONTRACT_MANAGER_NOTE,
    PROVIDER,
    Alert,
    Snooze,
    digest_day,
    idempotency_key,
)
from domain.payments import ZERO, Instalment, PaymentRules
from domain.values import format_date, format_money
from domain.working_days import add_working_days

# A schedule repeats its amounts and due dates across thousands of agreements: a first sweep of a
# large register writes tens of thousands of payment alerts, each formatting both several times.
_money = lru_cache(maxsize=4096)(format_money)
_day = lru_cache(maxsize=8192)(format_date)

PAYMENT_DUE = "payment_due"
PAYMENT_OVERDUE = "payment_overdue"
PAYMENT_RECORDED = "payment_recorded"
PAYMENT_DIGEST = "payment_digest"
PAYMENT_RULES: tuple[str, ...] = (PAYMENT_DUE, PAYMENT_OVERDUE, PAYMENT_RECORDED, PAYMENT_DIGEST)

RECORDED_MESSAGE = "We have paid {amount} for {title} ({reference}) on {paid}. {next}"
NEXT_PAYMENT = "Your next payment, {amount}, is due on {due}."
NO_NEXT_PAYMENT = "That completes the payments we have scheduled."
DIGEST_MESSAGE = "Payments: {overdue} overdue ({overdue_total}) and {due} due in the next {horizon} days ({due_total})."


class Payee(Protocol):
    """What the payment rules read of an agreement: an `Agreement` has it all; a sweep loads a
    `PaymentParty` for an agreement that can owe nothing but a payment alert today."""

    @property
    def reference(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def contract_manager(self) -> str: ...
    @property
    def is_live(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class PaymentParty:
    """A live agreement as the payment rules see it: what is paid, to whom, and who manages it.

    The first sweep after a payments import owes payment alerts for thousands of agreements no
    other rule has anything to say about today; reading these four columns for them, rather than
    whole agreements run through every rule, is most of what keeps that sweep cheap.
    """

    reference: str
    title: str
    provider: str
    contract_manager: str

    @property
    def is_live(self) -> bool:
        return True  # only live agreements are read as parties (`storage.payment_sweep`)


@dataclass(frozen=True)
class PaymentThresholds:
    """Working days before a due date to remind, and after it to tell the channel."""

    due_soon: int = 5
    channel_after: int = 10
    digest_horizon_days: int = 30
    digest_weekday: int = 0


@dataclass(frozen=True)
class PaymentSweep:
    """What the payment rules read: schedules by reference (only instalments not fully paid are needed)."""

    schedules: Mapping[str, Sequence[Instalment]]
    sent_keys: Container[str] = frozenset()
    snoozes: Sequence[Snooze] = ()
    bank_holidays: Container[date] = frozenset()
    last_sweep: date | None = None
    rules: PaymentRules = PaymentRules()
    thresholds: PaymentThresholds = PaymentThresholds()


def latest_due_after(today: date, working_days: int, bank_holidays: Container[date]) -> date:
    """The latest due date that is more than `working_days` working days before `today`.

    `add_working_days` only moves forwards, so instalments due on or before this day are past
    that point today; found once by stepping back from today (a few weeks at most).
    """
    day = today
    while add_working_days(day, working_days, bank_holidays) >= today:
        day -= timedelta(days=1)
    return day


def payment_alerts(agreements: Sequence[Payee], sweep: PaymentSweep, today: date) -> list[Alert]:
    """Every payment alert owed today and not already in the outbox, in a stable order."""
    window = payment_window(today, sweep.bank_holidays, sweep.rules, sweep.thresholds)
    soon_until, overdue_until, channel_until = window.soon_until, window.overdue_until, window.channel_until
    snoozed = {s.reference for s in sweep.snoozes if s.until >= today and s.rule in ("*", PAYMENT_DUE, PAYMENT_OVERDUE)}
    schedules, sent = sweep.schedules, sweep.sent_keys
    owed: list[Alert] = []
    for agreement in agreements:
        schedule = schedules.get(agreement.reference)
        if not schedule or not agreement.is_live or agreement.reference in snoozed:
            continue
        for instalment in schedule:
            due = instalment.due
            if due > soon_until or overdue_until < due < today or instalment.fully_paid:
                continue  # not due soon, in its grace days, or paid
            wording = _Wording(agreement, instalment, today)
            if due >= today:
                _to_manager(owed, sent, wording, PAYMENT_DUE, f"#{instalment.number}:{window.due_soon}", _due_message)
                continue
            _to_manager(owed, sent, wording, PAYMENT_OVERDUE, f"#{instalment.number}:{window.overdue}", _overdue_message)
            if due <= channel_until:
                _owe(owed, sent, wording, PAYMENT_OVERDUE, f"#{instalment.number}:{window.channel}",
                     CHANNEL, CHANNEL, _overdue_channel_message)
    digest = payment_digest(agreements, sweep, today)
    if digest is not None and digest.idempotency_key not in sent:
        owed.append(digest)
    return owed


@dataclass(frozen=True)
class PaymentWindow:
    """The due dates that can owe a payment alert today, and the threshold names of those alerts.

    What a sweep asks the database for on an ordinary day: unpaid instalments due from today to
    `soon_until` (a reminder), due by `overdue_until` (overdue) or by `channel_until` (the
    channel), whose alert of that kind is not already in the outbox. Instalments in their grace
    days, and those already chased at every step, are never read.
    """

    today: date
    soon_until: date
    overdue_until: date
    channel_until: date
    due_soon: str  # the threshold after "#<number>:" of a due-soon alert, as `payment_alerts` keys it
    overdue: str
    channel: str


def payment_window(
    today: date, bank_holidays: Container[date], rules: PaymentRules | None = None,
    thresholds: PaymentThresholds | None = None,
) -> PaymentWindow:
    """The window for `today`: the working-day arithmetic done once, as `payment_alerts` does it."""
    rules, thresholds = rules or PaymentRules(), thresholds or PaymentThresholds()
    return PaymentWindow(
        today, add_working_days(today, thresholds.due_soon, bank_holidays),
        latest_due_after(today, rules.overdue_after, bank_holidays),
        latest_due_after(today, thresholds.channel_after, bank_holidays),
        f"{thresholds.due_soon}wd", f"{rules.overdue_after}wd", f"{thresholds.channel_after}wd",
    )


def payment_candidates(sweep: PaymentSweep, today: date) -> set[str]:
    """References whose instalments may owe an alert today not already in the outbox.

    Lets a sweep leave out, on ordinary days, agreements whose late payments were already chased:
    the keys are those `payment_alerts` would write, for either audience.
    """
    window = payment_window(today, sweep.bank_holidays, sweep.rules, sweep.thresholds)
    return {
        reference for reference, schedule in sweep.schedules.items()
        if any(not instalment.fully_paid and may_owe_alert(window, reference, instalment.number, instalment.due, sweep.sent_keys)
               for instalment in schedule)
    }


def may_owe_alert(window: PaymentWindow, reference: str, number: int, due: date, sent: Container[str]) -> bool:
    """Whether an unpaid instalment can owe an alert today whose key is not in `sent`.

    Only the instalment's reference, number and due date are read, so a sweep can ask this of
    tens of thousands of unpaid instalments from an index alone and read in full only the few
    it keeps (`storage.payment_sweep`). Due soon: the reminder to either audience; overdue: the
    lateness alert to either audience and, past the channel threshold, the channel's too.
    """
    if due > window.soon_until or window.overdue_until < due < window.today:
        return False
    if due >= window.today:
        rule, threshold = PAYMENT_DUE, f"#{number}:{window.due_soon}"
    else:
        rule, threshold = PAYMENT_OVERDUE, f"#{number}:{window.overdue}"
    if (idempotency_key(rule, reference, threshold, due, CONTRACT_MANAGER) not in sent
            and idempotency_key(rule, reference, threshold, due, CHANNEL) not in sent):
        return True
    return (due <= window.channel_until
            and idempotency_key(PAYMENT_OVERDUE, reference, f"#{number}:{window.channel}", due, CHANNEL) not in sent)


def details(agreement: Payee, instalment: Instalment) -> tuple[tuple[str, str], ...]:
    """The card's lines for one instalment."""
    lines = [("Reference", agreement.reference), ("Title", agreement.title), ("Provider", agreement.provider),
             ("Instalment", str(instalment.number)), ("Due", _day(instalment.due)),
             ("Amount", _money(instalment.amount))]
    if instalment.paid_amount > ZERO:
        lines.append(("Paid so far", _money(instalment.paid_amount)))
    if instalment.generated:
        lines.append(("Schedule", "generated from the payment profile, not from the register"))
    if agreement.contract_manager:
        lines.append(("Contract manager", agreement.contract_manager))
    return tuple(lines)


class _Wording:
    """One instalment's card lines, worked out when its first alert is owed and shared by the rest:
    an instalment long overdue owes its manager and the channel at once, and a first sweep after
    a payments import owes tens of thousands of such pairs."""

    __slots__ = ("agreement", "instalment", "today", "_lines")

    def __init__(self, agreement: Payee, instalment: Instalment, today: date) -> None:
        self.agreement, self.instalment, self.today = agreement, instalment, today
        self._lines: tuple[tuple[str, str], ...] | None = None

    def lines(self) -> tuple[tuple[str, str], ...]:
        if self._lines is None:
            self._lines = details(self.agreement, self.instalment)
        return self._lines


# An alert's message, written out with f-strings: a first sweep after a payments import writes
# tens of thousands, and `str.format` with a dict of fields cost five times as much per message.
Message = Callable[[_Wording], str]


def _due_message(wording: _Wording) -> str:
    agreement, instalment = wording.agreement, wording.instalment
    return (f"Instalment {instalment.number} of {agreement.title} ({agreement.reference}), {_money(instalment.amount)}, "
            f"is due on {_day(instalment.due)}. Check it is on the next payment run.")


def _overdue_message(wording: _Wording) -> str:
    agreement, instalment = wording.agreement, wording.instalment
    return (f"Instalment {instalment.number} of {agreement.title} ({agreement.reference}), {_money(instalment.amount)}, "
            f"was due on {_day(instalment.due)} and {_money(instalment.outstanding)} is still unpaid. "
            f'Chase finance, then say "record payment for {agreement.reference} £amount paid date".')


def _overdue_channel_message(wording: _Wording) -> str:
    agreement, instalment = wording.agreement, wording.instalment
    return (f"{agreement.provider} is still waiting for {_money(instalment.outstanding)} of {agreement.title} "
            f"({agreement.reference}), due on {_day(instalment.due)}: {(wording.today - instalment.due).days} days late. "
            "Chase finance today.")


def _owe(
    out: list[Alert], sent: Container[str], wording: _Wording, rule: str, threshold: str, audience: str, recipient: str,
    message: Message, note: str = "",
) -> None:
    reference, due = wording.agreement.reference, wording.instalment.due
    key = idempotency_key(rule, reference, threshold, due, audience)
    if key in sent:
        return
    lines = wording.lines() + ((("Note", note),) if note else ())
    out.append(Alert(rule, reference, due, audience, threshold, key, message(wording), lines, recipient))


def _to_manager(out: list[Alert], sent: Container[str], wording: _Wording, rule: str, threshold: str, message: Message) -> None:
    """To the contract manager; to the channel, saying why, when none is recorded."""
    manager = wording.agreement.contract_manager
    if manager:
        _owe(out, sent, wording, rule, threshold, CONTRACT_MANAGER, manager.lower(), message)
    else:
        _owe(out, sent, wording, rule, threshold, CHANNEL, CHANNEL, message, NO_CONTRACT_MANAGER_NOTE)


def payment_digest(agreements: Sequence[Payee], sweep: PaymentSweep, today: date) -> Alert | None:
    """On digest day: one line per instalment overdue or due in the next 30 days; none when there are none."""
    day = digest_day(sweep.last_sweep, today, sweep.thresholds.digest_weekday)
    if day is None:
        return None
    horizon = today + timedelta(days=sweep.thresholds.digest_horizon_days)
    overdue_until = latest_due_after(today, sweep.rules.overdue_after, sweep.bank_holidays)
    live = {agreement.reference: agreement for agreement in agreements if agreement.is_live}
    # (due, reference, number, ...) sorts into line order by itself: a reference numbers each instalment once.
    overdue: list[tuple[date, str, int, Payee, Instalment]] = []
    due: list[tuple[date, str, int, Payee, Instalment]] = []
    for reference, schedule in sweep.schedules.items():
        agreement = live.get(reference)
        if agreement is None:
            continue
        for instalment in schedule:
            if instalment.fully_paid:
                continue
            if instalment.due <= overdue_until:
                overdue.append((instalment.due, reference, instalment.number, agreement, instalment))
            elif today <= instalment.due <= horizon:
                due.append((instalment.due, reference, instalment.number, agreement, instalment))
    if not overdue and not due:
        return None
    # Only the lines the card shows are written out: a first sweep can owe tens of thousands.
    overdue.sort()
    lines = [(a.reference, f"overdue since {_day(i.due)}: {_money(i.outstanding)} to {a.provider}")
             for *_, a, i in overdue[:MAX_DIGEST_LINES]]
    room = MAX_DIGEST_LINES - len(lines)
    if room:
        due.sort()
        lines += [(a.reference, f"due {_day(i.due)}: {_money(i.outstanding)} to {a.provider}") for *_, a, i in due[:room]]
    hidden = len(overdue) + len(due) - len(lines)
    if hidden:
        lines.append(("…", MORE_DIGEST_LINES.format(count=hidden)))
    message = DIGEST_MESSAGE.format(overdue=len(overdue), overdue_total=_total(overdue), due=len(due),
                                    horizon=sweep.thresholds.digest_horizon_days, due_total=_total(due))
    key = idempotency_key(PAYMENT_DIGEST, "", "weekly", day, CHANNEL)
    return Alert(PAYMENT_DIGEST, "", day, CHANNEL, "weekly", key, message, tuple(lines))


def _total(lines: Sequence[tuple[date, str, int, Payee, Instalment]]) -> str:
    return _money(sum((line[-1].outstanding for line in lines), Decimal(0)))


def payment_recorded(
    agreement: Agreement, changed: Sequence[Instalment], schedule: Sequence[Instalment], amount: Decimal, paid_on: date,
) -> Alert | None:
    """The provider's own notice that a payment was made; none without a provider contact email."""
    if not agreement.contact_email or not changed:
        return None
    waiting = [i for i in schedule if not i.fully_paid]
    upcoming = min(waiting, key=lambda i: (i.due, i.number)) if waiting else None
    next_text = (NEXT_PAYMENT.format(amount=format_money(upcoming.outstanding), due=format_date(upcoming.due))
                 if upcoming else NO_NEXT_PAYMENT)
    message = RECORDED_MESSAGE.format(amount=format_money(amount), title=agreement.title, reference=agreement.reference,
                                      paid=format_date(paid_on), next=next_text)
    numbers = "+".join(str(i.number) for i in changed)
    threshold = f"#{numbers}:{format_money(amount)}"
    key = idempotency_key(PAYMENT_RECORDED, agreement.reference, threshold, paid_on, PROVIDER)
    lines = (("Reference", agreement.reference), ("Paid", format_date(paid_on)), ("Amount", format_money(amount)))
    return Alert(PAYMENT_RECORDED, agreement.reference, paid_on, PROVIDER, threshold, key, message, lines,
                 agreement.contact_email.lower())
