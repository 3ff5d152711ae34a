"""`commissioning-bot ask` as scripts and acceptance checks use it: stdin, --json, --today, --db.

The register is imported with the real `import` command and the questions answered by a
real subprocess, on SQLite and PostgreSQL.
"""

import json
import subprocess
import sys
from pathlib import Path

from bot.commands.cli import main

REGISTER_CSV = """Reference,Kind,Title,Provider,Funding Stream,Value,Start Date,End Date,Extension Options,Extended To,Area,Category,Contact Name,Contact Email
OPCC-2023-014,grant,Sexual violence counselling,Rivermead Centre,Commissioner's Safety Fund,"£181,302",01/04/2023,31/03/2026,1+1,31/03/2027,Lambeth,sexual violence,Priya Shah,priya.shah@rivermead.example
OPCC-2024-001,grant,Youth outreach,Safer London,Violence Reduction Unit,125k,2024-04-01,2026-12-31,,,Southwark,youth violence,Sam Jones,sam@safer.example
OPCC-2024-002,contract,ISVA service,Rape Crisis South,Ministry of Justice victims grant,£1m,01/04/2024,15/10/2026,2,,pan-London,ISVA,Kim Lo,kim@rcs.example
OPCC-2024-003,grant,Hate crime reporting,Hope Trust,Core,10000,01/04/2024,30/11/2026,,,Croydon,hate crime,,
"""
QUESTIONS = [
    "which grants expire this quarter?",
    "how many contracts end this financial year?",
    "what is the total value of CSF grants?",
    "who is the contact for OPCC-2023-014?",
    "what is the weather like?",
]


def _ask(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--db", db_url, "--today", "2026-11-22", *args],
        input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )


def _import(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(REGISTER_CSV, encoding="utf-8")
    assert main(["import", str(path), "--db", db_url, "--today", "2026-11-22"]) == 0


def test_ask_json_answers_one_question_per_line(db_url: str, tmp_path: Path) -> None:
    """Each stdin line gets one JSON object with the promised fields, in order."""
    _import(db_url, tmp_path)
    result = _ask(db_url, "--json", stdin="\n".join(QUESTIONS) + "\n\n")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == QUESTIONS

    quarter, count, total, contact, weather = answers
    assert quarter["understood"] is True
    assert quarter["period"]["start"] == "2026-10-01" and quarter["period"]["end"] == "2026-12-31"
    assert quarter["references"] == ["OPCC-2024-003", "OPCC-2024-001"]
    assert quarter["count"] == 2 and quarter["total_value"] == 135000

    assert count["references"] == ["OPCC-2024-002"] and count["count"] == 1
    assert count["total_value"] == 1000000

    assert total["references"] == ["OPCC-2023-014"] and total["total_value"] == 181302

    assert contact["references"] == ["OPCC-2023-014"]
    assert "Priya Shah" in contact["headline"]

    assert weather["understood"] is False
    assert weather["references"] == [] and weather["count"] == 0 and weather["period"] is None


def test_ask_with_a_question_argument_prints_a_readable_answer(db_url: str, tmp_path: Path) -> None:
    """Without --json the answer reads as text: headline, interpretation, rows, total."""
    _import(db_url, tmp_path)
    result = _ask(db_url, "which grants expire this quarter?")
    assert result.returncode == 0, result.stderr
    assert "Q3 2026/27: 1 Oct – 31 Dec 2026, grants, current end date" in result.stdout
    assert "OPCC-2024-001 | Youth outreach | Safer London | 31 Dec 2026 | £125,000" in result.stdout


def test_ask_with_a_bad_today_says_what_to_type(db_url: str) -> None:
    """An impossible --today is refused with a message, not a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--db", db_url, "--today", "2026-02-30", "x"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert "--today must be a date like" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_keeps_the_conversation_between_lines_of_standard_input(db_url: str, tmp_path: Path) -> None:
    """Follow-up lines refine the line before; a complete question starts afresh, as in Teams."""
    _import(db_url, tmp_path)
    lines = [
        "what do we fund?",
        "only the grants",
        "over £100k",
        "who is the contact for the first one?",
        "which contracts end this financial year?",
        "and in Southwark?",
    ]
    result = _ask(db_url, "--json", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == lines
    everything, grants, big, contact, contracts, southwark = answers
    assert everything["references"] == ["OPCC-2024-003", "OPCC-2024-001", "OPCC-2023-014"]
    assert grants["references"] == ["OPCC-2024-003", "OPCC-2024-001", "OPCC-2023-014"]
    assert "now grants" in grants["interpretation"]
    assert big["references"] == ["OPCC-2024-001", "OPCC-2023-014"]
    assert big["interpretation"].endswith("as before; now value over £100,000")
    assert contact["references"] == ["OPCC-2024-001"] and "Sam Jones" in contact["headline"]
    assert contracts["references"] == ["OPCC-2024-002"] and "as before" not in contracts["interpretation"]
    assert southwark["references"] == [] and "contracts" in southwark["interpretation"]


def test_ask_with_one_question_has_no_earlier_answer_to_point_at(db_url: str, tmp_path: Path) -> None:
    """"the first one" on its own says there is nothing to pick from, in plain words."""
    _import(db_url, tmp_path)
    result = _ask(db_url, "the first one")
    assert result.returncode == 0, result.stderr
    assert "no earlier answer" in result.stdout
