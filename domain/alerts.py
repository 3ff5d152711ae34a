"""Deadline alert rules: which alerts a sweep owes today, as pure functions of the register.

A sweep hands in the register, the monitoring returns, recorded decisions, snoozes, the
idempotency keys already written to the outbox and the day of the last sweep; the rules
answer with `Alert`s. Nothing here reads a clock or a database.

The rules are *state based*: each asks "what should people have been told by today?" and
leaves out what the outbox already holds. That is what makes catch-up after downtime
automatic (a threshold crossed while the service was down is still owed) and what keeps an
agreement that enters the register 20 days before its end from getting three expiry alerts:
only the latest threshold crossed is owed. Idempotency keys (rule, agreement, threshold,
due date, audience) make every alert deliverable once, across restarts and replicas.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

from domain.agreement import Agreement
from domain.monitoring import (
    ACCEPTED,
    PERIOD_MONTHS,
    QUERIED,
    SUBMITTED,
    MonitoringPeriod,
    monitoring_periods,
    monitoring_start,
    period_containing,
)
from domain.periods import add_months
from domain.publication import last_completed_quarter, quarter_code, quarter_end_reminder_day
from domain.values import format_date
from domain.working_days import add_working_days, catch_up_days

# Rules.
EXPIRY = "expiry"
EXTENSION_DECISION = "extension_decision"
DECISION_OVERDUE = "decision_overdue"
NOTICE_DUE = "notice_due"
RETURN_DUE = "return_due"
RETURN_OVERDUE = "return_overdue"
ASSESSMENT_PENDING = "assessment_pending"
DATA_QUALITY = "data_quality"
WEEKLY_DIGEST = "weekly_digest"
PUBLICATION_DUE = "publication_due"
RULES: tuple[str, ...] = (
    EXPIRY, EXTENSION_DECISION, DECISION_OVERDUE, NOTICE_DUE, RETURN_DUE, RETURN_OVERDUE,
    ASSESSMENT_PENDING, DATA_QUALITY, WEEKLY_DIGEST, PUBLICATION_DUE,
)

# Audiences.
CHANNEL = "channel"
CONTRACT_MANAGER = "contract_manager"
PROVIDER = "provider"

# Decisions about an agreement's end.
EXTEND = "extend"
RECOMMISSION = "recommission"
LET_END = "end"
DECISIONS: tuple[str, ...] = (EXTEND, RECOMMISSION, LET_END)
# Only an extension keeps a grant's funding going past its end date.
CONTINUING_DECISIONS: frozenset[str] = frozenset({EXTEND})

# A return counts as submitted once the provider has sent it, whatever staff did next.
SUBMITTED_STATES: frozenset[str] = frozenset({SUBMITTED, QUERIED, ACCEPTED})

# Messages people read (placeholders filled from the agreement).
EXPIRY_MESSAGE = "{title} ({reference}) ends on {end}, in {days} days. Re-commissioning takes 3 to 6 months: decide what happens next."
EXTENSION_DECISION_MESSAGE = "{title} ({reference}) ends on {end} and can still be extended ({options}). Decide whether to extend, re-commission or let it end."
DECISION_OVERDUE_MESSAGE = "No decision yet on {title} ({reference}), which ends on {end}, in {days} days. Record whether to extend, re-commission or let it end."
NOTICE_DUE_MESSAGE = "{title} ({reference}) ends on {end} with no decision to continue. Tell {provider} now: the Compact asks for 3 months' notice before grant funding ends."
RETURN_DUE_MESSAGE = "Your {period} monitoring return for {title} ({reference}) is due on {due}. Say \"start my return\" to fill it in."
RETURN_OVERDUE_MESSAGE = "Your {period} monitoring return for {title} ({reference}) was due on {due} and has not arrived. Say \"start my return\" to send it now."
RETURN_OVERDUE_CHANNEL_MESSAGE = "{provider} has not sent the {period} monitoring return for {title} ({reference}), due on {due}: {days} days overdue."
ASSESSMENT_PENDING_MESSAGE = "The {period} return for {title} ({reference}) was submitted on {submitted} and has not been assessed. It should have been by {due}."
DATA_QUALITY_MESSAGE = "Register check: {count} problems in {agreements} agreements. Fix them in the register and re-import it."
WEEKLY_DIGEST_MESSAGE = "This week: {expiring} agreements end and {returns} monitoring returns fall due in the next {horizon} days."
PUBLICATION_DUE_MESSAGE = (
    "{quarter} has ended: publish the register for it. Say \"publish the register\" here, "
    "or run commissioning-bot publish --quarter {code}."
)
NO_CONTRACT_MANAGER_NOTE = "No contract manager is recorded for this agreement, so this comes to the channel."
MORE_DIGEST_LINES = "and {count} more"
MAX_DIGEST_LINES = 200
NO_PROVIDER_CONTACT_NOTE = "No provider contact email is recorded, so this comes to the contract manager."


class ProblemLike(Protocol):
    """A data-quality problem: `domain.data_quality.Problem` has this shape (read-only, as it is frozen)."""

    @property
    def code(self) -> str: ...

    @property
    def message(self) -> str: ...


QualityCheck = Callable[[Agreement, date], Sequence[ProblemLike]]


@dataclass(frozen=True)
class AlertThresholds:
    """The configurable numbers behind the rules (defaults from the issue and docs/questions.md)."""

    expiry_days: tuple[int, ...] = (180, 90, 30)
    extension_decision_days: int = 120
    decision_overdue_days: int = 60
    notice_months: int = 3
    return_due_days: int = 7
    overdue_channel_days: int = 7
    assessment_working_days: int = 10
    digest_weekday: int = 0  # Monday
    digest_horizon_days: int = 30
    due_after_days: int = 15
    count_from_first_import: bool = True


@dataclass(frozen=True)
class ReturnRecord:
    """What the rules need to know about one stored monitoring return."""

    reference: str
    period_start: date
    state: str
    submitted_on: date | None = None
    assessed_on: date | None = None


@dataclass(frozen=True)
class Decision:
    """A recorded decision about how an agreement ends (`for_end_date` is the end it was about)."""

    reference: str
    decision: str
    for_end_date: date | None
    decided_by: str = ""
    decided_on: date | None = None


@dataclass(frozen=True)
class Snooze:
    """Alerts of `rule` ("*" for all) about `reference` are held back until after `until`."""

    reference: str
    rule: str
    until: date


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert owed to one audience. `details` are (label, text) lines for the card."""

    rule: str
    reference: str
    due: date
    audience: str
    threshold: str
    idempotency_key: str
    message: str
    details: tuple[tuple[str, str], ...] = ()
    # "channel", or the email of the person it goes to.
    recipient: str = CHANNEL
    # Extension options still open, for the decision buttons on the card.
    options_left: tuple[int, ...] = ()


