"""Payment schedules kept in a second Microsoft List: synced with the register's rules, payments written back.

Graph and Entra are the local stand-ins speaking the documented protocol (list items with
`fields`, `@odata.nextLink` paging, 429 with Retry-After, eTags and `If-Match` on PATCH); msal,
the sync and the payments import are the real ones, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from register_files_data import dump as dump_database
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from stand_ins.sharepoint import Fault, SpColumn, SpList
from sync_fixtures import M365, TODAY

from bot.graph.schedule import RegisterSyncer
from bot.graph.sync import sync_register
from notifications.calendar import BankHolidays
from notifications.payment_actions import PaymentActions
from storage.db import session_factory
from storage.models import AuditEntry
from storage.payments import load_schedules

PAYMENTS_LIST = "Grant payments"
REGISTER = [
    {"reference": "MOPAC-2024-001", "kind": "grant", "title": "Youth outreach", "provider": "Safer London",
     "value": "125000", "start_date": "2024-04-01", "end_date": "2027-03-31", "contact_email": "pat@saferlondon.example"},
    {"reference": "MOPAC-2025-003", "kind": "grant", "title": "Hate crime advocacy", "provider": "Stand Together",
     "value": "60000", "start_date": "2025-01-01", "end_date": "2026-12-31"},
]
# A payments list as a finance team builds one: the agreement as a lookup into the register
# list, date-only and currency columns, and a renamed Title nobody reads.
PAYMENT_COLUMNS = [
    SpColumn("Title", "Title", "text"),
    SpColumn("Agreement", "Agreement", "lookup", lookup_column="Reference"),
    SpColumn("DueDate", "Due date", "dateOnly"),
    SpColumn("Instalment", "Instalment", "currency"),
    SpColumn("DatePaid", "Date paid", "dateOnly"),
    SpColumn("AmountPaid", "Amount paid", "currency"),
    SpColumn("Remittance", "Remittance", "text"),
    SpColumn("Notes", "Notes", "note"),
]
STAFF = "grace.okafor@mopac.example"


def payments_list(m365: M365, rows: list[dict[str, object]], kept: list[SpColumn] = PAYMENT_COLUMNS) -> SpList:
    """The payments list with `kept` columns (all by default) and these items."""
    assert m365.register is not None
    columns = [SpColumn(**{**c.__dict__, "lookup_list_id": m365.register.id}) if c.kind == "lookup" else c
               for c in kept]
    payments = m365.sharepoint.add_list(PAYMENTS_LIST, columns)
    for row in rows:
        payments.add_item(row)
    return payments


# Register items: 1 is MOPAC-2024-001, 2 is MOPAC-2025-003.
SCHEDULE: list[dict[str, object]] = [
    {"Title": "Q1", "Agreement": 1, "DueDate": "2026-04-01", "Instalment": 31250, "DatePaid": "2026-04-03",
     "AmountPaid": 31250, "Remittance": "BACS-1"},
    {"Title": "Q2", "Agreement": 1, "DueDate": "2026-07-01", "Instalment": 31250, "DatePaid": "2026-07-20"},
    {"Title": "Q3", "Agreement": 1, "DueDate": "2026-10-01", "Instalment": 31250},
    {"Title": "Q4", "Agreement": 1, "DueDate": "2027-01-04", "Instalment": 31250},
    {"Title": "Final", "Agreement": 2, "DueDate": "2026-12-01", "Instalment": 15000},
]


def source(m365: M365, **overrides: str):  # type: ignore[no-untyped-def]
    return m365.source(PAYMENTS_LIST=PAYMENTS_LIST, **overrides)


async def schedules(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    async with session_factory(engine)() as session:
        return await load_schedules(session)


async def synced(engine: AsyncEngine, m365: M365, **overrides: str):  # type: ignore[no-untyped-def]
    return await sync_register(engine, source(m365, **overrides), m365.client(), today=TODAY)


async def test_the_payments_list_syncs_after_the_register_with_dates_as_typed(engine: AsyncEngine, m365: M365) -> None:
    """Each agreement's schedule, the looked-up reference, the calendar dates typed in SharePoint, paid in full."""
    m365.make_register(REGISTER)
    payments_list(m365, SCHEDULE)

    report = await synced(engine, m365)

    assert report.outcome == "synced" and report.payments is not None
    assert report.payments.outcome == "synced", report.payments.problems
    assert (report.payments.instalments, report.payments.agreements, report.payments.changed) == (5, 2, 2)
    youth = (await schedules(engine))["MOPAC-2024-001"]
    assert [i.due for i in youth] == [date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1), date(2027, 1, 4)]
    assert youth[0].paid_on == date(2026, 4, 3) and youth[0].paid_amount == Decimal("31250.00")
    assert youth[0].payment_reference == "BACS-1"
    assert youth[1].paid_amount == Decimal("31250.00")  # a paid date alone means paid in full
    assert youth[2].paid_on is None
    assert report.as_json()["payments"]["outcome"] == "synced"


