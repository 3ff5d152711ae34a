"""Payment schedules on SQLite and PostgreSQL: all-or-nothing import, flags, recording, alerts through the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from register_files_data import ACTOR, HEADER, ROWS, TODAY, dump, write_csv, write_xlsx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.payment_alerts import PAYMENT_OVERDUE, PAYMENT_RECORDED
from domain.payment_rows import OVER_VALUE, PAID_BEFORE_START
from domain.payments import PAID, PART_PAID, status
from notifications.calendar import BankHolidays
from notifications.sweep import run_sweep
from storage import outbox
from storage.db import session_factory
from storage.models import AuditEntry
from storage.payments import PaymentRefused, import_payments, load_schedules, record_payment
from storage.register_import import import_register
from storage.register_sheets import ImportRefused

PAYMENTS_HEADER = ["Grant reference", "Due date", "Instalment", "Date paid", "Amount paid", "Remittance", "Notes"]
PAYMENTS = [
    ["OPCC-2023-014", "01/04/2024", "£31,250", "03/04/2024", "", "BACS-1", ""],
    ["OPCC-2023-014", "01/07/2024", "31250", "", "", "", ""],
    ["OPCC-2024-002", "2024-04-01", "1.25m", "2024-04-20", "1250000", "", ""],
]


async def loaded(engine: AsyncEngine, tmp_path: Path) -> None:
    await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS], name="register.csv"), today=TODAY, actor=ACTOR)


def with_cell(row: int, column: str, value: object) -> list[list[object]]:
    rows = [list(r) for r in PAYMENTS]
    rows[row][PAYMENTS_HEADER.index(column)] = value
    return [PAYMENTS_HEADER, *rows]


async def schedules(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    async with session_factory(engine)() as session:
        return await load_schedules(session)


async def test_a_payments_file_loads_each_schedule_with_what_was_paid(engine: AsyncEngine, tmp_path: Path) -> None:
    """Loose headers, UK and ISO dates, £ and 1.25m; a paid date alone means paid in full."""
    await loaded(engine, tmp_path)
    summary = await import_payments(engine, write_csv(tmp_path, [PAYMENTS_HEADER, *PAYMENTS], name="p.csv"), today=TODAY)
    assert (summary.agreements, summary.instalments, summary.problems) == (2, 3, {})
    found = await schedules(engine)
    first, second = found["OPCC-2023-014"]
    assert (first.paid_amount, first.payment_reference) == (Decimal("31250.00"), "BACS-1")
    assert second.paid_on is None
    assert status(first, TODAY, frozenset()) == PAID


@pytest.mark.parametrize(("row", "column", "value", "says"), [
    (0, "Due date", "31/02/2024", "Row 2, column due_date: '31/02/2024' is not a date"),
    (1, "Instalment", "lots", "Row 3, column amount: 'lots' is not an amount of money"),
    (1, "Instalment", "", "Row 3, column amount: empty, but it needs a amount"),
    (2, "Grant reference", "OPCC-1999-999", "Row 4, column reference: 'OPCC-1999-999' is not a reference in the register"),
    (2, "Date paid", "", "Row 4, column paid_date: empty, but it needs the date it was paid"),
])
async def test_a_bad_payments_file_changes_nothing_and_names_the_cell(
    engine: AsyncEngine, tmp_path: Path, row: int, column: str, value: str, says: str,
) -> None:
    """Unreadable cells, missing amounts, unknown references, paid amounts without dates: all refused."""
    await loaded(engine, tmp_path)
    await import_payments(engine, write_csv(tmp_path, [PAYMENTS_HEADER, *PAYMENTS[:1]], name="good.csv"), today=TODAY)
    before = await dump(engine)
    with pytest.raises(ImportRefused) as refused:
        await import_payments(engine, write_csv(tmp_path, with_cell(row, column, value), name="bad.csv"), today=TODAY)
    assert says in refused.value.report()
    assert await dump(engine) == before


async def test_a_payment_before_the_start_and_a_schedule_above_the_value_import_and_are_flagged(
    engine: AsyncEngine, tmp_path: Path,
) -> None:
    """Doubts a finance officer should see, not refusals; a note on the schedule explains an excess."""
    await loaded(engine, tmp_path)
    rows = [PAYMENTS_HEADER, ["OPCC-2023-014", "01/03/2024", "130000", "01/03/2024", "", "", ""]]
    summary = await import_payments(engine, write_csv(tmp_path, rows, name="p.csv"), today=TODAY)
    assert summary.problems == {PAID_BEFORE_START: ("OPCC-2023-014",), OVER_VALUE: ("OPCC-2023-014",)}
    noted = [PAYMENTS_HEADER, ["OPCC-2023-014", "01/04/2024", "130000", "", "", "", "uplift agreed in May"]]
    assert (await import_payments(engine, write_csv(tmp_path, noted, name="n.csv"), today=TODAY)).problems == {}


async def test_a_register_workbook_with_a_payments_sheet_loads_both_or_neither(engine: AsyncEngine, tmp_path: Path) -> None:
    """One bad payments cell refuses the register too: the workbook is one import."""
    from openpyxl import load_workbook

    def workbook(payments: list[list[object]], name: str) -> Path:
        path = write_xlsx(tmp_path, [HEADER, *ROWS], name=name)
        book = load_workbook(path)
        sheet = book.create_sheet("Payments")
        for line in payments:
            sheet.append(line)
        book.save(path)
        return path

    before = await dump(engine)
    with pytest.raises(ImportRefused):
        await import_register(engine, workbook(with_cell(0, "Due date", "soon"), "bad.xlsx"), today=TODAY)
    assert await dump(engine) == before
    summary = await import_register(engine, workbook([PAYMENTS_HEADER, *PAYMENTS], "good.xlsx"), today=TODAY)
    assert summary.created == 3 and summary.payments
    assert len((await schedules(engine))["OPCC-2023-014"]) == 2


async def test_recording_a_part_payment_is_audited_and_tells_the_provider_once(engine: AsyncEngine, tmp_path: Path) -> None:
    """£10,000 of £31,250 is part paid; the audit says who; the provider's notice is in the outbox."""
    await loaded(engine, tmp_path)
    await import_payments(engine, write_csv(tmp_path, [PAYMENTS_HEADER, *PAYMENTS], name="p.csv"), today=TODAY)
    async with session_factory(engine).begin() as session:
        recorded = await record_payment(session, "opcc-2023-014", Decimal("10000"), date(2024, 7, 2), actor=ACTOR,
                                        now=datetime(2024, 7, 2, 9, tzinfo=UTC))
    assert "Still to pay: £21,250" in recorded.message()
    second = (await schedules(engine))["OPCC-2023-014"][1]
    assert status(second, date(2024, 7, 3), frozenset()) == PART_PAID
    async with session_factory(engine)() as session:
        items = await outbox.all_items(session)
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "payment_recorded"))).all()
    assert [(i.rule, i.recipient) for i in items] == [(PAYMENT_RECORDED, "priya.shah@saferlondon.org.uk")]
    assert [a.actor for a in audit] == [ACTOR]


