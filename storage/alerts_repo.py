"""What the alert sweep reads and records: the register, returns, decisions, snoozes, sweep runs,
the alert channel and where each person can be reached.

The sweep needs the whole live register quickly (100,000 agreements in well under two
seconds), so `live_agreements` reads plain columns rather than loading ORM objects with their
KPIs. Everything else here is small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, Select, and_, case, func, literal, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.agreement import Agreement
from domain.alerts import DECISIONS, EXTEND, RULES, AlertWindow, Decision, ReturnRecord, Snooze
from domain.periods import add_months
from domain.values import format_date, parse_extension_options
from storage.agreements import Wanted, load_agreements, reference_is
from storage.conversations import ConversationRecord, channel_conversation_id, find_conversation, personal_conversation_for
from storage.models import (
    AgreementRow,
    AlertSnooze,
    AuditEntry,
    ConversationRef,
    ExtensionDecision,
    MonitoringPeriod,
    MonitoringReturn,
    SweepRun,
)

LONDON = ZoneInfo("Europe/London")


class UnknownAgreement(LookupError):
    """No agreement has this reference."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


class DecisionRefused(ValueError):
    """The decision cannot be recorded; `reason` is a plain sentence for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _london_day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).date()


# --- the register, returns, decisions and snoozes ------------------------------------------

async def every_live_agreement(session: AsyncSession) -> dict[int, Agreement]:
    """Every active agreement by row id, with what the alert rules and data-quality checks read:
    a digest day's register (the digests list them all). The row ids let the instalments read
    with it name their agreement without a join."""
    return await load_agreements(session, active_only=True, with_kpis=False, with_extra=False)


async def live_agreements(
    session: AsyncSession, wanted: Wanted | None = None, window: AlertWindow | None = None,
) -> list[Agreement]:
    """Active agreements with what the alert rules and data-quality checks read (no KPIs), by reference.

    With a `window`, only rows whose dates fall in it and rows with stored monitoring returns
    are read at all (the date columns are indexed); `wanted` then skips rows that cannot alert
    today before an `Agreement` is built for them. No rule or register check reads the extra
    columns, so their JSON is never decoded here.
    """
    if window is None:
        found = await load_agreements(session, active_only=True, wanted=wanted, with_kpis=False, with_extra=False)
    else:
        found = await load_agreements(session, active_only=True, wanted=wanted, with_kpis=False, with_extra=False,
                                      where=or_(_in_window(window), AgreementRow.id.in_(_with_returns())))
    return sorted(found.values(), key=lambda agreement: agreement.reference)




def _in_window(window: AlertWindow) -> ColumnElement[bool]:
    """`AlertWindow` in SQL, written so each branch can use an index on its date column."""
    a = AgreementRow
    ending = or_(
        a.extended_to.between(window.end_from, window.end_until),
        and_(a.extended_to.is_(None), a.end_date.between(window.end_from, window.end_until)),
    )
    # The latest monitoring start that can owe a return, by frequency; NULL (no row) for "none" or unknown ones.
    started_by = case(
        *((func.lower(func.coalesce(a.monitoring, "")) == frequency, literal(day, Date))
          for frequency, day in window.started_by.items()),
        else_=null(),
    )
    if window.count_from_first_import:
        started = and_(
            or_(a.start_date.is_not(None), a.first_imported.is_not(None)),
            or_(a.start_date.is_(None), a.start_date <= started_by),
            or_(a.first_imported.is_(None), a.first_imported <= started_by),
        )
    else:
        started = a.start_date <= started_by
    return or_(ending, started)


def _with_returns() -> Select[int]:
    """Agreements with a stored monitoring return: assessment alerts read them whatever their dates."""
    return select(MonitoringPeriod.agreement_id).join(MonitoringReturn, MonitoringReturn.period_id == MonitoringPeriod.id)


async def return_records(session: AsyncSession) -> list[ReturnRecord]:
    """Every stored monitoring return, as the rules need it."""
    rows = await session.execute(
        select(AgreementRow.reference, MonitoringPeriod.period_start, MonitoringReturn.state,
               MonitoringReturn.submitted_at, MonitoringReturn.assessed_at)
        .join(MonitoringPeriod, MonitoringPeriod.id == MonitoringReturn.period_id)
        .join(AgreementRow, AgreementRow.id == MonitoringPeriod.agreement_id)
    )
    return [
        ReturnRecord(reference, start, state, _london_day(submitted), _london_day(assessed))
        for reference, start, state, submitted, assessed in rows
    ]


async def decisions(session: AsyncSession) -> list[Decision]:
    rows = await session.execute(
        select(AgreementRow.reference, ExtensionDecision.decision, ExtensionDecision.for_end_date,
               ExtensionDecision.decided_by, ExtensionDecision.decided_at)
        .join(AgreementRow, AgreementRow.id == ExtensionDecision.agreement_id)
        .order_by(ExtensionDecision.decided_at, ExtensionDecision.id)
    )
    return [Decision(ref, decision, end, by, _london_day(at)) for ref, decision, end, by, at in rows]


async def snoozes(session: AsyncSession, today: date) -> list[Snooze]:
    """Snoozes still in force on `today`."""
    rows = await session.execute(
        select(AgreementRow.reference, AlertSnooze.rule, AlertSnooze.until)
        .join(AgreementRow, AgreementRow.id == AlertSnooze.agreement_id)
        .where(AlertSnooze.until >= today)
    )
    return [Snooze(reference, rule, until) for reference, rule, until in rows]


async def _agreement_row(session: AsyncSession, reference: str) -> AgreementRow:
    row = (await session.scalars(select(AgreementRow).where(reference_is(reference)))).unique().first()
    if row is None:
        raise UnknownAgreement(reference)
    return row


async def add_snooze(
    session: AsyncSession, reference: str, rule: str, until: date, actor: str, now: datetime
) -> None:
    """Hold back `rule` alerts ("*" for all) about `reference` until after `until`; audited."""
    if rule != "*" and rule not in RULES:
        raise DecisionRefused(f"There is no alert called {rule!r} to snooze.")
    row = await _agreement_row(session, reference)
    session.add(AlertSnooze(agreement_id=row.id, rule=rule, until=until, snoozed_by=actor, snoozed_at=now))
    session.add(AuditEntry(at=now, actor=actor, action="alert_snoozed", reference=row.reference, field=rule,
                           old_value="", new_value=until.isoformat()))


@dataclass(frozen=True)
class RecordedDecision:
    """What a decision changed: for an extension, the new current end date."""

    reference: str
    decision: str
    for_end_date: date | None
    new_end_date: date | None = None


@dataclass(frozen=True)
class EarlierDecision:
    """A decision already recorded that a new one would contradict, and where the agreement stands now."""

    reference: str
    decision: str
    for_end_date: date | None
    decided_by: str
    decided_at: datetime
    current_end: date | None


class AlreadyDecided(Exception):
    """Someone has already decided how this agreement ends (or the card pressed is out of date)."""

    def __init__(self, earlier: EarlierDecision) -> None:
        super().__init__(earlier.reference)
        self.earlier = earlier


# A typed decision this soon after another about the same agreement is taken as the same one.
RECENT_DECISION = timedelta(days=1)


async def record_decision(
    session: AsyncSession, reference: str, decision: str, actor: str, now: datetime, *,
    years: int | None = None, comment: str = "", card_end: date | None = None, as_it_stands: bool = False,
    again: bool = False,
) -> RecordedDecision:
    """Record how an agreement ends (extend by an option / re-commission / let it end), audited.

    Decisions on one agreement are serialised: the agreement's row is locked before anything
    is read, so of two people pressing buttons at once exactly one decision is recorded and
    the other gets `AlreadyDecided`. One decision stands per current end date; `card_end` is
    the end date the card's alert was about, so a press on a card made before an extension
    (whose end date has moved on) is refused rather than extending again. A card that does
    not say (made before cards carried it) acts only while nothing at all has been decided.

    Extending uses the first unused option (or `years`, which must be one of the options
    left) and moves the current end date on, so expiry alerts start again for the new date.

    `as_it_stands` (a decision typed rather than pressed on a card) is about the current end
    date, whatever it is: refused if a decision about that date is already recorded, and also
    when someone decided about an earlier end date in the last day (the person typing most
    likely means that same decision, not a second extension) unless they said `again`.
    """
    if decision not in DECISIONS:
        raise DecisionRefused("Choose extend, re-commission or let it end.")
    await _lock_agreement(session, reference)
    row = await _agreement_row(session, reference)
    end = row.extended_to or row.end_date
    if as_it_stands:
        card_end = end
    earlier = await _decision_in_the_way(session, row, end, card_end)
    if earlier is None and as_it_stands and not again:
        earlier = await _decision_in_the_way(session, row, end, None)
        if earlier is not None and earlier.decided_at < now - RECENT_DECISION:
            earlier = None
    if earlier is not None:
        raise AlreadyDecided(earlier)
    if card_end is not None and card_end != end:
        raise DecisionRefused(
            f"That card is about {row.reference} ending on {format_date(card_end)}, but it now ends on "
            f"{format_date(end) or 'no date'}. Ask me \"tell me about {row.reference}\" to see where it stands."
        )
    new_end: date | None = None
    if decision == EXTEND:
        options = _options_left(row)
        if not options:
            raise DecisionRefused(f"{row.reference} has no extension options left: re-commission it or let it end.")
        if end is None:
            raise DecisionRefused(f"{row.reference} has no end date to extend: add it to the register first.")
        chosen = years if years is not None else options[0]
        if chosen not in options:
            left = sorted(set(options))
            unit = "year" if left == [1] else "years"
            raise DecisionRefused(f"{row.reference} can be extended by {' or '.join(map(str, left))} {unit}, not {chosen}.")
        new_end = add_months(end, 12 * chosen)
        old = row.extended_to
        row.extended_to = new_end
        row.updated_at = now
        session.add(AuditEntry(at=now, actor=actor, action="agreement_extended", reference=row.reference,
                               field="extended_to", old_value=old.isoformat() if old else "", new_value=new_end.isoformat()))
    session.add(ExtensionDecision(agreement_id=row.id, decision=decision, for_end_date=end, decided_by=actor,
                                  decided_at=now, comment=comment))
    session.add(AuditEntry(at=now, actor=actor, action="end_decision", reference=row.reference, field="decision",
                           old_value=format_date(end), new_value=decision))
    return RecordedDecision(row.reference, decision, end, new_end)


async def decision_for_card(session: AsyncSession, reference: str, card_end: date | None) -> EarlierDecision | None:
    """The decision that stands for an alert card about `card_end`: what the card should now show.

    The same rule `record_decision` uses to refuse a second decision, so a card shows exactly the
    decision that would refuse a press on it.
    """
    try:
        row = await _agreement_row(session, reference)
    except UnknownAgreement:
        return None
    return await _decision_in_the_way(session, row, row.extended_to or row.end_date, card_end)


async def _lock_agreement(session: AsyncSession, reference: str) -> None:
    """Hold the agreement's row until this transaction ends, before reading anything about it.

    PostgreSQL: `SELECT … FOR UPDATE` on the row, so a second decision waits and then reads
    the first one's result. SQLite has no row locks: a no-op UPDATE takes the database's write
    lock up front, so the second transaction waits (busy timeout) instead of reading a
    snapshot that is about to go stale.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(select(AgreementRow.id).where(reference_is(reference)).with_for_update())
        return
    await session.execute(
        update(AgreementRow).where(reference_is(reference)).values(updated_at=AgreementRow.updated_at)
        .execution_options(synchronize_session=False)
    )


