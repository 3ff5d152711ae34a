"""Payment schedules in the database: import (all or nothing), load, and record a payment.

A payments import follows the register's rules: one unreadable cell, a missing required cell
or an instalment for a reference the register does not know refuses the whole file and changes
nothing; real-world doubts (paid before the start, overpaid, a schedule above the agreement's
value with no note) import and are flagged. A schedule in the file replaces that agreement's
stored schedule as a whole (one audit entry per agreement whose schedule changed); agreements the
file does not mention keep theirs. Recording a payment updates the instalments it pays, audits
it, and writes the provider's notice to the outbox in the same transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import BigInteger, String, delete, insert, select, type_coerce, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.agreement import Agreement
from domain.payment_alerts import payment_recorded
from domain.payment_rows import PROBLEM_TEXT, ParsedPayments, check_against, looks_like_payments_header, parse_payment_rows
from domain.payments import Applied, Instalment, apply_payment, generated_schedule
from domain.values import format_date, format_money
from storage.agreements import load_register, shared_days, shared_pounds
from storage.db import session_factory
from storage.models import AgreementRow, AuditEntry, ImportBatch, PaymentInstalment, table_of
from storage.outbox import add_alerts
from storage.register_sheets import FileRefused, ImportRefused, open_register, read_bytes_sha256, sheet_names

PAYMENTS_SHEET = "Payments"
ACTION_IMPORT = "payments_import"
ACTION_RECORD = "payment_recorded"
CHUNK = 2000

INSTALMENTS = table_of(PaymentInstalment)
AGREEMENTS = table_of(AgreementRow)
# Not fully paid: what a sweep reads (`ix_payment_instalments_unpaid` indexes exactly these rows, stated
# term for term as `storage.models.UNPAID_SQL`, so both planners see the query matches the index).
UNPAID = (INSTALMENTS.c.paid_on.is_(None)) | (INSTALMENTS.c.paid_amount < INSTALMENTS.c.amount)
AUDIT = table_of(AuditEntry)
BATCHES = table_of(ImportBatch)

UNSCHEDULED = "unscheduled payment: the agreement had no payment schedule"  # the note on a payment recorded against an agreement with no schedule
UNSCHEDULED_MESSAGE = ("Recorded {amount} paid on {paid} for {title} ({reference}) as an unscheduled payment: it has no "
                       "payment schedule. Add its schedule to the payments file or list so late payments are chased.{told}")
UNKNOWN_AGREEMENT = "There is no agreement {reference} in the register: check the reference and try again."
NOT_LIVE = "{reference} is {status}, so no payment can be recorded against it."


class PaymentRefused(ValueError):
    """A payment that cannot be recorded; the message says why and what to do."""


@dataclass(frozen=True)
class PaymentsSummary:
    """What a payments import did, and what it flagged."""

    filename: str
    rows: int
    agreements: int
    instalments: int
    changed: int
    problems: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary as sentences for the CLI and cards."""
        out = [f"{self.filename}: {self.instalments} instalments for {self.agreements} agreements ({self.changed} schedules changed)."]
        for code, references in self.problems.items():
            out.append(f"Flagged, {PROBLEM_TEXT.get(code, code)}: {', '.join(references)}")
        return out


def read_payments(path: Path, *, sheet: str = PAYMENTS_SHEET) -> ParsedPayments:
    """Parse a payments file (the Payments sheet, else the first) without touching the database."""
    try:
        table = open_register(path, sheet=sheet, is_header=looks_like_payments_header)
        parsed = parse_payment_rows(table.header, table.rows)
    except FileRefused as refused:
        raise ImportRefused(reason=str(refused)) from None
    if parsed.bad_cells:
        raise ImportRefused(parsed.bad_cells)
    return parsed


def has_payments_sheet(path: Path) -> bool:
    """True for a register workbook that carries a Payments sheet as well."""
    return any(name.strip().lower() == PAYMENTS_SHEET.lower() for name in sheet_names(Path(path)))


async def import_payments(engine: AsyncEngine, path: Path, *, today: date, actor: str = "") -> PaymentsSummary:
    """Load a payments file in one transaction, or raise `ImportRefused` and change nothing."""
    path = Path(path)
    parsed = await asyncio.to_thread(read_payments, path)
    sha256 = await asyncio.to_thread(read_bytes_sha256, path)
    try:
        async with session_factory(engine)() as session, session.begin():
            batch = await session.execute(
                insert(BATCHES).returning(BATCHES.c.id),
                [{"imported_at": datetime.now(UTC), "filename": f"payments: {path.name}"[:500], "sha256": sha256,
                  "actor": actor[:320]}],
            )
            return await write_payments(session, parsed, source=path.name, actor=actor, batch_id=int(batch.scalar_one()))
    except (IntegrityError, DBAPIError) as error:
        from storage.register_import import database_refusal

        raise ImportRefused(reason=database_refusal(error)) from None