@dataclass(frozen=True)
class SweepInput:
    """Everything a sweep reads, gathered by the caller."""

    agreements: Sequence[Agreement]
    returns: Sequence[ReturnRecord] = ()
    decisions: Sequence[Decision] = ()
    snoozes: Sequence[Snooze] = ()
    sent_keys: Set[str] = frozenset()
    last_sweep: date | None = None
    bank_holidays: Container[date] = frozenset()
    quality: QualityCheck | None = None


def idempotency_key(rule: str, reference: str, threshold: str, due: date, audience: str) -> str:
    """`expiry:OPCC-2023-014:30:2027-03-31:channel` — the same alert always has the same key."""
    return f"{rule}:{reference or '-'}:{threshold}:{due.isoformat()}:{audience}"


@dataclass
class _Context:
    """Indexes built once per sweep so each agreement's rules are cheap."""

    today: date
    thresholds: AlertThresholds
    sweep: SweepInput
    decisions: dict[str, list[Decision]] = field(default_factory=dict)
    snoozes: dict[str, list[Snooze]] = field(default_factory=dict)
    returns: dict[tuple[str, date], ReturnRecord] = field(default_factory=dict)
    periods: dict[tuple[object, ...], list[MonitoringPeriod]] = field(default_factory=dict)
    expiry_ascending: tuple[int, ...] = ()
    due_soon_until: date = date.min
    overdue_channel_after: timedelta = timedelta(0)
    # The last agreement's card lines and message fields: its alerts (often four returns'
    # worth) share them, and agreements are swept one at a time.
    _lines_for: Agreement | None = field(default=None, init=False, repr=False)
    _lines: tuple[tuple[str, str], ...] = field(default=(), init=False, repr=False)
    _common: dict[str, object] = field(default_factory=dict, init=False, repr=False)

    def details(self, agreement: Agreement) -> tuple[tuple[str, str], ...]:
        """`_agreement_details(agreement)`, worked out once for the agreement being swept."""
        self._remember(agreement)
        return self._lines

    def fields(self, agreement: Agreement, **extra: object) -> dict[str, object]:
        """`_fields(agreement, **extra)`, its common part worked out once for the agreement being swept."""
        self._remember(agreement)
        return {**self._common, **extra}

    def _remember(self, agreement: Agreement) -> None:
        if self._lines_for is not agreement:
            self._lines_for, self._lines, self._common = agreement, _agreement_details(agreement), _fields(agreement)

    def decision_for(self, agreement: Agreement) -> Decision | None:
        """The latest decision about the agreement's current end date, if any."""
        end = agreement.current_end_date
        matching = [d for d in self.decisions.get(agreement.reference, ()) if d.for_end_date in (None, end)]
        return matching[-1] if matching else None

    def snoozed(self, reference: str, rule: str) -> bool:
        return any(
            s.until >= self.today and s.rule in (rule, "*") for s in self.snoozes.get(reference, ())
        )

    def periods_of(self, agreement: Agreement) -> list[MonitoringPeriod]:
        """The agreement's monitoring periods up to the digest horizon, shared between agreements
        with the same frequency, monitoring start and end (most of a register loaded at once)."""
        start = monitoring_start(agreement, count_from_first_import=self.thresholds.count_from_first_import)
        key = (agreement.monitoring, start, agreement.current_end_date)
        periods = self.periods.get(key)
        if periods is None:
            periods = self.periods[key] = monitoring_periods(
                agreement,
                self.today + timedelta(days=max(self.thresholds.return_due_days, self.thresholds.digest_horizon_days)),
                due_after_days=self.thresholds.due_after_days,
                count_from_first_import=self.thresholds.count_from_first_import,
            )
        return periods


