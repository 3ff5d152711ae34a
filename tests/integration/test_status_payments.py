"""`commissioning-bot status` tells a finance officer where the payments stand, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from register_files_data import ACTOR, HEADER, ROWS, write_csv
from sqlalchemy.ext.asyncio import AsyncEngine
from sync_fixtures import LIST, M365, SITE
from test_payments_list_sync import PAYMENTS_LIST, SCHEDULE, STAFF, actions, payments_list, syncer
from test_payments_list_sync import REGISTER as LIST_REGISTER

from bot.commands.cli import main
from bot.commands.status import NO_PAYMENTS

TODAY = "2026-12-08"  # a Tuesday: overdue means due on or before 30 Nov (5 working days)
PAYMENTS = [
    ["Reference", "Due date", "Amount", "Paid date", "Paid amount"],
    ["OPCC-2023-014", "2026-10-01", "10000", "2026-10-02", "10000"],  # paid: not counted
    ["OPCC-2023-014", "2026-11-02", "10000", "", ""],  # overdue
    ["OPCC-2023-014", "2026-12-03", "5000", "", ""],  # due, within its 5 working days
    ["OPCC-2024-002", "2026-12-11", "20000", "", ""],  # due by 15 Dec
    ["OPCC-2024-002", "2027-01-15", "20000", "", ""],  # later: not counted
    ["OPCC-2022-100", "2024-11-01", "4000", "", ""],  # terminated agreement: never chased, not counted
]


def status(db_url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["status", "--db", db_url, "--today", TODAY, *extra]) == 0
    return capsys.readouterr().out


def loaded(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--db", db_url, str(write_csv(tmp_path, [HEADER, *ROWS])), "--actor", ACTOR,
                 "--today", "2026-11-22"]) == 0
    assert main(["import-payments", "--db", db_url, str(write_csv(tmp_path, PAYMENTS, name="payments.csv")),
                 "--actor", ACTOR, "--today", TODAY]) == 0
    capsys.readouterr()


def test_status_before_any_schedule_says_how_to_load_one(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """No schedules: one line saying which command loads them."""
    assert NO_PAYMENTS in status(db_url, capsys)


def test_status_counts_money_late_and_about_to_fall_due(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """Overdue, due within grace and due in the next 5 working days, with what is still to pay; where they came from."""
    loaded(db_url, tmp_path, capsys)
    assert main(["record-payment", "--db", db_url, "OPCC-2024-002", "£2,000", "2026-12-07", "--actor", ACTOR,
                 "--today", TODAY]) == 0
    capsys.readouterr()
    out = status(db_url, capsys)
    assert ("Payments: 1 overdue (£10,000), 1 due and not yet overdue (£5,000), 1 due by 15 Dec 2026 (£18,000)."
            in out)
    assert "Schedules last loaded" in out and f"from payments: payments.csv by {ACTOR}." in out
    assert "Last payment recorded" in out and f"for OPCC-2024-002 by {ACTOR}." in out
    assert NO_PAYMENTS not in out

    data = json.loads(status(db_url, capsys, "--json"))["payments"]
    assert data["overdue"] == {"count": 1, "outstanding": "10000.00"}
    assert data["awaiting"] == {"count": 1, "outstanding": "5000.00"}
    assert data["due_soon"] == {"count": 1, "outstanding": "18000.00", "until": "2026-12-15"}
    assert data["last_recorded"]["what"] == "OPCC-2024-002"
    assert data["instalments"] == 6


def test_status_counts_payment_alerts_not_yet_delivered(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """After a sweep, the payment alerts waiting in the outbox are counted apart from the others."""
    loaded(db_url, tmp_path, capsys)
    assert "Payment alerts not yet delivered" not in status(db_url, capsys)
    assert main(["sweep", "--db", db_url, "--json", "--today", TODAY]) == 0
    payment_alerts = [alert for alert in map(json.loads, capsys.readouterr().out.splitlines())
                      if alert["rule"].startswith("payment_")]
    assert payment_alerts
    out = status(db_url, capsys)
    assert f"Payment alerts not yet delivered: {len(payment_alerts)}." in out
    data = json.loads(status(db_url, capsys, "--json"))["payments"]
    assert data["undelivered_alerts"] == {"pending": len(payment_alerts)}


async def test_status_shows_the_payments_lists_sync_and_what_is_still_to_be_written_to_it(
    db_url: str, engine: AsyncEngine, m365: M365, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With payments in a list and write-back off, a payment recorded here waits to be written, and status says so."""
    m365.make_register(LIST_REGISTER)
    payments_list(m365, SCHEDULE)
    register_sync = syncer(engine, m365)
    await register_sync.sync_now()
    await actions(engine, register_sync).record("MOPAC-2024-001", "£31,250", "1 Dec", STAFF, staff=True)
    for name, value in {"REGISTER_SITE": SITE, "REGISTER_LIST": LIST, "PAYMENTS_LIST": PAYMENTS_LIST}.items():
        monkeypatch.setenv(name, value)

    out = await asyncio.to_thread(status, db_url, capsys)

    assert f"  Payments sync: the payments list '{PAYMENTS_LIST}', last " in out
    assert ": synced (5 instalments for 2 agreements, 2 changed)." in out
    assert "  Recorded payments still to be written to the payments list: 1 (tried again after each sync)." in out
