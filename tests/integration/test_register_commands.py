"""`commissioning-bot import` and `export` as people run them: exit codes and what they print."""

from __future__ import annotations

import csv
import io
import json

from register_files_data import HEADER, ROWS, write_csv

from bot.commands.cli import main
from bot.commands.register_files import NOTHING_CHANGED, XLSX_NEEDS_FILE

TODAY = "2026-11-22"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_prints_a_summary_and_exits_0(db_url, tmp_path, capsys):
    """A good file: counts of created/updated/unchanged/flagged and data-quality problem counts."""
    code, out, err = run(capsys, "import", str(write_csv(tmp_path, [HEADER, *ROWS])), "--db", db_url, "--today", TODAY,
                         "--actor", "officer@opcc.example.gov.uk")
    assert code == 0, err
    assert "Imported register.csv: 3 rows: 3 created, 0 updated, 0 unchanged" in out
    assert "1  a generic contact email (generic_contact_email)" in out


def test_a_refused_import_names_every_bad_cell_on_stderr_and_exits_1(db_url, tmp_path, capsys):
    """Every bad cell is one line on stderr, then 'nothing was changed'; no traceback."""
    rows = [HEADER, *[list(row) for row in ROWS]]
    rows[1][HEADER.index("End date")] = "31/02/2026"
    rows[3][HEADER.index("Kind")] = "loan"
    code, out, err = run(capsys, "import", str(write_csv(tmp_path, rows)), "--db", db_url, "--today", TODAY)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0] == "Import refused: 2 cells cannot be read."
    assert "Row 2, column end_date: '31/02/2026' is not a date like 31/03/2027 or 2027-03-31" in lines
    assert "Row 4, column kind: 'loan' is not one of contract, grant, partnership" in lines
    assert lines[-1] == NOTHING_CHANGED
    assert "Traceback" not in err
    code, out, _ = run(capsys, "export", "--db", db_url)
    assert out.strip() == ",".join(["reference", "kind", "title", "provider", "provider_id", "funding_stream",
                                    "project_code", "value", "start_date", "award_date", "end_date",
                                    "extension_options", "extended_to", "area", "category", "contract_manager",
                                    "contact_name", "contact_email", "monitoring", "kpis", "signed", "status", "notes"])


def test_a_missing_or_unusable_file_gets_one_line_and_exit_1(db_url, tmp_path, capsys):
    """No such file, or a file that is not a register: a plain reason, exit 1, no traceback."""
    code, _, err = run(capsys, "import", str(tmp_path / "nowhere.csv"), "--db", db_url)
    assert code == 1
    assert "Cannot find" in err and "Traceback" not in err
    pdf = tmp_path / "register.pdf"
    pdf.write_bytes(b"%PDF")
    code, _, err = run(capsys, "import", str(pdf), "--db", db_url)
    assert code == 1
    assert "register.pdf is not a register file" in err and "Nothing was changed." in err


def test_export_writes_csv_to_standard_output(db_url, tmp_path, capsys):
    """`export` with no options prints CSV that reads back with the agreements imported."""
    run(capsys, "import", str(write_csv(tmp_path, [HEADER, *ROWS])), "--db", db_url, "--today", TODAY)
    code, out, _ = run(capsys, "export", "--db", db_url)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(row["reference"] for row in rows) == sorted(row[0] for row in ROWS)


def test_export_to_xlsx_and_csv_files_reimports_unchanged(db_url, tmp_path, capsys):
    """`-o x.xlsx` writes a workbook and `-o x.csv` a CSV; importing either changes nothing."""
    run(capsys, "import", str(write_csv(tmp_path, [HEADER, *ROWS])), "--db", db_url, "--today", TODAY)
    for name in ("out.xlsx", "out.csv"):
        code, _, err = run(capsys, "export", "--db", db_url, "-o", str(tmp_path / name))
        assert code == 0
        assert f"Wrote 3 agreements to {tmp_path / name}." in err
        code, out, _ = run(capsys, "import", str(tmp_path / name), "--db", db_url, "--today", TODAY)
        assert code == 0
        assert "0 created, 0 updated, 3 unchanged" in out


def test_export_360giving_prints_json_and_reports_gaps(db_url, tmp_path, capsys, monkeypatch):
    """`--format 360giving` prints the grants package; the funder comes from FUNDER_* settings."""
    monkeypatch.setenv("FUNDER_NAME", "OPCC for Leicestershire")
    monkeypatch.setenv("FUNDER_ID", "GB-GOR-PC123")
    monkeypatch.setenv("GRANT_ID_PREFIX", "360G-opccllr-")
    run(capsys, "import", str(write_csv(tmp_path, [HEADER, *ROWS])), "--db", db_url, "--today", TODAY)
    code, out, err = run(capsys, "export", "--db", db_url, "--format", "360giving")
    assert code == 0
    grants = json.loads(out)["grants"]
    assert [grant["id"] for grant in grants] == ["360G-opccllr-OPCC-2023-014"]
    assert grants[0]["fundingOrganization"] == [{"id": "GB-GOR-PC123", "name": "OPCC for Leicestershire"}]
    assert "1 grant written in the 360Giving Data Standard." in err


def test_xlsx_export_without_a_file_is_refused_politely(db_url, capsys):
    """A workbook cannot go to a terminal: say to use -o."""
    code, _, err = run(capsys, "export", "--db", db_url, "--format", "xlsx")
    assert code == 2
    assert XLSX_NEEDS_FILE in err


def test_export_to_an_unwritable_place_says_so(db_url, tmp_path, capsys):
    """A folder that does not exist: a plain message and a non-zero exit."""
    code, _, err = run(capsys, "export", "--db", db_url, "-o", str(tmp_path / "no" / "such" / "x.csv"))
    assert code == 1
    assert "Cannot write" in err and "Traceback" not in err