async def write_payments(
    session: AsyncSession, parsed: ParsedPayments, *, source: str, actor: str, batch_id: int | None = None,
) -> PaymentsSummary:
    """Write parsed schedules inside the caller's transaction (a register import with a Payments sheet too)."""
    register = {a.reference.casefold(): a for a in await load_register(session)}
    refused, flags = check_against(parsed, register)
    if refused:
        raise ImportRefused(refused)
    ids = dict((ref.casefold(), id_) for id_, ref in await session.execute(select(AGREEMENTS.c.id, AGREEMENTS.c.reference)))
    now = datetime.now(UTC)
    stored = await load_schedules(session)
    changed = 0
    rows: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    for reference, schedule in parsed.schedules.items():
        agreement = register[reference.casefold()]
        before = stored.get(agreement.reference, ())
        if _summary(before) == _summary(schedule):
            continue
        changed += 1
        await session.execute(delete(INSTALMENTS).where(INSTALMENTS.c.agreement_id == ids[reference.casefold()]))
        rows.extend(_row(ids[reference.casefold()], instalment, batch_id=batch_id) for instalment in schedule)
        audit.append({"at": now, "actor": actor[:320], "action": ACTION_IMPORT, "reference": agreement.reference,
                      "field": "payments", "old_value": _summary(before), "new_value": _summary(schedule), "batch_id": batch_id})
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(INSTALMENTS), rows[start : start + CHUNK])
    if audit:
        await session.execute(insert(AUDIT), audit)
    return PaymentsSummary(
        source, parsed.rows, len(parsed.schedules), sum(len(s) for s in parsed.schedules.values()), changed,
        {code: tuple(references) for code, references in flags.items()},
    )


def _summary(schedule: Iterable[Instalment]) -> str:
    """A schedule as one line of text: what the audit log shows before and after."""
    parts = []
    for i in sorted(schedule, key=lambda i: (i.due, i.number)):
        paid = f" paid {format_money(i.paid_amount)} {i.paid_on.isoformat()}" if i.paid_on else ""
        parts.append(f"{i.due.isoformat()} {format_money(i.amount)}{paid}")
    return "; ".join(parts)


@dataclass(frozen=True)
class ListLink:
    """The payments-list item an instalment was synced from, its eTag, and a payment still to write to it."""

    item_id: str | None = None
    etag: str = ""
    pending: bool = False


NOT_LINKED = ListLink()


def _row(agreement_id: int, instalment: Instalment, *, batch_id: int | None = None, actor: str = "",
         at: datetime | None = None, link: ListLink = NOT_LINKED) -> dict[str, Any]:
    return {
        "agreement_id": agreement_id, "number": instalment.number, "due": instalment.due, "amount": instalment.amount,
        "paid_on": instalment.paid_on, "paid_amount": instalment.paid_amount,
        "payment_reference": instalment.payment_reference[:100], "note": instalment.note,
        "generated": instalment.generated, "batch_id": batch_id, "recorded_by": actor[:320], "recorded_at": at,
        "list_item_id": link.item_id, "list_item_etag": link.etag[:200], "list_pending": link.pending,
    }


async def list_links(session: AsyncSession, agreement_id: int) -> dict[int, ListLink]:
    """Instalment number → its payments-list item, for an agreement's stored schedule."""
    rows = await session.execute(
        select(INSTALMENTS.c.number, INSTALMENTS.c.list_item_id, INSTALMENTS.c.list_item_etag, INSTALMENTS.c.list_pending)
        .where(INSTALMENTS.c.agreement_id == agreement_id)
    )
    return {number: ListLink(item_id, etag or "", bool(pending)) for number, item_id, etag, pending in rows}


async def load_schedules(
    session: AsyncSession, *, unpaid_only: bool = False, references: Iterable[str] | None = None,
    due_until: date | None = None,
) -> dict[str, tuple[Instalment, ...]]:
    """Stored schedules by reference; `unpaid_only` and `due_until` keep what a sweep needs (not paid, due by then)."""
    query = (
        select(*SCHEDULE_COLUMNS)
        .join(AGREEMENTS, AGREEMENTS.c.id == INSTALMENTS.c.agreement_id)
        .order_by(AGREEMENTS.c.reference, INSTALMENTS.c.due, INSTALMENTS.c.number)
    )
    if unpaid_only:
        query = query.where(UNPAID)
    if references is not None:
        query = query.where(AGREEMENTS.c.reference.in_(list(references)))
    if due_until is not None:
        query = query.where(INSTALMENTS.c.due <= due_until)
    return schedules_from_rows(await session.execute(query))


