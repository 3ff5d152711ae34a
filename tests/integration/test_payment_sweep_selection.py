"""The sweep's SQL choice of instalments is exactly what the payment rules would choose from all of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from register_files_data import ACTOR, HEADER, ROWS, TODAY, write_csv
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.payment_alerts import PaymentSweep, PaymentThresholds, payment_alerts, payment_candidates, payment_window
from domain.working_days import add_working_days
from notifications.calendar import BankHolidays
from notifications.sweep import run_sweep
from storage import alerts_repo
from storage.db import session_factory
from storage.outbox import all_keys
from storage.payment_sweep import alertable_schedules, digest_schedules
from storage.payments import import_payments, load_schedules
from storage.register_import import import_register

HOLIDAYS = BankHolidays()
PAYMENTS_HEADER = ["Reference", "Due date", "Amount", "Paid date", "Paid amount"]


def schedule_rows() -> list[list[object]]:
    """An instalment every two days from September to January for two agreements: paid, part paid, unpaid."""
    rows: list[list[object]] = [PAYMENTS_HEADER]
    for n in range(70):
        due = date(2026, 9, 1) + timedelta(days=2 * n)
        for reference in ("OPCC-2023-014", "OPCC-2024-002"):
            kind = (n + len(reference)) % 4 if due < date(2026, 11, 20) else 3
            if kind == 0:  # paid in full, some of them late
                rows.append([reference, due.isoformat(), "1000", (due + timedelta(days=n % 9)).isoformat(), ""])
            elif kind == 1:  # part paid
                rows.append([reference, due.isoformat(), "1000", due.isoformat(), "400"])
            else:
                rows.append([reference, due.isoformat(), "1000", "", ""])
    return rows


async def compare(engine: AsyncEngine, day: date) -> int:
    """The SQL choice against the rules' choice from every unpaid instalment, and the alerts each gives."""
    limits = PaymentThresholds()
    horizon = add_working_days(day, limits.due_soon, HOLIDAYS)
    async with session_factory(engine)() as session:
        everything = await load_schedules(session, unpaid_only=True, due_until=horizon)
        sent = await all_keys(session)
        chosen = (await alertable_schedules(session, payment_window(day, HOLIDAYS), sent)).schedules
        agreements = await alerts_repo.live_agreements(session, None)
    wanted = payment_candidates(PaymentSweep(schedules=everything, sent_keys=sent, bank_holidays=HOLIDAYS), day)
    assert set(chosen) == wanted & {agreement.reference for agreement in agreements}  # live ones: no others alert
    from_all = payment_alerts(agreements, PaymentSweep(schedules=everything, sent_keys=sent, bank_holidays=HOLIDAYS), day)
    from_chosen = payment_alerts(agreements, PaymentSweep(schedules=chosen, sent_keys=sent, bank_holidays=HOLIDAYS), day)
    assert [a.idempotency_key for a in from_chosen] == [a.idempotency_key for a in from_all]
    assert sum(len(items) for items in chosen.values()) < sum(len(items) for items in everything.values())
    return len(from_all)


async def test_the_instalments_selected_in_sql_owe_exactly_the_alerts_all_of_them_owe(
    engine: AsyncEngine, tmp_path: Path,
) -> None:
    """Day after day, with the outbox filling up, across a weekend and Christmas: the same alerts."""
    await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS], name="register.csv"), today=TODAY, actor=ACTOR)
    await import_payments(engine, write_csv(tmp_path, schedule_rows(), name="payments.csv"), today=TODAY)
    owed = []
    for day in (date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27), date(2026, 12, 1), date(2026, 12, 4),
                date(2026, 12, 24), date(2026, 12, 29), date(2027, 1, 5)):
        owed.append(await compare(engine, day))
        await run_sweep(session_factory(engine), day, bank_holidays=HOLIDAYS,
                        clock=lambda day=day: datetime.combine(day, datetime.min.time(), UTC))  # type: ignore[misc]
    assert owed[0] > 0 and all(count >= 0 for count in owed)
    assert await compare(engine, date(2027, 1, 6)) < owed[0]  # the outbox holds what was chased


