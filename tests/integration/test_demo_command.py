"""`commissioning-bot demo`: writes the demo spreadsheet and loads every row, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.commands.cli import main
from bot.commands.demo import TRY_NEXT, WROTE
from storage.agreements import load_register
from storage.db import create_engine, session_factory

TODAY = "2026-11-22"


def _register(db_url: str) -> list:  # type: ignore[type-arg]
    async def load() -> list:  # type: ignore[type-arg]
        engine = create_engine(db_url)
        try:
            async with session_factory(engine)() as session:
                return await load_register(session)
        finally:
            await engine.dispose()

    return asyncio.run(load())


def _csv_references(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row["reference"] for row in csv.DictReader(handle)]


def test_demo_on_an_empty_database_loads_every_row_of_the_file_it_writes(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every agreement in demo-register.csv is in the register afterwards, and it says what to try."""
    output = tmp_path / "demo-register.csv"
    assert main(["demo", "--db", db_url, "--today", TODAY, "-o", str(output)]) == 0
    printed = capsys.readouterr().out

    references = _csv_references(output)
    assert len(references) >= 60
    register = _register(db_url)
    assert sorted(a.reference for a in register) == sorted(references)
    assert {a.kind for a in register} == {"contract", "grant", "partnership"}
    assert WROTE.format(count=len(references), path=output) in printed
    assert f"{len(references)} created" in printed
    assert "commissioning-bot ask 'which grants expire this quarter?'" in printed
    assert TRY_NEXT in printed


def test_running_demo_twice_changes_nothing(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The second run re-imports the same rows: all unchanged, nothing duplicated."""
    output = tmp_path / "demo-register.csv"
    assert main(["demo", "--db", db_url, "--today", TODAY, "-o", str(output)]) == 0
    first = _register(db_url)
    capsys.readouterr()
    assert main(["demo", "--db", db_url, "--today", TODAY, "-o", str(output)]) == 0
    printed = capsys.readouterr().out
    assert f"0 created, 0 updated, {len(first)} unchanged" in printed
    assert _register(db_url) == first


def test_the_demo_answers_the_question_it_suggests(db_url: str, tmp_path: Path) -> None:
    """After `demo`, "which grants expire this quarter?" lists grants (run as a real subprocess)."""
    output = tmp_path / "demo-register.csv"
    assert main(["demo", "--db", db_url, "--today", TODAY, "-o", str(output)]) == 0
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--db", db_url, "--today", TODAY, "--json",
         "which grants expire this quarter?"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["understood"] is True and answer["count"] >= 3
    assert (answer["period"]["start"], answer["period"]["end"]) == ("2026-10-01", "2026-12-31")


def test_demo_into_a_folder_that_does_not_exist_says_what_to_do(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unwritable output file is a one-line message and a non-zero exit, and loads nothing."""
    output = tmp_path / "missing" / "demo.csv"
    assert main(["demo", "--db", db_url, "--today", TODAY, "-o", str(output)]) != 0
    error = capsys.readouterr().err
    assert "Cannot write the demo register to" in error and "-o FILE" in error
    assert "Traceback" not in error
    assert _register(db_url) == []


def test_demo_defaults_to_demo_register_csv_in_the_current_folder(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without -o the spreadsheet lands in ./demo-register.csv, next to where people ran it."""
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--db", db_url, "--today", TODAY]) == 0
    assert len(_csv_references(tmp_path / "demo-register.csv")) == len(_register(db_url))