async def test_a_payment_for_an_unknown_agreement_is_refused(engine: AsyncEngine, tmp_path: Path) -> None:
    """Nothing is written for a reference the register does not have."""
    await loaded(engine, tmp_path)
    with pytest.raises(PaymentRefused, match="no agreement OPCC-1999-1"):
        async with session_factory(engine).begin() as session:
            await record_payment(session, "OPCC-1999-1", Decimal("1"), TODAY, actor=ACTOR)


async def test_an_overdue_instalment_is_written_to_the_outbox_once(engine: AsyncEngine, tmp_path: Path) -> None:
    """Two sweeps on two days: the overdue reminder to the contract manager is one outbox row."""
    await loaded(engine, tmp_path)
    rows = [PAYMENTS_HEADER, ["OPCC-2023-014", "02/11/2026", "31250", "", "", "", ""]]
    await import_payments(engine, write_csv(tmp_path, rows, name="p.csv"), today=TODAY)
    clock = lambda: datetime(2026, 11, 25, 7, tzinfo=UTC)  # noqa: E731
    for day in (date(2026, 11, 25), date(2026, 11, 26)):
        await run_sweep(session_factory(engine), day, bank_holidays=BankHolidays(), clock=clock)
    async with session_factory(engine)() as session:
        overdue = [(i.audience, i.recipient) for i in await outbox.all_items(session) if i.rule == PAYMENT_OVERDUE]
    assert sorted(overdue) == [("channel", "channel"), ("contract_manager", "ann.jones@opcc.example.gov.uk")]