async def test_a_terminated_agreements_unpaid_instalments_are_not_read_on_an_ordinary_day(
    engine: AsyncEngine, tmp_path: Path,
) -> None:
    """They can never alert, so the sweep leaves them unread, while the alerts owed stay those of all unpaid ones."""
    await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS], name="register.csv"), today=TODAY, actor=ACTOR)
    rows = schedule_rows() + [["OPCC-2022-100", "2026-10-01", "1000", "", ""]]  # terminated, unpaid, overdue
    await import_payments(engine, write_csv(tmp_path, rows, name="payments.csv"), today=TODAY)
    day = date(2026, 12, 1)
    async with session_factory(engine)() as session:
        everything = await load_schedules(session, unpaid_only=True)
        chosen = (await alertable_schedules(session, payment_window(day, HOLIDAYS), await all_keys(session))).schedules
    assert "OPCC-2022-100" in everything and "OPCC-2022-100" not in chosen
    assert await compare(engine, day) > 0  # the same alerts either way


async def test_a_digest_days_instalments_are_every_unpaid_one_of_the_live_agreements(
    engine: AsyncEngine, tmp_path: Path,
) -> None:
    """Read from the index alone, with the references of the agreements already loaded: the same
    instalments (less their notes, which no rule reads) and the same alerts and digest as from all of them."""
    await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS], name="register.csv"), today=TODAY, actor=ACTOR)
    rows = [[*row, "Note" if n == 0 else f"agreed late by letter {n}"] for n, row in enumerate(schedule_rows())]
    rows.append(["OPCC-2022-100", "2026-10-01", "1000", "", "", ""])  # terminated, unpaid, overdue
    await import_payments(engine, write_csv(tmp_path, rows, name="payments.csv"), today=TODAY)
    monday, horizon = date(2026, 11, 30), date(2026, 12, 30)
    async with session_factory(engine)() as session:
        everything = await load_schedules(session, unpaid_only=True, due_until=horizon)
        live = await alerts_repo.every_live_agreement(session)
        read = await digest_schedules(session, {row_id: agreement.reference for row_id, agreement in live.items()}, horizon)
    references = {agreement.reference for agreement in live.values()}
    assert "OPCC-2022-100" in everything and "OPCC-2022-100" not in read
    assert read == {ref: tuple(replace(i, note="") for i in items) for ref, items in everything.items() if ref in references}
    agreements = sorted(live.values(), key=lambda agreement: agreement.reference)
    from_all = payment_alerts(agreements, PaymentSweep(schedules=everything, bank_holidays=HOLIDAYS), monday)
    from_read = payment_alerts(agreements, PaymentSweep(schedules=read, bank_holidays=HOLIDAYS), monday)
    assert from_read == from_all
    assert any(a.rule == "payment_digest" for a in from_read) and len(from_read) > 1


QUIET = ["OPCC-2025-050", "grant", "Hate crime advocacy", "Stop Hate UK", "", "Core", "PC-5050", "£90,000",
         "2025-04-01", "", "2030-03-31", "", "", "Camden", "hate crime", "cara.ode@opcc.example.gov.uk", "", "",
         "none", "", "both", "active", "", ""]


async def test_an_agreement_owed_only_payment_alerts_is_chased_as_fully_as_any_other(
    engine: AsyncEngine, tmp_path: Path,
) -> None:
    """No other rule reads it today (no monitoring, ending in 2030), so the sweep reads it for the payment
    rules alone: its alerts name the same title, provider and manager as the whole agreement would."""
    await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS, QUIET], name="register.csv"), today=TODAY, actor=ACTOR)
    rows = [PAYMENTS_HEADER, ["OPCC-2025-050", "2026-10-01", "22500", "", ""],
            ["OPCC-2025-050", "2026-11-26", "22500", "", ""], ["OPCC-2025-050", "2027-01-04", "22500", "", ""]]
    await import_payments(engine, write_csv(tmp_path, rows, name="payments.csv"), today=TODAY)
    tuesday = date(2026, 11, 24)
    result = await run_sweep(session_factory(engine), tuesday, bank_holidays=HOLIDAYS, dry_run=True)
    async with session_factory(engine)() as session:
        everything = await load_schedules(session, unpaid_only=True)
        agreements = await alerts_repo.live_agreements(session, None)
    quiet = [alert for alert in result.alerts if alert.reference == "OPCC-2025-050"]
    expected = payment_alerts(agreements, PaymentSweep(schedules=everything, bank_holidays=HOLIDAYS), tuesday)
    assert quiet == [alert for alert in expected if alert.reference == "OPCC-2025-050"]
    assert {(alert.rule, alert.audience) for alert in quiet} == {
        ("payment_overdue", "contract_manager"), ("payment_overdue", "channel"), ("payment_due", "contract_manager")}
    assert all("Hate crime advocacy" in alert.message for alert in quiet)
    assert ("Provider", "Stop Hate UK") in quiet[0].details and quiet[0].recipient in ("cara.ode@opcc.example.gov.uk", "channel")