def alerts_due(sweep: SweepInput, today: date, thresholds: AlertThresholds | None = None) -> list[Alert]:
    """Every alert owed today and not yet in the outbox, in a stable order."""
    context = _context(sweep, today, thresholds or AlertThresholds())
    live = [a for a in sweep.agreements if a.is_live]
    owed: list[Alert] = []
    for agreement in live:
        owed.extend(_agreement_alerts(agreement, context))
    owed.extend(_weekly_alerts(live, context))
    owed.extend(publication_alerts(context))
    return [alert for alert in owed if alert.idempotency_key not in sweep.sent_keys]


def _context(sweep: SweepInput, today: date, thresholds: AlertThresholds) -> _Context:
    context = _Context(today, thresholds, sweep)
    context.expiry_ascending = tuple(sorted(thresholds.expiry_days))
    context.due_soon_until = today + timedelta(days=thresholds.return_due_days)
    context.overdue_channel_after = timedelta(days=thresholds.overdue_channel_days)
    for decision in sorted(sweep.decisions, key=lambda d: d.decided_on or date.min):
        context.decisions.setdefault(decision.reference, []).append(decision)
    for snooze in sweep.snoozes:
        context.snoozes.setdefault(snooze.reference, []).append(snooze)
    for record in sweep.returns:
        context.returns[(record.reference, record.period_start)] = record
    return context


# Builds an alert's message and detail lines; called only for alerts actually owed.
Text = Callable[[], tuple[str, tuple[tuple[str, str], ...]]]
_day = lru_cache(maxsize=8192)(format_date)


def _agreement_alerts(agreement: Agreement, context: _Context) -> list[Alert]:
    out: list[Alert] = []
    days = _days_left(agreement, context.today)
    if days is not None and days >= 0:
        expiry_alerts(agreement, context, days, out)
        if agreement.extension_options:
            extension_decision_alerts(agreement, context, days, out)
            decision_overdue_alerts(agreement, context, days, out)
        if agreement.kind == "grant":
            notice_due_alerts(agreement, context, out)
    if agreement.monitoring != "none":
        return_alerts(agreement, context, out)
        if context.returns:
            assessment_alerts(agreement, context, out)
    return out


