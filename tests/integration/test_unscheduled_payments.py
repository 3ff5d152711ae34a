"""A payment recorded for an agreement the payments list has no item for: kept, and added to the list.

The finance officer records what was paid even when nobody set up a schedule (or the payment goes
beyond it). With write-back on, the payments list gets a new item for it, so the list (the
schedule's source of truth) shows every payment; with write-back off, or until the item exists,
the payment is kept here through every sync. Graph is the SharePoint stand-in, on both databases.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from returns_data import add_agreements, agreement
from sqlalchemy.ext.asyncio import AsyncEngine
from sync_fixtures import M365
from test_payments_list_sync import REGISTER, SCHEDULE, STAFF, actions, payments_list, schedules, syncer

from bot.graph.payment_writeback import NOT_CREATED
from domain.payments import BEYOND_SCHEDULE
from storage.payments import UNSCHEDULED

NO_SCHEDULE_FOR_HATE_CRIME = [item for item in SCHEDULE if item["Agreement"] == 1]  # item 2: MOPAC-2025-003


async def test_an_unscheduled_payment_becomes_a_new_item_in_the_payments_list(engine: AsyncEngine, m365: M365) -> None:
    """POST of a new item: the agreement looked up, due and paid that day, the amount, who recorded it; synced back once."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, NO_SCHEDULE_FOR_HATE_CRIME)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()

    reply = await actions(engine, register_sync).record("MOPAC-2025-003", "£5,000", "1 Dec", STAFF, staff=True)

    assert reply.startswith("Recorded £5,000 paid on 1 Dec 2026 for Hate crime advocacy (MOPAC-2025-003) as an "
                            "unscheduled payment")
    assert "payments list" not in reply.split("chased.")[-1]  # nothing went wrong with the list
    assert [(w.if_match, w.status) for w in payments.writes] == [(None, 201)]
    made = payments.values(payments.writes[0].item_id)
    assert made["Agreement"] == 2  # the register item of MOPAC-2025-003
    assert made["DueDate"] == made["DatePaid"] == "2026-12-01T00:00:00Z"
    assert made["Instalment"] == made["AmountPaid"] == 5000.0
    assert made["Notes"].startswith(f"Recorded in Teams by {STAFF}")

    again = await register_sync.sync_now()  # the list now holds it: read back, nothing created twice
    assert again.payments is not None and again.payments.outcome == "synced"
    assert len(payments.writes) == 1
    [instalment] = (await schedules(engine))["MOPAC-2025-003"]
    assert (instalment.due, instalment.amount, instalment.paid_on, instalment.paid_amount) == (
        date(2026, 12, 1), Decimal("5000.00"), date(2026, 12, 1), Decimal("5000.00"))
    await register_sync.sync_now()
    assert len(payments.writes) == 1 and len((await schedules(engine))["MOPAC-2025-003"]) == 1


async def test_a_second_unscheduled_payment_is_another_of_its_own(engine: AsyncEngine, m365: M365) -> None:
    """Still no schedule: each payment is its own instalment, and each its own item in the list."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, NO_SCHEDULE_FOR_HATE_CRIME)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()
    pay = actions(engine, register_sync)

    await pay.record("MOPAC-2025-003", "£5,000", "1 Nov", STAFF, staff=True)
    reply = await pay.record("MOPAC-2025-003", "£2,500", "1 Dec", STAFF, staff=True)

    assert "as an unscheduled payment" in reply
    assert [w.status for w in payments.writes] == [201, 201]
    stored = (await schedules(engine))["MOPAC-2025-003"]
    assert [(i.paid_on, i.paid_amount) for i in stored] == [(date(2026, 11, 1), Decimal("5000.00")),
                                                          (date(2026, 12, 1), Decimal("2500.00"))]


async def test_with_write_back_off_a_payment_beyond_the_listed_schedule_survives_the_next_sync(
    engine: AsyncEngine, m365: M365,
) -> None:
    """The list has no item for the money beyond its schedule; the next sync keeps that money, and creates nothing."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, NO_SCHEDULE_FOR_HATE_CRIME)
    register_sync = syncer(engine, m365)
    await register_sync.sync_now()

    await actions(engine, register_sync).record("MOPAC-2024-001", "£100,000", "1 Dec", STAFF, staff=True)
    payments.update_item("4", {"Notes": "moved to January"})  # the list changes: its schedule is read again
    await register_sync.sync_now()

    assert payments.writes == []
    youth = (await schedules(engine))["MOPAC-2024-001"]
    assert sum((i.paid_amount for i in youth), Decimal(0)) == Decimal("162500.00")  # 62,500 before, 100,000 now
    [beyond] = [i for i in youth if i.note == BEYOND_SCHEDULE]
    assert (beyond.paid_amount, beyond.paid_on) == (Decimal("37500.00"), date(2026, 12, 1))


async def test_a_payment_the_list_cannot_take_is_kept_and_the_person_told(engine: AsyncEngine, m365: M365) -> None:
    """An agreement not in the register list cannot be looked up: nothing is posted, the payment stays, the reply says so."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, NO_SCHEDULE_FOR_HATE_CRIME)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()
    await add_agreements(engine, (agreement("MOPAC-2025-009"),))  # written as a file import would: no list item
    reply = await actions(engine, register_sync).record("MOPAC-2025-009", "£1,000", "1 Dec", STAFF, staff=True)
    assert NOT_CREATED.split("(")[0] in reply
    assert payments.writes == []
    assert [i.note for i in (await schedules(engine))["MOPAC-2025-009"]] == [UNSCHEDULED]