async def test_a_second_sync_with_nothing_changed_writes_no_payments(engine: AsyncEngine, m365: M365) -> None:
    m365.make_register(REGISTER)
    payments_list(m365, SCHEDULE)
    await synced(engine, m365)
    before = await dump_database(engine)

    report = await synced(engine, m365)

    assert report.payments is not None and report.payments.outcome == "unchanged"
    after = await dump_database(engine)
    assert {t: r for t, r in after.items() if t != "register_syncs"} == {t: r for t, r in before.items() if t != "register_syncs"}


async def test_a_bad_item_refuses_the_payments_and_names_the_item_column_and_value(engine: AsyncEngine, m365: M365) -> None:
    """An item with its due date cleared: nothing changes, not even the good edit, and the item is named."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, SCHEDULE)
    await synced(engine, m365)
    before = await dump_database(engine)
    payments.update_item("3", {"DatePaid": "2026-10-09"})  # good, but must not land alone
    payments.update_item("4", {"DueDate": None})

    report = await synced(engine, m365)

    assert report.payments is not None and report.payments.outcome == "refused"
    assert report.payments.problems == (
        f"List item 4 ({payments.web_url}/DispForm.aspx?ID=4), column 'Due date': empty, but it needs "
        "a due date (every row needs one)",)
    after = await dump_database(engine)
    assert {t: r for t, r in after.items() if t not in ("register_syncs", "import_batches")} == \
        {t: r for t, r in before.items() if t not in ("register_syncs", "import_batches")}
    assert "refused" in report.payments.summary_line() and "No payments were changed" in report.payments.summary_line()


async def test_an_instalment_for_a_reference_the_register_lacks_is_refused(engine: AsyncEngine, m365: M365) -> None:
    columns = [SpColumn("Title", "Grant reference", "text"), SpColumn("Due", "Due", "dateOnly"),
               SpColumn("Amount", "Amount", "number")]
    m365.make_register(REGISTER)
    payments = m365.sharepoint.add_list(PAYMENTS_LIST, columns)
    payments.add_item({"Title": "MOPAC-2024-001", "Due": "2026-04-01", "Amount": 1000})
    payments.add_item({"Title": "MOPAC-2099-999", "Due": "2026-04-01", "Amount": 1000})

    report = await synced(engine, m365)

    assert report.payments is not None and report.payments.outcome == "refused"
    assert report.payments.problems[0].startswith("List item 2 (")
    assert "'MOPAC-2099-999' is not a reference in the register" in report.payments.problems[0]
    assert await schedules(engine) == {}


async def test_a_payment_before_the_start_imports_and_is_flagged(engine: AsyncEngine, m365: M365) -> None:
    m365.make_register(REGISTER)
    payments_list(m365, [{"Agreement": 2, "DueDate": "2024-12-01", "Instalment": 15000, "DatePaid": "2024-12-02"}])

    report = await synced(engine, m365)

    assert report.payments is not None and report.payments.outcome == "synced"
    assert report.payments.flagged == {"paid_before_start": ("MOPAC-2025-003",)}
    assert "Flagged, paid before the agreement starts: MOPAC-2025-003" in report.payments.summary_line()


async def test_changes_and_deletions_in_the_list_change_the_schedule_and_are_audited(engine: AsyncEngine, m365: M365) -> None:
    m365.make_register(REGISTER)
    payments = payments_list(m365, SCHEDULE)
    await synced(engine, m365)
    payments.update_item("3", {"DatePaid": "2026-10-09", "AmountPaid": 20000})
    payments.delete_item("5")  # the only instalment of MOPAC-2025-003

    report = await synced(engine, m365)

    assert report.payments is not None and report.payments.outcome == "synced" and report.payments.changed == 2
    stored = await schedules(engine)
    assert stored["MOPAC-2024-001"][2].paid_amount == Decimal("20000.00")
    assert "MOPAC-2025-003" not in stored
    async with session_factory(engine)() as session:
        actions = {(a.reference, a.action) for a in (await session.scalars(select(AuditEntry))).all()}
    assert {("MOPAC-2024-001", "payments_import"), ("MOPAC-2025-003", "payments_removed")} <= actions


async def test_a_throttled_and_paged_payments_list_is_read_whole(engine: AsyncEngine, m365: M365) -> None:
    """Two items a page, and Graph saying 429 with Retry-After on the payments list's second page."""
    m365.make_register(REGISTER)
    payments_list(m365, SCHEDULE)
    m365.sharepoint.page_size = 2
    m365.sharepoint.faults.append(Fault(path_contains="skiptoken", status=429, retry_after="4"))

    report = await synced(engine, m365)

    assert report.payments is not None and report.payments.outcome == "synced" and report.payments.instalments == 5
    assert 4.0 in m365.sleeps