def _owe(
    context: _Context, out: list[Alert], rule: str, agreement: Agreement, threshold: str, due: date, audience: str,
    text: Text, recipient: str = CHANNEL, options_left: tuple[int, ...] = (),
) -> None:
    """Add the alert unless the outbox has it already or it is snoozed; only then build its text."""
    key = idempotency_key(rule, agreement.reference, threshold, due, audience)
    if key in context.sweep.sent_keys or (context.snoozes and context.snoozed(agreement.reference, rule)):
        return
    message, details = text()
    out.append(Alert(rule, agreement.reference, due, audience, threshold, key, message, details,
                     recipient if audience != CHANNEL else CHANNEL, options_left))


def _to_channel_and_manager(
    context: _Context, out: list[Alert], rule: str, agreement: Agreement, threshold: str, due: date, text: Text,
    options_left: tuple[int, ...] = (),
) -> None:
    _owe(context, out, rule, agreement, threshold, due, CHANNEL, text, options_left=options_left)
    if agreement.contract_manager:
        _owe(context, out, rule, agreement, threshold, due, CONTRACT_MANAGER, text, agreement.contract_manager.lower(),
             options_left)


def _with_note(text: Text, note: str) -> Text:
    def noted() -> tuple[str, tuple[tuple[str, str], ...]]:
        message, details = text()
        return message, details + (("Note", note),)

    return noted


def _to_manager_or_channel(
    context: _Context, out: list[Alert], rule: str, agreement: Agreement, threshold: str, due: date, text: Text
) -> None:
    """To the contract manager; to the channel, saying why, when none is recorded."""
    if agreement.contract_manager:
        _owe(context, out, rule, agreement, threshold, due, CONTRACT_MANAGER, text, agreement.contract_manager.lower())
    else:
        _owe(context, out, rule, agreement, threshold, due, CHANNEL, _with_note(text, NO_CONTRACT_MANAGER_NOTE))


def _to_provider(
    context: _Context, out: list[Alert], rule: str, agreement: Agreement, threshold: str, due: date, text: Text
) -> None:
    """To the provider's contact; to the contract manager when no contact email is recorded."""
    if agreement.contact_email:
        _owe(context, out, rule, agreement, threshold, due, PROVIDER, text, agreement.contact_email.lower())
    elif agreement.contract_manager:
        _owe(context, out, rule, agreement, threshold, due, CONTRACT_MANAGER,
             _with_note(text, NO_PROVIDER_CONTACT_NOTE), agreement.contract_manager.lower())


def _agreement_details(agreement: Agreement) -> tuple[tuple[str, str], ...]:
    lines = [("Reference", agreement.reference), ("Title", agreement.title), ("Provider", agreement.provider)]
    if agreement.current_end_date:
        lines.append(("Ends", _day(agreement.current_end_date)))
    if agreement.contract_manager:
        lines.append(("Contract manager", agreement.contract_manager))
    return tuple(lines)


def _fields(agreement: Agreement, **extra: object) -> dict[str, object]:
    end = agreement.current_end_date
    return {
        "title": agreement.title, "reference": agreement.reference, "provider": agreement.provider,
        "end": _day(end) if end else "", **extra,
    }


def _days_left(agreement: Agreement, today: date) -> int | None:
    end = agreement.current_end_date
    return None if end is None else (end - today).days


def expiry_alerts(agreement: Agreement, context: _Context, days: int, out: list[Alert]) -> None:
    """Only the latest threshold crossed (smallest one at or above the days left), once."""
    crossed = [t for t in context.expiry_ascending if days <= t]
    end = agreement.current_end_date
    if not crossed or end is None:
        return
    text: Text = lambda: (EXPIRY_MESSAGE.format(**context.fields(agreement, days=days)), context.details(agreement))  # noqa: E731
    _to_channel_and_manager(context, out, EXPIRY, agreement, str(crossed[0]), end, text)


def extension_decision_alerts(agreement: Agreement, context: _Context, days: int, out: list[Alert]) -> None:
    """Options remain, the end is within 120 days and nobody has decided: ask the channel once."""
    end = agreement.current_end_date
    if end is None or days > context.thresholds.extension_decision_days:
        return
    options_left = agreement.extension_options_left
    if not options_left or context.decision_for(agreement) is not None:
        return
    text: Text = lambda: (  # noqa: E731
        EXTENSION_DECISION_MESSAGE.format(**context.fields(agreement, options=options_left_words(options_left))),
        context.details(agreement),
    )
    threshold = str(context.thresholds.extension_decision_days)
    _owe(context, out, EXTENSION_DECISION, agreement, threshold, end, CHANNEL, text, options_left=options_left)