async def _decision_in_the_way(
    session: AsyncSession, row: AgreementRow, end: date | None, card_end: date | None
) -> EarlierDecision | None:
    """The recorded decision a new one about `card_end` would contradict, if any.

    For a card about the current end date: a decision about that date (or one made when the
    agreement had no end date). For a card about an earlier end date: the decision about that
    date, or else the latest. For a card that does not say: the latest decision of all.
    """
    query = select(ExtensionDecision).where(ExtensionDecision.agreement_id == row.id)
    latest_first = (ExtensionDecision.decided_at.desc(), ExtensionDecision.id.desc())
    found: ExtensionDecision | None
    if card_end is None:
        found = await session.scalar(query.order_by(*latest_first).limit(1))
    elif card_end == end:
        found = await session.scalar(
            query.where((ExtensionDecision.for_end_date == end) | ExtensionDecision.for_end_date.is_(None))
            .order_by(*latest_first).limit(1)
        )
    else:
        found = await session.scalar(query.where(ExtensionDecision.for_end_date == card_end).order_by(*latest_first).limit(1))
        if found is None:
            found = await session.scalar(query.order_by(*latest_first).limit(1))
    if found is None:
        return None
    return EarlierDecision(row.reference, found.decision, found.for_end_date, found.decided_by, _aware(found.decided_at), end)


