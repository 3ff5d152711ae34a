"""Where the money stands, for `commissioning-bot status`: what a finance officer checks first.

Instalments of live agreements overdue, due but within their grace days, and due in the next
few working days (counts and amounts still to pay, as the payment alerts count them); when the
schedules were last loaded and the last payment recorded; payments recorded here still to be
written back to the payments list; and payment alerts not yet delivered.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from domain.payment_alerts import PAYMENT_RULES, payment_window
from storage.models import AuditEntry, ImportBatch, OutboxItem, table_of
from storage.outbox import DELIVERED
from storage.payments import ACTION_IMPORT, ACTION_RECORD, AGREEMENTS, INSTALMENTS, UNPAID

BATCHES = table_of(ImportBatch)
AUDIT = table_of(AuditEntry)
OUTBOX = table_of(OutboxItem)
LIVE = "active"


@dataclass(frozen=True)
class Bucket:
    """How many instalments, and how much of them is still to pay."""

    count: int = 0
    outstanding: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class Event:
    """When something happened to the payments, where from or about what, and who did it."""

    at: datetime
    what: str
    actor: str


@dataclass(frozen=True)
class PaymentsStatus:
    overdue: Bucket
    awaiting: Bucket  # due and unpaid, still within the working days before it counts as overdue
    due_soon: Bucket
    soon_until: date
    instalments: int
    last_loaded: Event | None
    last_recorded: Event | None
    to_write_back: int
    undelivered: dict[str, int]  # outbox state → payment alerts in it, delivered ones left out


async def payments_status(session: AsyncSession, today: date, bank_holidays: Container[date]) -> PaymentsStatus:
    """The payments part of `status` on `today`."""
    window = payment_window(today, bank_holidays)
    rows = (await session.execute(
        select(INSTALMENTS.c.due, type_coerce(INSTALMENTS.c.amount - INSTALMENTS.c.paid_amount, BigInteger), AGREEMENTS.c.status)
        .join(AGREEMENTS, AGREEMENTS.c.id == INSTALMENTS.c.agreement_id)
        .where(UNPAID, INSTALMENTS.c.due <= window.soon_until)
    )).all()
    buckets: dict[str, list[int]] = {"overdue": [0, 0], "awaiting": [0, 0], "due_soon": [0, 0]}
    for due, pence, status in rows:
        if status != LIVE:
            continue
        name = "due_soon" if due >= today else "overdue" if due <= window.overdue_until else "awaiting"
        buckets[name][0] += 1
        buckets[name][1] += int(pence or 0)
    made = {name: Bucket(count, (Decimal(pence) / 100).quantize(Decimal("0.01"))) for name, (count, pence) in buckets.items()}
    return PaymentsStatus(
        overdue=made["overdue"], awaiting=made["awaiting"], due_soon=made["due_soon"], soon_until=window.soon_until,
        instalments=int(await session.scalar(select(func.count()).select_from(INSTALMENTS)) or 0),
        last_loaded=await _last_loaded(session), last_recorded=await _last_recorded(session),
        to_write_back=int(await session.scalar(
            select(func.count()).select_from(INSTALMENTS).where(INSTALMENTS.c.list_pending.is_(True))) or 0),
        undelivered=dict((await session.execute(
            select(OUTBOX.c.state, func.count()).where(OUTBOX.c.rule.in_(PAYMENT_RULES), OUTBOX.c.state != DELIVERED)
            .group_by(OUTBOX.c.state))).all()),
    )


async def _last_loaded(session: AsyncSession) -> Event | None:
    """The latest import or sync that wrote schedules: the batch their rows or its audit entries name."""
    latest = max(
        (batch for batch in (
            await session.scalar(select(func.max(INSTALMENTS.c.batch_id))),
            await session.scalar(select(func.max(AUDIT.c.batch_id)).where(AUDIT.c.action == ACTION_IMPORT)),
        ) if batch is not None),
        default=None,
    )
    if latest is None:
        return None
    row = (await session.execute(
        select(BATCHES.c.imported_at, BATCHES.c.filename, BATCHES.c.actor).where(BATCHES.c.id == latest))).first()
    return None if row is None else Event(_aware(row.imported_at), row.filename, row.actor)


async def _last_recorded(session: AsyncSession) -> Event | None:
    row = (await session.execute(
        select(AUDIT.c.at, AUDIT.c.reference, AUDIT.c.actor).where(AUDIT.c.action == ACTION_RECORD)
        .order_by(AUDIT.c.at.desc(), AUDIT.c.id.desc()).limit(1))).first()
    return None if row is None else Event(_aware(row.at), row.reference, row.actor)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