def options_left_words(options_left: Sequence[int]) -> str:
    """ "1 year left", "1+1 years left": the unused options, never "(1 years left)"."""
    if len(options_left) == 1:
        years = options_left[0]
        return f"{years} year left" if years == 1 else f"{years} years left"
    return "+".join(str(years) for years in options_left) + " years left"


def decision_overdue_alerts(agreement: Agreement, context: _Context, days: int, out: list[Alert]) -> None:
    """No decision 60 days before the end: every sweep day until one is recorded (key has the date)."""
    end = agreement.current_end_date
    if end is None or days > context.thresholds.decision_overdue_days:
        return
    options_left = agreement.extension_options_left
    if not options_left or context.decision_for(agreement) is not None:
        return
    text: Text = lambda: (DECISION_OVERDUE_MESSAGE.format(**context.fields(agreement, days=days)), context.details(agreement))  # noqa: E731
    # The threshold part carries today's date, so each day's reminder is its own alert.
    threshold = f"{context.thresholds.decision_overdue_days}@{context.today.isoformat()}"
    _to_channel_and_manager(context, out, DECISION_OVERDUE, agreement, threshold, end, text, options_left)


def notice_due_alerts(agreement: Agreement, context: _Context, out: list[Alert]) -> None:
    """A grant ending with no decision to continue, from 3 months before its end: tell the provider."""
    end = agreement.current_end_date
    if end is None:
        return
    notice_from = add_months(end, -context.thresholds.notice_months)
    if not (notice_from <= context.today <= end):
        return
    decision = context.decision_for(agreement)
    if decision is not None and decision.decision in CONTINUING_DECISIONS:
        return
    text: Text = lambda: (  # noqa: E731
        NOTICE_DUE_MESSAGE.format(**context.fields(agreement)),
        context.details(agreement) + (("Notice from", _day(notice_from)),),
    )
    _to_manager_or_channel(context, out, NOTICE_DUE, agreement, f"{context.thresholds.notice_months}m", end, text)


def _submitted(record: ReturnRecord | None) -> bool:
    return record is not None and (record.state in SUBMITTED_STATES or record.submitted_on is not None)


def _return_text(template: str, agreement: Agreement, period: MonitoringPeriod, context: _Context) -> Text:
    def text() -> tuple[str, tuple[tuple[str, str], ...]]:
        fields = context.fields(agreement, period=period.label, due=_day(period.due), days=(context.today - period.due).days)
        details = context.details(agreement) + (("Period", period.label), ("Due", _day(period.due)))
        return template.format(**fields), details

    return text


def return_alerts(agreement: Agreement, context: _Context, out: list[Alert]) -> None:
    """Returns due within 7 days (provider), a day overdue (provider), a week overdue (channel too)."""
    today, limits = context.today, context.thresholds
    for period in context.periods_of(agreement):
        if period.due > context.due_soon_until:
            continue
        if context.returns and _submitted(context.returns.get((agreement.reference, period.start))):
            continue
        if today <= period.due:
            _to_provider(context, out, RETURN_DUE, agreement, str(limits.return_due_days), period.due,
                         _return_text(RETURN_DUE_MESSAGE, agreement, period, context))
            continue
        _to_provider(context, out, RETURN_OVERDUE, agreement, "1", period.due,
                     _return_text(RETURN_OVERDUE_MESSAGE, agreement, period, context))
        if today >= period.due + context.overdue_channel_after:
            _owe(context, out, RETURN_OVERDUE, agreement, str(limits.overdue_channel_days), period.due, CHANNEL,
                 _return_text(RETURN_OVERDUE_CHANNEL_MESSAGE, agreement, period, context))


