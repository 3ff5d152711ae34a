"""The instalments a sweep reads on an ordinary day: only those that can owe an alert today.

A register of 100,000 agreements with 8 instalments each holds 800,000 rows, nearly all of them
paid or already chased. Which can still owe an alert is decided in SQL: not fully paid, due
within the reminder window or past a lateness threshold (`domain.payment_alerts.PaymentWindow`),
and that alert's key (`domain.alerts.idempotency_key`, built from the row) not yet in the
outbox. So the database returns a few thousand rows, found through the partial index of unpaid
instalments, and the rules in `domain.payment_alerts` decide the rest as before.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.alerts import CHANNEL, CONTRACT_MANAGER
from domain.payment_alerts import PAYMENT_DUE, PAYMENT_OVERDUE, PaymentWindow
from domain.payments import Instalment
from storage.models import OutboxItem, table_of
from storage.payments import AGREEMENTS, INSTALMENTS, UNPAID, _schedules

OUTBOX = table_of(OutboxItem)


def _key(rule: str, threshold: str, audience: str) -> ColumnElement[str]:
    """`domain.alerts.idempotency_key` of an instalment's alert, built in SQL from its row."""
    return (literal(f"{rule}:") + AGREEMENTS.c.reference + literal(":#") + cast(INSTALMENTS.c.number, String)
            + literal(f":{threshold}:") + cast(INSTALMENTS.c.due, String) + literal(f":{audience}"))


def _sent(*keys: ColumnElement[str]) -> ColumnElement[bool]:
    return exists().where(OUTBOX.c.idempotency_key.in_(keys))


async def alertable_schedules(session: AsyncSession, window: PaymentWindow) -> dict[str, tuple[Instalment, ...]]:
    """Only the unpaid instalments that can owe an alert today not already in the outbox.

    Selected in SQL, so a sweep on an ordinary day reads the few instalments falling due or
    crossing a lateness threshold, never the hundreds of thousands already paid or already chased.
    Exactly the instalments `payment_candidates` would keep (a test compares the two).
    """
    due_soon = (INSTALMENTS.c.due >= window.today) & (INSTALMENTS.c.due <= window.soon_until) & ~_sent(
        *_keys(PAYMENT_DUE, window.due_soon, (CONTRACT_MANAGER, CHANNEL)))
    overdue = (INSTALMENTS.c.due <= window.overdue_until) & ~_sent(
        *_keys(PAYMENT_OVERDUE, window.overdue, (CONTRACT_MANAGER, CHANNEL)))
    channel = (INSTALMENTS.c.due <= window.channel_until) & ~_sent(*_keys(PAYMENT_OVERDUE, window.channel, (CHANNEL,)))
    query = (
        select(AGREEMENTS.c.reference, INSTALMENTS.c.number, INSTALMENTS.c.due, INSTALMENTS.c.amount,
               INSTALMENTS.c.paid_on, INSTALMENTS.c.paid_amount, INSTALMENTS.c.payment_reference,
               INSTALMENTS.c.note, INSTALMENTS.c.generated)
        .join(AGREEMENTS, AGREEMENTS.c.id == INSTALMENTS.c.agreement_id)
        .where(UNPAID, INSTALMENTS.c.due <= window.soon_until, due_soon | overdue | channel)
        .order_by(AGREEMENTS.c.reference, INSTALMENTS.c.due, INSTALMENTS.c.number)
    )
    return _schedules(await session.execute(query))


def _keys(rule: str, threshold: str, audiences: tuple[str, ...]) -> list[ColumnElement[str]]:
    """The instalment's key for each audience (threshold `#<number>:<threshold>`)."""
    return [_key(rule, threshold, audience) for audience in audiences]
