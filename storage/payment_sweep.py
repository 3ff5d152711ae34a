"""The instalments a sweep reads: on an ordinary day only those that can owe an alert today, on
the digest day every unpaid one due within the digest's horizon.

A register of 100,000 agreements with 8 instalments each holds 800,000 rows, nearly all of them
paid or already chased. The partial index of unpaid instalments (`ix_payment_instalments_unpaid`)
holds every column the payment rules read, so neither read touches the instalment rows
themselves. On an ordinary day the sweep reads, from that index, the instalments not fully paid
that are due by the end of the reminder window, with what the rules read of their agreement;
`domain.payment_alerts.may_owe_alert` checks each one's alert keys against the outbox keys the
sweep holds anyway; and only the few thousand kept are converted. The rules in
`domain.payment_alerts` then decide the rest as before.

Checking the keys in Python rather than in SQL is the point: a lookup in a set of keys costs a
fraction of a probe of the outbox's index, and most unpaid instalments of a large register are
old ones already chased at every step, each needing three probes a day.

An instalment's note is free text the payment rules never read, and too long to index, so the
instalments read here carry none (their `note` is empty).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import BigInteger, Select, String, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from domain.payment_alerts import PaymentParty, PaymentWindow, may_owe_alert
from domain.payments import Instalment
from storage.agreements import shared_days
from storage.models import Provider, table_of
from storage.payments import AGREEMENTS, INSTALMENTS, UNPAID, schedules_from_rows

LIVE = "active"  # `domain.agreement.Agreement.is_live`
PROVIDERS = table_of(Provider)

# What the payment rules read of an instalment, every one held by the unpaid index; dates and
# pence raw, converted once per distinct value by `schedules_from_rows`.
_RULE_COLUMNS: tuple[Any, ...] = (
    INSTALMENTS.c.agreement_id, INSTALMENTS.c.number, type_coerce(INSTALMENTS.c.due, String),
    type_coerce(INSTALMENTS.c.amount, BigInteger), type_coerce(INSTALMENTS.c.paid_on, String),
    type_coerce(INSTALMENTS.c.paid_amount, BigInteger), INSTALMENTS.c.payment_reference, INSTALMENTS.c.generated,
)

# The unpaid index's own order. Read in it, each agreement's instalments come in due order (and
# by number on a shared due date) at no cost, so neither read sorts in Python.
_INDEX_ORDER: tuple[Any, ...] = (INSTALMENTS.c.due, INSTALMENTS.c.agreement_id, INSTALMENTS.c.number)


def unpaid_query(window: PaymentWindow) -> Select[Any]:
    """Each unpaid instalment due by the end of the reminder window and not in its grace days,
    with its agreement as the payment rules read it: reference, status, title, provider,
    contract manager, then `_RULE_COLUMNS` after the agreement id.

    `UNPAID` exactly as the partial index states it, so both databases read that index and
    never the paid rows, nor the instalment rows themselves.
    The grace days (after the due date, before it is overdue) are left out from the index
    entries alone, as a filter on the one range scan: their agreements are never looked up.
    Two ranges would make SQLite scan the index twice and merge row ids, slower than this.
    """
    due = INSTALMENTS.c.due
    return (
        select(AGREEMENTS.c.reference, AGREEMENTS.c.status, AGREEMENTS.c.title, PROVIDERS.c.name,
               AGREEMENTS.c.contract_manager, *_RULE_COLUMNS[1:])
        .join(AGREEMENTS, AGREEMENTS.c.id == INSTALMENTS.c.agreement_id)
        .join(PROVIDERS, PROVIDERS.c.id == AGREEMENTS.c.provider_id)
        .where(UNPAID, due <= window.soon_until, or_(due <= window.overdue_until, due >= window.today))
        .order_by(*_INDEX_ORDER)
    )


@dataclass(frozen=True)
class Alertable:
    """The instalments that can owe an alert today, by reference, and their agreements as payment parties."""

    schedules: dict[str, tuple[Instalment, ...]]
    parties: dict[str, PaymentParty]


async def alertable_schedules(session: AsyncSession, window: PaymentWindow, sent_keys: Container[str]) -> Alertable:
    """Only the unpaid instalments of live agreements that can owe an alert today not in `sent_keys`.

    Exactly the instalments `payment_candidates` would keep (a test compares the two), less those
    of agreements that are not live: `payment_alerts` never alerts for them, so their unpaid
    instalments would otherwise be read, and their agreements loaded, every day for nothing.
    The status is checked here, not in SQL, where it would lead SQLite's planner to walk every
    active agreement instead of the partial index of unpaid instalments. One read gives all
    that is needed, so the first sweep after a payments import, which keeps tens of thousands,
    reads nothing more, neither instalments by id nor agreements by reference.
    """
    connection = await session.connection()
    day = shared_days()
    kept: list[tuple[Any, ...]] = []
    parties: dict[str, PaymentParty] = {}
    for reference, status, title, provider, manager, number, due, *paid, generated in (
        await connection.execute(unpaid_query(window))
    ).all():
        if status == LIVE and may_owe_alert(window, reference, number, cast(date, day(due)), sent_keys):
            kept.append((reference, number, due, *paid, "", generated))
            if reference not in parties:
                parties[reference] = PaymentParty(reference, title, provider, manager or "")
    return Alertable(schedules_from_rows(kept), parties)


async def digest_schedules(
    session: AsyncSession, references: Mapping[int, str], due_until: date,
) -> dict[str, tuple[Instalment, ...]]:
    """Every unpaid instalment due by `due_until` of the agreements in `references` (row id to reference).

    What the digest day's rules read. The caller has the live agreements already (a digest lists
    them all), so their references come from there rather than from a join with every row.
    """
    connection = await session.connection()
    return _by_reference((await connection.execute(digest_query(due_until))).all(), references)


def digest_query(due_until: date) -> Select[Any]:
    """What the payment rules read of every unpaid instalment due by `due_until`, by agreement id:
    from the unpaid index alone, no instalment row nor agreement read."""
    return select(*_RULE_COLUMNS).where(UNPAID, INSTALMENTS.c.due <= due_until).order_by(*_INDEX_ORDER)


def _by_reference(rows: Iterable[Any], references: Mapping[int, str]) -> dict[str, tuple[Instalment, ...]]:
    """Rows of `_RULE_COLUMNS`, in the index's order, as schedules (in due order) of the agreements `references` names."""
    named = [
        (references[agreement_id], number, due, pence, paid_on, paid_pence, payment_reference, "", generated)
        for agreement_id, number, due, pence, paid_on, paid_pence, payment_reference, generated in rows
        if agreement_id in references
    ]
    return schedules_from_rows(named)