def assessment_alerts(agreement: Agreement, context: _Context, out: list[Alert]) -> None:
    """A return submitted and still not assessed 10 working days later: tell the contract manager."""
    for period in context.periods_of(agreement):
        record = context.returns.get((agreement.reference, period.start))
        if record is None or record.submitted_on is None or record.assessed_on is not None:
            continue
        if record.state != SUBMITTED:
            continue
        limit = context.thresholds.assessment_working_days
        due = add_working_days(record.submitted_on, limit, context.sweep.bank_holidays)
        if context.today <= due:
            continue
        def text(
            period: MonitoringPeriod = period, due: date = due, submitted_on: date = record.submitted_on,
        ) -> tuple[str, tuple[tuple[str, str], ...]]:
            fields = context.fields(agreement, period=period.label, submitted=_day(submitted_on), due=_day(due))
            details = context.details(agreement) + (("Period", period.label), ("Submitted", _day(submitted_on)))
            return ASSESSMENT_PENDING_MESSAGE.format(**fields), details

        _to_manager_or_channel(context, out, ASSESSMENT_PENDING, agreement, f"{limit}wd", due, text)


def could_alert(
    current_end: date | None, monitoring: str, start_date: date | None, first_imported: date | None, today: date,
    thresholds: AlertThresholds | None = None,
) -> bool:
    """A cheap first look, before an agreement is even built: could any per-agreement rule fire today?

    False means certainly not (the weekly digests aside): the end is beyond every threshold and
    the first monitoring return is not due within the reminder window. Agreements with stored
    returns must be looked at anyway (assessments). Lets a sweep skip most of a large register
    on ordinary days.
    """
    limits = thresholds or AlertThresholds()
    horizon = _end_horizon(limits)
    if current_end is not None and today <= current_end <= today + timedelta(days=horizon):
        return True
    frequency = (monitoring or "quarterly").lower()
    if frequency not in PERIOD_MONTHS:
        return False
    known = [day for day in (start_date, first_imported if limits.count_from_first_import else None) if day is not None]
    if not known:
        return False
    first = _first_period(max(known), frequency, limits.due_after_days)
    return first is None or first.due <= today + timedelta(days=limits.return_due_days)


@dataclass(frozen=True)
class AlertWindow:
    """`could_alert` as ranges a database can select by, so a sweep reads only rows that may alert.

    An agreement may alert when its current end falls in `end_from`..`end_until`, or when its
    monitoring start (the later of start date and first import, or the start date alone when
    `count_from_first_import` is off) is on or before `started_by[frequency]` (lower case; ""
    stands for a blank frequency, which counts as quarterly). A frequency not listed owes no
    returns. The selection is the same set `could_alert` accepts, never smaller.
    """

    end_from: date
    end_until: date
    started_by: dict[str, date]
    count_from_first_import: bool


def alert_window(today: date, thresholds: AlertThresholds | None = None) -> AlertWindow:
    """The window `could_alert` accepts on `today`.

    The first period's return is due `due_after_days` after the period ends, and the period
    containing a day ends later the later the day: so "first return due within the reminder
    window" is "monitoring start on or before the last day of the latest period that ends by
    today + return_due_days - due_after_days".
    """
    limits = thresholds or AlertThresholds()
    last_end = today + timedelta(days=limits.return_due_days - limits.due_after_days)
    started_by: dict[str, date] = {}
    for frequency in PERIOD_MONTHS:
        period = _first_period(last_end, frequency, limits.due_after_days)
        if period is not None:  # always: every frequency in PERIOD_MONTHS has periods
            started_by[frequency] = period.end if period.end == last_end else period.start - timedelta(days=1)
    started_by[""] = started_by["quarterly"]
    return AlertWindow(today, today + timedelta(days=_end_horizon(limits)), started_by, limits.count_from_first_import)


def _end_horizon(limits: AlertThresholds) -> int:
    """Days ahead an end date can still raise an expiry, decision or notice alert."""
    return max((*limits.expiry_days, limits.extension_decision_days, limits.decision_overdue_days,
                limits.notice_months * 31))


@lru_cache(maxsize=4096)
def _first_period(start: date, frequency: str, due_after_days: int) -> MonitoringPeriod | None:
    return period_containing(start, frequency, due_after_days=due_after_days)


def digest_day(last_sweep: date | None, today: date, weekday: int = 0) -> date | None:
    """The latest digest day (a Monday by default) this sweep stands in for, if any.

    Easter Monday and a Monday the service was down are caught up by the next sweep.
    """
    days = [d for d in catch_up_days(last_sweep, today) if d.weekday() == weekday]
    return days[-1] if days else None


