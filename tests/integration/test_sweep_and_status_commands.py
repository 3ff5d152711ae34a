"""`commissioning-bot sweep` and `status` on SQLite and PostgreSQL, as a script would use them."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from returns_data import add_agreements, agreement

from bot.commands.cli import main
from bot.commands.status import NEVER_SWEPT, NOTHING_WAITING
from storage.db import create_engine

REGISTER = (
    agreement("OPCC-2023-014", kind="contract", end_date=date(2027, 1, 25), contract_manager="jo@opcc.example.gov.uk",
              monitoring="none"),
    agreement("OPCC-2024-031", kind="grant", end_date=date(2027, 3, 20), monitoring="none", contract_manager=""),
    agreement("OPCC-2019-001", kind="contract", end_date=date(2027, 1, 10), status="draft", monitoring="none"),
)


def load(db_url: str) -> None:
    async def _load() -> None:
        engine = create_engine(db_url)
        await add_agreements(engine, REGISTER)
        await engine.dispose()

    asyncio.run(_load())


def sweep_json(db_url: str, *extra: str, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main(["sweep", "--db", db_url, "--json", *extra]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_sweep_json_prints_one_object_per_alert(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each line has rule, reference, due and audience; drafts never alert."""
    load(db_url)
    alerts = sweep_json(db_url, "--today", "2026-12-29", "--dry-run", capsys=capsys)
    expiry = [(a["rule"], a["reference"], a["due"], a["audience"]) for a in alerts if a["rule"] == "expiry"]
    assert expiry == [
        ("expiry", "OPCC-2023-014", "2027-01-25", "channel"),
        ("expiry", "OPCC-2023-014", "2027-01-25", "contract_manager"),
        ("expiry", "OPCC-2024-031", "2027-03-20", "channel"),
    ]
    assert ("notice_due", "OPCC-2024-031", "channel") in {(a["rule"], a["reference"], a["audience"]) for a in alerts}
    assert "OPCC-2019-001" not in {a["reference"] for a in alerts}
    digests = [a for a in alerts if a["rule"] == "weekly_digest"]
    assert digests == []  # a Tuesday with no earlier sweep: no Monday to catch up on


def test_dry_run_then_real_sweep_then_nothing_new(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A dry run leaves everything to the real sweep; a second sweep the same day has nothing new."""
    load(db_url)
    dry = sweep_json(db_url, "--today", "2026-12-29", "--dry-run", capsys=capsys)
    real = sweep_json(db_url, "--today", "2026-12-29", capsys=capsys)
    assert real == dry and real
    assert sweep_json(db_url, "--today", "2026-12-29", capsys=capsys) == []


def test_a_sweep_on_a_bank_holiday_says_so_and_sends_nothing(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Christmas Day: no alerts, a plain message on stderr, exit 0."""
    load(db_url)
    assert main(["sweep", "--db", db_url, "--json", "--today", "2026-12-25"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "2026-12-25 is not a working day" in captured.err


def test_a_bad_today_is_a_clear_error(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """No traceback for a date that does not exist (29 Feb 2027)."""
    assert main(["sweep", "--db", db_url, "--today", "2027-02-29"]) == 2
    assert "--today must be a date like" in capsys.readouterr().err


def test_status_before_and_after_a_sweep(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Status says when the last sweep ran and lists what is waiting to be sent."""
    load(db_url)
    assert main(["status", "--db", db_url, "--today", "2026-12-29"]) == 0
    before = capsys.readouterr().out
    assert NEVER_SWEPT in before and NOTHING_WAITING in before
    sweep_json(db_url, "--today", "2026-12-29", capsys=capsys)
    assert main(["status", "--db", db_url, "--json", "--today", "2026-12-29"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["last_sweep"]["day"] == "2026-12-29"
    assert status["outbox"]["pending"] == status["last_sweep"]["alerts"] > 0
    assert {item["reference"] for item in status["waiting"]} >= {"OPCC-2023-014", "OPCC-2024-031"}
    assert status["next_sweep"].startswith("2026-12-30T07:30")