# What `schedules_from_rows` reads, in its order: dates and pence raw, as the driver gives them.
# A sweep reads tens of thousands of instalments that share a few dozen due dates and amounts;
# converting each distinct value once costs a fraction of SQLAlchemy converting every cell.
SCHEDULE_COLUMNS: tuple[Any, ...] = (
    AGREEMENTS.c.reference, INSTALMENTS.c.number, type_coerce(INSTALMENTS.c.due, String),
    type_coerce(INSTALMENTS.c.amount, BigInteger), type_coerce(INSTALMENTS.c.paid_on, String),
    type_coerce(INSTALMENTS.c.paid_amount, BigInteger), INSTALMENTS.c.payment_reference, INSTALMENTS.c.note,
    INSTALMENTS.c.generated,
)


def schedules_from_rows(rows: Iterable[Any]) -> dict[str, tuple[Instalment, ...]]:
    """Rows of `SCHEDULE_COLUMNS` (in schedule order) as schedules by reference."""
    day, one = shared_days(), dict[Any, Any]()
    nothing_paid = Decimal("0.00")
    out: dict[str, list[Instalment]] = {}
    for ref, number, due, pence, paid_on, paid_pence, payment_ref, note, generated in rows:
        # due and amount are NOT NULL columns
        out.setdefault(ref, []).append(Instalment(
            ref, number, cast(date, day(due)), cast(Decimal, shared_pounds(pence, one)), day(paid_on),
            shared_pounds(paid_pence, one) or nothing_paid, payment_ref or "", note or "", bool(generated),
        ))
    return {ref: tuple(items) for ref, items in out.items()}


def with_profile(
    agreements: Sequence[Agreement], stored: Mapping[str, Sequence[Instalment]], profile: str,
) -> dict[str, tuple[Instalment, ...]]:
    """Stored schedules, and a generated one (marked so) for agreements without, when a profile is set."""
    out = {ref: tuple(items) for ref, items in stored.items()}
    if profile:
        for agreement in agreements:
            if agreement.reference not in out and (made := generated_schedule(agreement, profile)):
                out[agreement.reference] = made
    return out


async def schedules_for(session: AsyncSession, agreements: Sequence[Agreement], profile: str = "") -> dict[str, tuple[Instalment, ...]]:
    """Every agreement's schedule as questions see it: stored, else generated from the profile."""
    return with_profile(agreements, await load_schedules(session), profile)


@dataclass(frozen=True)
class RecordedPayment:
    """What recording a payment changed, for the confirmation card."""

    agreement: Agreement
    amount: Decimal
    paid_on: date
    applied: Applied
    provider_told: bool

    def message(self) -> str:
        numbers = ", ".join(str(i.number) for i in self.applied.changed)
        left = sum((i.outstanding for i in self.applied.schedule), Decimal("0.00"))
        told = " The provider has been told." if self.provider_told else ""
        if all(i.note == UNSCHEDULED for i in self.applied.changed):
            return UNSCHEDULED_MESSAGE.format(amount=format_money(self.amount), paid=format_date(self.paid_on),
                                              title=self.agreement.title, reference=self.agreement.reference, told=told)
        return (f"Recorded {format_money(self.amount)} paid on {format_date(self.paid_on)} for {self.agreement.title} "
                f"({self.agreement.reference}), instalment {numbers}. Still to pay: {format_money(left)}.{told}")


