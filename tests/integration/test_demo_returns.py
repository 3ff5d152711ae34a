"""`commissioning-bot demo` shows monitoring too: returns owed, sent in, assessed — on SQLite and PostgreSQL.

The demo register counts as first loaded on 1 April 2026 (two quarters before 22 November), so
Q1 and Q2 returns are owed; the demo writes a mix of them through the returns repository.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest

from bot.commands.cli import main
from domain.monitoring import ACCEPTED, SUBMITTED
from storage.agreements import load_register
from storage.db import create_engine, session_factory
from storage.returns import ReturnsRepository

TODAY = "2026-11-22"
QUESTIONS = (
    "which returns are overdue?",
    "which services are red?",
    "returns awaiting assessment",
    "which providers haven't submitted Q2?",
)


def _demo(db_url: str, tmp_path: Path) -> None:
    assert main(["demo", "--db", db_url, "--today", TODAY, "-o", str(tmp_path / "demo-register.csv")]) == 0


def _ask(db_url: str, question: str, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["ask", "--db", db_url, "--today", TODAY, "--json", question]) == 0
    return json.loads(capsys.readouterr().out)


def _stored_returns(db_url: str) -> dict[tuple[str, str], str]:
    """(reference, period label) → state people see, for every return stored in the database."""

    async def read() -> dict[tuple[str, str], str]:
        engine = create_engine(db_url)
        try:
            async with session_factory(engine)() as session:
                references = [a.reference for a in await load_register(session)]
            repo = ReturnsRepository(engine)
            return {
                (reference, owed.period.label): owed.state
                for reference in references
                for owed in await repo.owed_periods(reference, date.fromisoformat(TODAY))
                if owed.return_id is not None
            }
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_after_demo_every_monitoring_question_has_an_answer(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Overdue, red, awaiting assessment and not-submitted-Q2 each name agreements; demo says so."""
    _demo(db_url, tmp_path)
    printed = capsys.readouterr().out
    assert "Monitoring returns owed since 1 Apr 2026:" in printed
    assert "commissioning-bot ask 'which returns are overdue?'" in printed
    for question in QUESTIONS:
        answer = _ask(db_url, question, capsys)
        assert answer["understood"] is True, question
        assert len(answer["references"]) >= 1, question
    assert "OPCC-2023-014" in _ask(db_url, "returns awaiting assessment", capsys)["references"]
    stored = _stored_returns(db_url)  # the agreement the README names: Q1 accepted, Q2 in and waiting
    assert stored[("OPCC-2023-014", "Q1 2026/27")] == ACCEPTED
    assert stored[("OPCC-2023-014", "Q2 2026/27")] == SUBMITTED


def test_running_demo_twice_writes_no_more_returns(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second run finds every return already there: same returns, same states, no error."""
    _demo(db_url, tmp_path)
    first = _stored_returns(db_url)
    assert len(first) >= 50
    capsys.readouterr()
    _demo(db_url, tmp_path)
    printed = capsys.readouterr().out
    assert "(0 written now)" in printed
    assert _stored_returns(db_url) == first


def test_demo_into_a_database_with_a_real_register_writes_no_returns_for_real_agreements(
    db_url: str, tmp_path: Path
) -> None:
    """Only the demo's own agreements get invented returns; a real agreement's stay as they were."""
    real = tmp_path / "register.csv"
    real.write_text(
        "reference,kind,title,provider,start_date,end_date,value,kpis\n"
        "REAL-2025-001,grant,Domestic abuse advocacy,Real Women's Aid,01/04/2025,31/03/2028,£90000,referrals=50\n",
        encoding="utf-8",
    )
    assert main(["import", str(real), "--db", db_url, "--today", "2026-01-05"]) == 0
    _demo(db_url, tmp_path)
    stored = _stored_returns(db_url)
    assert stored and not any(reference == "REAL-2025-001" for reference, _ in stored)
