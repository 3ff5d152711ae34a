"""A new payments-list item is made once, even when the connection drops around the POST.

SharePoint may create the item and the answer be lost on the way back (a proxy, a flaky hop).
Re-sending the POST would put the payment in the Microsoft 365 list twice, and the finance
officer would see £5,000 paid twice. The bot looks for the item by the key it wrote into it
before sending again. Graph is the SharePoint stand-in, on both databases.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine
from stand_ins.sharepoint import Fault, SpList
from sync_fixtures import M365
from test_payments_list_sync import PAYMENT_COLUMNS, REGISTER, STAFF, actions, payments_list, schedules, syncer
from test_unscheduled_payments import NO_SCHEDULE_FOR_HATE_CRIME

from storage.db import session_factory
from storage.payment_list import unlisted_payments

REF = "MOPAC-2025-003"


def hate_crime_items(payments: SpList) -> list[dict[str, object]]:
    """The payments list's items for MOPAC-2025-003 (register item 2)."""
    return [payments.values(item_id) for item_id in payments.items if payments.values(item_id)["Agreement"] == 2]


async def still_to_write(engine: AsyncEngine) -> list[object]:
    async with session_factory(engine)() as session:
        return list(await unlisted_payments(session))


async def test_an_item_made_before_the_connection_dropped_is_found_not_made_again(engine: AsyncEngine, m365: M365) -> None:
    """The POST is done, then the connection drops: one item in the list, the payment marked written, no warning."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, NO_SCHEDULE_FOR_HATE_CRIME)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()
    m365.sharepoint.faults.append(Fault(path_contains="/items", method="POST", drop=True, after=True))

    reply = await actions(engine, register_sync).record(REF, "£5,000", "1 Dec", STAFF, staff=True)

    assert "payments list" not in reply.split("chased.")[-1]  # nothing to tell: it is in the list
    [made] = hate_crime_items(payments)
    assert made["AmountPaid"] == 5000.0 and made["Notes"].startswith(f"Recorded in Teams by {STAFF}")
    assert await still_to_write(engine) == []
    await register_sync.sync_now()  # the list read back: still one item, one payment here
    assert len(hate_crime_items(payments)) == 1
    [instalment] = (await schedules(engine))[REF]
    assert instalment.paid_amount == Decimal("5000.00")


async def test_a_post_dropped_before_it_was_done_is_sent_again_once(engine: AsyncEngine, m365: M365) -> None:
    """The connection drops before SharePoint does anything: nothing has that key, so it is sent again; one item."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, NO_SCHEDULE_FOR_HATE_CRIME)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()
    m365.sharepoint.faults.append(Fault(path_contains="/items", method="POST", drop=True))

    await actions(engine, register_sync).record(REF, "£5,000", "1 Dec", STAFF, staff=True)

    assert len(hate_crime_items(payments)) == 1
    assert await still_to_write(engine) == []


async def test_when_it_cannot_be_told_the_payment_waits_and_the_person_is_told(engine: AsyncEngine, m365: M365) -> None:
    """Dropped twice, and nothing found: kept here, marked to be written, and the reply says so; never two items."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, NO_SCHEDULE_FOR_HATE_CRIME)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()
    m365.sharepoint.faults.append(Fault(path_contains="/items", method="POST", drop=True, times=2))

    reply = await actions(engine, register_sync).record(REF, "£5,000", "1 Dec", STAFF, staff=True)

    assert "not added to the payments list (lost the connection to Graph" in reply
    assert hate_crime_items(payments) == []
    assert len(await still_to_write(engine)) == 1
    await register_sync.sync_now()  # the next sync finishes it
    assert len(hate_crime_items(payments)) == 1 and await still_to_write(engine) == []


# A list with no notes column and no payment-reference column: nowhere to keep a key.
KEYLESS = [c for c in PAYMENT_COLUMNS if c.name not in ("Notes", "Remittance")]


def keyless_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{name: value for name, value in row.items() if name not in ("Notes", "Remittance")} for row in rows]


async def test_without_a_key_column_the_item_made_is_found_by_its_values(engine: AsyncEngine, m365: M365) -> None:
    """POST done, connection dropped, no column for a key: the item holding exactly what was written is linked; one item."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, keyless_rows(NO_SCHEDULE_FOR_HATE_CRIME), KEYLESS)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()
    m365.sharepoint.faults.append(Fault(path_contains="/items", method="POST", drop=True, after=True))

    reply = await actions(engine, register_sync).record(REF, "£5,000", "1 Dec", STAFF, staff=True)

    assert "payments list" not in reply.split("chased.")[-1], reply
    [made] = hate_crime_items(payments)
    assert made["AmountPaid"] == 5000.0
    assert await still_to_write(engine) == []
    await register_sync.sync_now()
    assert len(hate_crime_items(payments)) == 1


async def test_without_a_key_column_a_look_alike_for_another_day_is_not_taken(engine: AsyncEngine, m365: M365) -> None:
    """An item for the same agreement and amount paid on another day is a different payment: it is sent again once."""
    m365.make_register(REGISTER)
    other_day = {"Title": "Earlier", "Agreement": 2, "DueDate": "2026-11-02", "Instalment": 5000,
                 "DatePaid": "2026-11-02", "AmountPaid": 5000}
    payments = payments_list(m365, [*keyless_rows(NO_SCHEDULE_FOR_HATE_CRIME), other_day], KEYLESS)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()
    m365.sharepoint.faults.append(Fault(path_contains="/items", method="POST", drop=True))

    await actions(engine, register_sync).record(REF, "£5,000", "1 Dec", STAFF, staff=True)

    assert sorted(str(item["DatePaid"])[:10] for item in hate_crime_items(payments)) == ["2026-11-02", "2026-12-01"]
    assert await still_to_write(engine) == []