def _weekly_alerts(live: Sequence[Agreement], context: _Context) -> list[Alert]:
    day = digest_day(context.sweep.last_sweep, context.today, context.thresholds.digest_weekday)
    if day is None:
        return []
    alerts = [weekly_digest(live, context, day)]
    quality = data_quality_digest(live, context, day)
    if quality is not None:
        alerts.append(quality)
    return alerts


def _digest(rule: str, day: date, message: str, details: Iterable[tuple[str, str]], total: int | None = None) -> Alert:
    """A channel digest; its lines are capped so a big register still makes a small card.

    `total` is the number of lines there are when `details` holds only the first
    `MAX_DIGEST_LINES` of them (a caller with thousands need not write out the rest).
    """
    lines = list(details)
    total = len(lines) if total is None else total
    if total > MAX_DIGEST_LINES:
        lines = lines[:MAX_DIGEST_LINES] + [("…", MORE_DIGEST_LINES.format(count=total - MAX_DIGEST_LINES))]
    return Alert(
        rule=rule, reference="", due=day, audience=CHANNEL, threshold="weekly",
        idempotency_key=idempotency_key(rule, "", "weekly", day, CHANNEL), message=message, details=tuple(lines),
    )


def weekly_digest(live: Sequence[Agreement], context: _Context, day: date) -> Alert:
    """What ends, and which returns fall due, in the next 30 days (and returns already overdue).

    Only the lines the card shows are written out: a register with no returns in yet owes tens
    of thousands of overdue lines, of which the card lists the first `MAX_DIGEST_LINES`.
    """
    today = context.today
    horizon = today + timedelta(days=context.thresholds.digest_horizon_days)
    ending = sorted((a for a in live if a.current_end_date and today <= a.current_end_date <= horizon),
                    key=lambda a: (a.current_end_date, a.reference))
    returns: list[tuple[Agreement, MonitoringPeriod]] = []  # returns due by the horizon or overdue, in line order
    due_count = 0
    for agreement in live:
        for period in context.periods_of(agreement):
            if period.due > horizon or _submitted(context.returns.get((agreement.reference, period.start))):
                continue
            due_count += period.due >= today
            returns.append((agreement, period))
    lines = [(a.reference, f"ends {_day(a.current_end_date)}: {a.title} ({a.provider})") for a in ending[:MAX_DIGEST_LINES]]
    for agreement, period in returns[:MAX_DIGEST_LINES - len(lines)]:
        state = f"due {_day(period.due)}" if period.due >= today else f"overdue since {_day(period.due)}"
        lines.append((agreement.reference, f"{period.label} return {state} ({agreement.provider})"))
    message = WEEKLY_DIGEST_MESSAGE.format(expiring=len(ending), returns=due_count, horizon=context.thresholds.digest_horizon_days)
    return _digest(WEEKLY_DIGEST, day, message, lines, total=len(ending) + len(returns))


def data_quality_digest(live: Sequence[Agreement], context: _Context, day: date) -> Alert | None:
    """One card listing every register problem; none when the register is clean."""
    check = context.sweep.quality
    if check is None:
        return None
    lines: list[tuple[str, str]] = []
    affected = 0
    for agreement in sorted(live, key=lambda a: a.reference):
        problems = check(agreement, context.today)
        if problems:
            affected += 1
            lines.extend((agreement.reference, problem.message) for problem in problems)
    if not lines:
        return None
    message = DATA_QUALITY_MESSAGE.format(count=len(lines), agreements=affected)
    return _digest(DATA_QUALITY, day, message, lines)


def publication_alerts(context: _Context) -> list[Alert]:
    """On the first working day after a quarter ends (caught up after downtime), remind the channel to publish it."""
    alerts = []
    for day in catch_up_days(context.sweep.last_sweep, context.today):
        quarter = last_completed_quarter(day)
        if day != quarter_end_reminder_day(quarter, context.sweep.bank_holidays):
            continue
        code = quarter_code(quarter)
        message = PUBLICATION_DUE_MESSAGE.format(quarter=quarter.label, code=code)
        details = (("Quarter", f"{quarter.label}: {_day(quarter.start)} to {_day(quarter.end)}"),)
        alerts.append(Alert(
            rule=PUBLICATION_DUE, reference="", due=day, audience=CHANNEL, threshold=code,
            idempotency_key=idempotency_key(PUBLICATION_DUE, "", code, day, CHANNEL), message=message, details=details,
        ))
    return alerts