def _options_left(row: AgreementRow) -> tuple[int, ...]:
    return Agreement(
        reference=row.reference, kind=row.kind, title=row.title, provider="", end_date=row.end_date,
        extended_to=row.extended_to, extension_options=parse_extension_options(row.extension_options),
    ).extension_options_left


# --- sweep runs -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SweepRunInfo:
    swept_for: date
    started_at: datetime
    finished_at: datetime | None
    alerts: int


async def last_sweep_day(session: AsyncSession, before: date | None = None) -> date | None:
    """The latest day swept (before `before`, when given): catch-up starts after it."""
    query = select(func.max(SweepRun.swept_for))
    if before is not None:
        query = query.where(SweepRun.swept_for < before)
    return await session.scalar(query)


async def last_sweep(session: AsyncSession) -> SweepRunInfo | None:
    row = await session.scalar(select(SweepRun).order_by(SweepRun.started_at.desc(), SweepRun.id.desc()).limit(1))
    if row is None:
        return None
    return SweepRunInfo(row.swept_for, _aware(row.started_at), _aware(row.finished_at), row.alerts)


@overload
def _aware(moment: datetime) -> datetime: ...
@overload
def _aware(moment: None) -> None: ...
def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else (moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def record_sweep(session: AsyncSession, swept_for: date, started: datetime, finished: datetime, alerts: int) -> None:
    session.add(SweepRun(swept_for=swept_for, started_at=started.astimezone(UTC),
                         finished_at=finished.astimezone(UTC), alerts=alerts))


# --- where alerts go ------------------------------------------------------------------------

async def set_alert_channel(session: AsyncSession, conversation_id: str, on: bool, now: datetime) -> bool:
    """Make this conversation the alert channel (and no other), or stop alerts there.

    False when the conversation is not stored (the bot has not heard from it yet).
    """
    conversation_id = channel_conversation_id(conversation_id)
    if await find_conversation(session, conversation_id) is None:
        return False
    if on:
        await session.execute(
            update(ConversationRef).where(ConversationRef.is_alert_channel.is_(True), ConversationRef.conversation_id != conversation_id)
            .values(is_alert_channel=False, updated_at=now)
        )
    await session.execute(
        update(ConversationRef).where(ConversationRef.conversation_id == conversation_id).values(is_alert_channel=on, updated_at=now)
    )
    return True


async def alert_channel(session: AsyncSession) -> ConversationRecord | None:
    row = await session.scalar(
        select(ConversationRef).where(ConversationRef.is_alert_channel.is_(True), ConversationRef.blocked.is_(False))
        .order_by(ConversationRef.updated_at.desc()).limit(1)
    )
    return None if row is None else await find_conversation(session, row.conversation_id)


@dataclass(frozen=True)
class DeliveryTarget:
    """Where one queue's messages go: a stored reference, or a personal chat to create first.

    `reference` is a serialised ConversationReference. For `create_personal` it carries the
    user (`user.id`), `bot`, `serviceUrl`, `channelId` and `conversation.tenantId` only.
    """

    conversation_id: str
    reference: dict[str, Any]
    create_personal: bool = False


async def delivery_target(session: AsyncSession, queue: str) -> DeliveryTarget | None:
    """The alert channel for "channel"; a person's personal chat (or one to create) for an email."""
    if queue == "channel":
        record = await alert_channel(session)
        return None if record is None else DeliveryTarget(record.conversation_id, record.reference)
    personal = await personal_conversation_for(session, queue)
    if personal is not None:
        return DeliveryTarget(personal.conversation_id, personal.reference)
    # Seen in a channel or group chat: Teams lets the bot open a personal chat with them.
    row = await session.scalar(
        select(ConversationRef).where(ConversationRef.user_email == queue.strip().lower(), ConversationRef.user_id != "",
                                      ConversationRef.blocked.is_(False))
        .order_by(ConversationRef.updated_at.desc()).limit(1)
    )
    if row is None:
        return None
    stored = dict(row.reference)
    reference = {
        "user": {"id": row.user_id},
        "bot": stored.get("bot"),
        "serviceUrl": stored.get("serviceUrl"),
        "channelId": stored.get("channelId", "msteams"),
        "conversation": {"tenantId": row.tenant_id or (stored.get("conversation") or {}).get("tenantId")},
    }
    return DeliveryTarget(f"personal:{queue}", reference, create_personal=True)


async def is_blocked(session: AsyncSession, conversation_id: str) -> bool:
    record = await find_conversation(session, conversation_id)
    return bool(record and record.blocked)
