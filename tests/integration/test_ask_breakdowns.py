"""`ask` on an imported shire register: breakdowns in --json and as text, and single fields by name.

The register goes through the real `import` command (UK dates, `£` values, an extra "Contact
Phone" column the format does not have), so the fields asked for are those storage gives back.
"""

import json
import subprocess
import sys
from pathlib import Path

from bot.commands.cli import main

REGISTER_CSV = """Reference,Kind,Title,Provider,Funding Stream,Project Code,Value,Start Date,End Date,Extension Options,Extended To,Area,Category,Contact Name,Contact Email,Contact Phone,Signed,Status
GR-2024-015,grant,Domestic abuse outreach,Juniper Lodge,Ministry of Justice victims grant,LLR-DA-015,"£120,000",01/04/2024,31/03/2027,1+1,31/03/2028,Charnwood,domestic abuse,Ann Lee,ann.lee@juniper.example,0116 496 0000,both,active
GR-2024-016,partnership,Knife crime education,Charnwood Borough Council,Violence Reduction Network,LLR-VRN-016,60k,01/04/2024,01/04/2027,,,Charnwood,youth violence,Raj Patel,raj.patel@charnwood.example,,ours,active
GR-2024-017,partnership,Melton youth diversion,Melton Borough Council,Violence Reduction Network,LLR-VRN-017,40000,01/04/2024,31/03/2027,2,31/03/2029,Melton,youth violence,Jo Bell,jo.bell@melton.example,,both,active
LLR/CON/22/03,contract,Victim First,Catch22,Ministry of Justice victims grant,LLR-VF-22,£2m,01/04/2022,24/12/2026,1,,force-wide,victim and witness support,,enquiries@catch22.example,,ours,active
GR-2024-019,grant,Draft Charnwood hub,Juniper Lodge,Violence Reduction Network,,70000,01/04/2026,31/03/2027,,,Charnwood,domestic abuse,,,,none,draft
"""
TODAY = "2026-12-24"


def _ask(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--db", db_url, "--today", TODAY, *args],
        input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )


def _import(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(REGISTER_CSV, encoding="utf-8")
    assert main(["import", str(path), "--db", db_url, "--today", TODAY]) == 0


def test_ask_json_gives_the_groups_of_a_breakdown(db_url: str, tmp_path: Path) -> None:
    """"Total value per provider" and "how much do we fund in each district?": groups, largest first."""
    _import(db_url, tmp_path)
    result = _ask(db_url, "--json", stdin="total value per provider\nhow much do we fund in each district?\nspend by quarter\n")
    assert result.returncode == 0, result.stderr
    by_provider, by_area, refused = (json.loads(line) for line in result.stdout.splitlines())
    assert by_provider["group_by"] == "provider"
    assert [(g["name"], g["count"], g["total_value"]) for g in by_provider["groups"]] == [
        ("Catch22", 1, 2_000_000), ("Juniper Lodge", 1, 120_000), ("Charnwood Borough Council", 1, 60_000),
        ("Melton Borough Council", 1, 40_000),
    ]
    assert by_provider["count"] == 4 and by_provider["total_value"] == 2_220_000
    assert by_provider["references"] == [r for g in by_provider["groups"] for r in g["references"]]
    assert [g["name"] for g in by_area["groups"]] == ["force-wide", "Charnwood", "Melton"]
    assert by_area["groups"][1]["references"] == ["GR-2024-016", "GR-2024-015"]
    assert refused["understood"] is False and refused["groups"] == [] and refused["count"] == 0


def test_ask_prints_a_breakdown_as_a_table_with_the_total(db_url: str, tmp_path: Path) -> None:
    """In a terminal: one line per group with count and total, then the grand total."""
    _import(db_url, tmp_path)
    result = _ask(db_url, "total spend by funding stream")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "Read as: current (not ended by 24 Dec 2026), all kinds, by funding stream" in lines
    assert any(line.split("|")[0].strip() == "Ministry of Justice victims grant" and "£2,120,000" in line for line in lines)
    assert "4 found in 2 groups, total £2,220,000" in lines


def test_ask_answers_single_fields_from_the_imported_register(db_url: str, tmp_path: Path) -> None:
    """Project code, the extra phone column, extension options left and signed status, read back from storage."""
    _import(db_url, tmp_path)
    questions = [
        "project code for GR-2024-015",
        "what's the phone number for the domestic abuse outreach grant?",
        "how many extension options are left on the Victim First contract?",
        "is GR-2024-016 signed by both parties?",
        "what's the email address for the Victim First contract?",
    ]
    result = _ask(db_url, "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    code, phone, options, signed, email = (json.loads(line)["headline"] for line in result.stdout.splitlines())
    assert code.endswith("is LLR-DA-015.")
    assert "0116 496 0000" in phone
    assert "1 extension option left (1 year) of 1 year; it ends on 24 Dec 2026." in options
    assert "signed by us only" in signed
    assert "enquiries@catch22.example" in email and "shared mailbox" in email


def test_drafts_stay_out_of_an_imported_registers_data_quality_answer(db_url: str, tmp_path: Path) -> None:
    """The draft hub has no contact and no signatures, and still is not a data-quality problem."""
    _import(db_url, tmp_path)
    result = _ask(db_url, "--json", "data quality problems")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert "GR-2024-019" not in answer["references"]
    # no contract manager column: every active agreement lacks one; the draft is still left out
    assert answer["references"] == ["LLR/CON/22/03", "GR-2024-016", "GR-2024-015", "GR-2024-017"]