async def test_without_a_register_sync_the_payments_are_not_synced(engine: AsyncEngine, m365: M365) -> None:
    m365.make_register(REGISTER)
    payments_list(m365, SCHEDULE)
    m365.sharepoint.faults.append(Fault(path_contains="/columns", status=403))

    report = await synced(engine, m365)

    assert report.outcome == "failed" and report.payments is not None and report.payments.outcome == "skipped"
    assert await schedules(engine) == {}


def syncer(engine: AsyncEngine, m365: M365, **overrides: str) -> RegisterSyncer:
    return RegisterSyncer(engine, source(m365, **overrides), m365.client(), today=lambda: TODAY,
                          bank_holidays=BankHolidays())


def actions(engine: AsyncEngine, register_sync: RegisterSyncer) -> PaymentActions:
    return PaymentActions(session_factory(engine), lambda: TODAY, after_payment=register_sync.after_payment,
                          clock=lambda: datetime(2026, 12, 2, 10, tzinfo=UTC))


async def test_a_payment_recorded_in_teams_is_written_to_its_list_item(engine: AsyncEngine, m365: M365) -> None:
    """PATCH of the paid date, amount and reference, with If-Match on the item's eTag; the next sync changes nothing."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, SCHEDULE)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()
    etag = payments.item_etag("3")

    reply = await actions(engine, register_sync).record("MOPAC-2024-001", "£31,250", "1 Dec", STAFF, staff=True)

    assert reply.startswith("Recorded £31,250 paid on 1 Dec 2026") and "SharePoint" not in reply
    assert [(w.item_id, w.if_match, w.status) for w in payments.writes] == [("3", etag, 200)]
    written = payments.values("3")
    assert written["DatePaid"] == "2026-12-01T00:00:00Z" and written["AmountPaid"] == 31250.0
    again = await register_sync.sync_now()
    assert again.payments is not None and again.payments.outcome == "synced" and again.payments.changed == 0
    assert (await schedules(engine))["MOPAC-2024-001"][2].paid_on == date(2026, 12, 1)


async def test_an_item_changed_in_sharepoint_is_not_overwritten_and_is_written_after_the_next_sync(
    engine: AsyncEngine, m365: M365,
) -> None:
    """412: the person is told, the payment stays recorded here, and goes to the list once the new version is read."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, SCHEDULE)
    register_sync = syncer(engine, m365, REGISTER_WRITEBACK="on")
    await register_sync.sync_now()
    payments.update_item("3", {"Notes": "Invoice chased"})  # someone edits the item meanwhile

    reply = await actions(engine, register_sync).record("MOPAC-2024-001", "31250", "1 Dec", STAFF, staff=True)

    assert "not written to the payments list" in reply and "changed in SharePoint" in reply
    assert [w.status for w in payments.writes] == [412]
    assert "DatePaid" not in payments.values("3") and payments.values("3")["Notes"] == "Invoice chased"
    assert (await schedules(engine))["MOPAC-2024-001"][2].paid_on == date(2026, 12, 1)  # kept here

    await register_sync.sync_now()  # reads the new version (still unpaid there), keeps the payment, writes it

    assert [w.status for w in payments.writes] == [412, 200]
    assert payments.values("3")["DatePaid"] == "2026-12-01T00:00:00Z" and payments.values("3")["Notes"] == "Invoice chased"
    assert (await schedules(engine))["MOPAC-2024-001"][2].paid_on == date(2026, 12, 1)


async def test_with_write_back_off_a_recorded_payment_survives_the_next_sync(engine: AsyncEngine, m365: M365) -> None:
    """The list does not show it, but nobody said it was not paid: it is kept until the list shows a payment."""
    m365.make_register(REGISTER)
    payments = payments_list(m365, SCHEDULE)
    register_sync = syncer(engine, m365)
    await register_sync.sync_now()

    await actions(engine, register_sync).record("MOPAC-2024-001", "31250", "1 Dec", STAFF, staff=True)
    payments.update_item("4", {"Notes": "moved to January"})
    await register_sync.sync_now()

    assert payments.writes == []
    youth = (await schedules(engine))["MOPAC-2024-001"]
    assert youth[2].paid_on == date(2026, 12, 1) and youth[2].paid_amount == Decimal("31250.00")
    payments.update_item("3", {"DatePaid": "2026-12-02", "AmountPaid": 31250})  # finance types it in: the list wins
    await register_sync.sync_now()
    assert (await schedules(engine))["MOPAC-2024-001"][2].paid_on == date(2026, 12, 2)
