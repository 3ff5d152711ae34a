"""The instalments a sweep reads on an ordinary day: only those that can owe an alert today.

A register of 100,000 agreements with 8 instalments each holds 800,000 rows, nearly all of them
paid or already chased. The sweep reads, from the partial index of unpaid instalments alone
(`ix_payment_instalments_unpaid`: due date, agreement and number), the instalments not fully
paid that are due by the end of the reminder window, with their agreement's reference and
status; `domain.payment_alerts.may_owe_alert` checks each one's alert keys against the outbox
keys the sweep holds anyway; and only the few thousand kept are read in full. The rules in
`domain.payment_alerts` then decide the rest as before.

Checking the keys in Python rather than in SQL is the point: a lookup in a set of keys costs a
fraction of a probe of the outbox's index, and most unpaid instalments of a large register are
old ones already chased at every step, each needing three probes a day.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.payment_alerts import PaymentWindow, may_owe_alert
from domain.payments import Instalment
from storage.payments import AGREEMENTS, INSTALMENTS, SCHEDULE_COLUMNS, UNPAID, schedules_from_rows

LIVE = "active"  # `domain.agreement.Agreement.is_live`
_CHUNK = 5000  # ids a query names at once (SQLite allows 32,766 parameters)


def unpaid_query(window: PaymentWindow) -> Select[Any]:
    """Each unpaid instalment due by the end of the reminder window and not in its grace days:
    id, reference, number, due, status.

    `UNPAID` exactly as the partial index states it, so both databases read that index and
    never the paid rows, nor (on SQLite, whose index holds the row id) the rows themselves.
    The grace days (after the due date, before it is overdue) are left out from the index
    entries alone, as a filter on the one range scan: their agreements are never looked up.
    Two ranges would make SQLite scan the index twice and merge row ids, slower than this.
    """
    due = INSTALMENTS.c.due
    return (
        select(INSTALMENTS.c.id, AGREEMENTS.c.reference, INSTALMENTS.c.number, due, AGREEMENTS.c.status)
        .join(AGREEMENTS, AGREEMENTS.c.id == INSTALMENTS.c.agreement_id)
        .where(UNPAID, due <= window.soon_until, or_(due <= window.overdue_until, due >= window.today))
    )


async def alertable_schedules(
    session: AsyncSession, window: PaymentWindow, sent_keys: Container[str],
) -> dict[str, tuple[Instalment, ...]]:
    """Only the unpaid instalments of live agreements that can owe an alert today not in `sent_keys`.

    Exactly the instalments `payment_candidates` would keep (a test compares the two), less those
    of agreements that are not live: `payment_alerts` never alerts for them, so their unpaid
    instalments would otherwise be read, and their agreements loaded, every day for nothing.
    The status is checked here, not in SQL, where it would lead SQLite's planner to walk every
    active agreement instead of the partial index of unpaid instalments.
    """
    connection = await session.connection()
    kept = [
        row_id for row_id, reference, number, due, status in (await connection.execute(unpaid_query(window))).all()
        if status == LIVE and may_owe_alert(window, reference, number, due, sent_keys)
    ]
    rows: list[Any] = []
    for start in range(0, len(kept), _CHUNK):
        rows += (await connection.execute(
            select(*SCHEDULE_COLUMNS)
            .join(AGREEMENTS, AGREEMENTS.c.id == INSTALMENTS.c.agreement_id)
            .where(INSTALMENTS.c.id.in_(kept[start:start + _CHUNK]))
        )).all()
    rows.sort(key=lambda row: (row[0], row[2], row[1]))
    return schedules_from_rows(rows)