async def record_payment(
    session: AsyncSession, reference: str, amount: Decimal, paid_on: date, *, actor: str, profile: str = "",
    payment_reference: str = "", now: datetime | None = None,
) -> RecordedPayment:
    """Pay `amount` into the agreement's earliest unpaid instalments, audit it and tell the provider.

    With no stored schedule, the generated one (PAYMENT_PROFILE) is stored first; with neither,
    the payment becomes an unscheduled instalment of its own, due on the day it was paid. An
    instalment the payment made (unscheduled, or beyond the schedule) is marked to be written to
    the payments list as a new item, when payments are kept in one with write-back on: the list
    is the schedule's source of truth, so a payment it lacks would otherwise be unknown there.
    """
    now = now or datetime.now(UTC)
    row = (await session.execute(select(AGREEMENTS.c.id, AGREEMENTS.c.reference, AGREEMENTS.c.status)
                                 .where(AGREEMENTS.c.reference == reference))).first()
    if row is None:
        found = (await session.execute(select(AGREEMENTS.c.id, AGREEMENTS.c.reference, AGREEMENTS.c.status))).all()
        row = next((r for r in found if r.reference.casefold() == reference.casefold()), None)
    if row is None:
        raise PaymentRefused(UNKNOWN_AGREEMENT.format(reference=reference))
    if row.status == "draft":
        raise PaymentRefused(NOT_LIVE.format(reference=row.reference, status=row.status))
    agreement = next(a for a in await load_register(session) if a.reference == row.reference)
    schedule = (await load_schedules(session, references=[row.reference])).get(row.reference, ())
    if not schedule:
        schedule = generated_schedule(agreement, profile) if profile else ()
        if not schedule:
            schedule = (Instalment(row.reference, 1, paid_on, amount, note=UNSCHEDULED),)
    elif all(i.note == UNSCHEDULED for i in schedule):  # still no schedule: another payment of its own
        schedule = (*schedule, Instalment(row.reference, max(i.number for i in schedule) + 1, paid_on, amount, note=UNSCHEDULED))
    applied = apply_payment(schedule, amount, paid_on, payment_reference)
    links = await list_links(session, row.id)
    await session.execute(delete(INSTALMENTS).where(INSTALMENTS.c.agreement_id == row.id))
    changed = {i.number for i in applied.changed}
    made = {i.number for i in applied.schedule if not i.generated} - {i.number for i in schedule if i.note != UNSCHEDULED}
    await session.execute(insert(INSTALMENTS), [
        _row(row.id, i, actor=actor if i.number in changed else "", at=now if i.number in changed else None,
             link=_still_to_write(links.get(i.number, NOT_LINKED), i.number in changed, i.number in made))
        for i in applied.schedule
    ])
    session.add(AuditEntry(
        at=now, actor=actor[:320], action=ACTION_RECORD, reference=row.reference, field="payments",
        old_value=_summary(schedule), new_value=_summary(applied.schedule),
    ))
    notice = payment_recorded(agreement, applied.changed, applied.schedule, amount, paid_on)
    if notice is not None:
        await add_alerts(session, [notice], now)
    return RecordedPayment(agreement, amount, paid_on, applied, notice is not None)


@dataclass(frozen=True)
class PaymentStanding:
    """What has been recorded against one instalment: how much, the day paid, by whom (empty from a file or list)."""

    reference: str
    due: date
    paid_amount: Decimal
    paid_on: date
    recorded_by: str


async def payment_standing(session: AsyncSession, reference: str, due: date, *, lock: bool = False) -> PaymentStanding | None:
    """The payment recorded against `reference`'s instalment(s) due on `due`, or None while nothing is.

    An alert card is about one instalment (its due date), so this is what a later press or view of
    the card is checked against. `lock` makes the check part of the write that follows, so two
    presses at once cannot both pay: on PostgreSQL the agreement's row is held until the
    transaction ends; on SQLite a write that changes nothing takes the database's write turn
    (`storage/sqlite_writes.py`) before the check reads, since a plain read there waits for no one.
    """
    agreement = select(AGREEMENTS.c.id).where(AGREEMENTS.c.reference == reference)
    agreement_id = (await session.execute(agreement.with_for_update() if lock else agreement)).scalar()
    if agreement_id is None:
        return None
    if lock and session.get_bind().dialect.name == "sqlite":
        await session.execute(update(INSTALMENTS).where(INSTALMENTS.c.agreement_id == agreement_id)
                              .values(number=INSTALMENTS.c.number))
    rows = (await session.execute(
        select(INSTALMENTS.c.paid_amount, INSTALMENTS.c.paid_on, INSTALMENTS.c.recorded_by)
        .where(INSTALMENTS.c.agreement_id == agreement_id, INSTALMENTS.c.due == due, INSTALMENTS.c.paid_on.is_not(None))
    )).all()
    if not rows:
        return None
    paid = sum((row.paid_amount or Decimal("0.00") for row in rows), Decimal("0.00"))
    latest = max(rows, key=lambda row: row.paid_on)
    return PaymentStanding(reference, due, paid, latest.paid_on, latest.recorded_by or "")


def _still_to_write(link: ListLink, changed: bool, made: bool) -> ListLink:
    """A payment recorded here is written back (when write-back is on): to its list item, or as a new one it made.

    Only an instalment the payment itself made gets a new item; a scheduled one without an item
    belongs to a schedule from a file, which the payments list does not hold.
    """
    return replace(link, pending=True) if changed and (link.item_id or made) else link


def payment_schedules(
    sessions: async_sessionmaker[AsyncSession], profile: str = "",
) -> Callable[[Sequence[Agreement]], Awaitable[dict[str, tuple[Instalment, ...]]]]:
    """The schedules of the agreements a caller may see (stored, else generated), read when asked."""

    async def load(register: Sequence[Agreement]) -> dict[str, tuple[Instalment, ...]]:
        visible = {agreement.reference for agreement in register}
        async with sessions() as session:
            stored = {ref: items for ref, items in (await load_schedules(session)).items() if ref in visible}
        return with_profile(register, stored, profile)

    return load
