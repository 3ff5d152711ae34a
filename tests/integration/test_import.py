"""Register import on SQLite and PostgreSQL: all or nothing, upsert by reference, every change audited."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from register_files_data import ACTOR, HEADER, ROWS, TODAY, dump, write_csv, write_xlsx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.agreements import load_register
from storage.db import session_factory
from storage.models import AuditEntry, ImportBatch, Provider
from storage.register_import import ImportRefused, import_register


async def register(engine: AsyncEngine):
    async with session_factory(engine)() as session:
        return {a.reference: a for a in await load_register(session)}


async def audit(engine: AsyncEngine) -> list[tuple[str, str, str, str, str]]:
    async with session_factory(engine)() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.reference, e.field, e.old_value, e.new_value) for e in rows]


async def loaded(engine: AsyncEngine, tmp_path: Path):
    """The three-row sample register imported once."""
    await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS], name="first.csv"), today=TODAY, actor=ACTOR)


def with_cell(row_index: int, column: str, value: object) -> list[list[object]]:
    rows = [list(row) for row in ROWS]
    rows[row_index][HEADER.index(column)] = value
    return [HEADER, *rows]


async def test_a_good_csv_creates_every_agreement_with_its_values(engine, tmp_path):
    """Header aliases, UK and ISO dates, £ and 15m money, unknown columns in notes: all land in the register."""
    summary = await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS]), today=TODAY, actor=ACTOR)
    assert (summary.rows, summary.created, summary.updated, summary.unchanged, summary.flagged_missing) == (3, 3, 0, 0, 0)
    agreements = await register(engine)
    isva = agreements["OPCC-2023-014"]
    assert isva.value == Decimal("125000.00")
    assert isva.start_date == date(2024, 4, 1)
    assert isva.current_end_date == date(2027, 3, 31)
    assert isva.extension_options_left == (1,)
    assert [(k.name, k.target) for k in isva.kpis] == [("referrals", Decimal(120)), ("sessions", Decimal(300))]
    assert isva.notes == "Renewed after review\nLegacy ID: L-77"
    assert isva.extra == ()
    assert isva.first_imported == TODAY
    assert agreements["OPCC-2024-002"].value == Decimal("15000000.00")
    assert agreements["OPCC-2022-100"].status == "terminated"


async def test_the_summary_counts_data_quality_problems(engine, tmp_path):
    """Gaps import fine and are counted: a generic info@ contact, unsigned, no project code."""
    summary = await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS]), today=TODAY)
    assert summary.problems["generic_contact_email"] == ("OPCC-2024-002",)
    assert summary.problems["unsigned"] == ("OPCC-2024-002",)
    assert summary.problems["missing_project_code"] == ("OPCC-2022-100",)
    assert "expired_but_active" not in summary.problems  # the ended one is terminated


async def test_an_import_records_its_batch(engine, tmp_path):
    """Each import is recorded with its file's SHA-256, who ran it and its counts."""
    summary = await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS]), today=TODAY, actor=ACTOR)
    async with session_factory(engine)() as session:
        batch = await session.get(ImportBatch, summary.batch_id)
    assert batch is not None
    assert (batch.filename, batch.actor, batch.rows, batch.created) == ("register.csv", ACTOR, 3, 3)
    assert len(batch.sha256) == 64


BAD_INPUTS = [
    pytest.param(with_cell(0, "End date", "31/02/2026"), [(2, "end_date", "31/02/2026", "a date like")], id="impossible-date"),
    pytest.param(with_cell(1, "Value (£)", "about a million"), [(3, "value", "about a million", "an amount of money")], id="not-money"),
    pytest.param(with_cell(2, "Kind", "loan"), [(4, "kind", "loan", "one of contract, grant, partnership")], id="unknown-kind"),
    pytest.param(with_cell(2, "Contract Reference", "OPCC-2023-014"), [(4, "reference", "OPCC-2023-014", "row 2 has it too")], id="duplicate-reference"),
    pytest.param(with_cell(1, "Title", ""), [(3, "title", "", "a title")], id="missing-title"),
]


@pytest.mark.parametrize(("rows", "expected"), BAD_INPUTS)
async def test_a_bad_cell_refuses_the_whole_import_and_changes_nothing(engine, tmp_path, rows, expected):
    """The report names row, column, value and what was expected; the database is exactly as before."""
    await loaded(engine, tmp_path)
    changed = [row if row is HEADER else [*row[:-1], "changed"] for row in rows]  # good rows would update too
    before = await dump(engine)
    with pytest.raises(ImportRefused) as refused:
        await import_register(engine, write_csv(tmp_path, changed), today=TODAY, actor=ACTOR)
    got = [(c.row, c.column, c.value) for c in refused.value.bad_cells]
    assert got == [(row, column, value) for row, column, value, _ in expected]
    for cell, (_, _, _, words) in zip(refused.value.bad_cells, expected, strict=True):
        assert words in cell.expected
    assert await dump(engine) == before


async def test_every_bad_cell_in_the_file_is_reported_at_once(engine, tmp_path):
    """Three bad cells in different rows: all three are in one report, in row order."""
    rows = with_cell(0, "End date", "31/02/2026")
    rows[2][HEADER.index("Value (£)")] = "lots"
    rows[3][HEADER.index("Kind")] = "loan"
    with pytest.raises(ImportRefused) as refused:
        await import_register(engine, write_csv(tmp_path, rows), today=TODAY)
    assert [(c.row, c.column) for c in refused.value.bad_cells] == [(2, "end_date"), (3, "value"), (4, "kind")]
    report = refused.value.report()
    assert "Row 2, column end_date: '31/02/2026' is not a date like 31/03/2027 or 2027-03-31" in report
    assert len(report.splitlines()) == 3


def _empty(folder: Path) -> Path:
    path = folder / "register.csv"
    path.write_bytes(b"")
    return path


def _header_only(folder: Path) -> Path:
    return write_csv(folder, [HEADER, [""] * len(HEADER)])


def _corrupt_xlsx(folder: Path) -> Path:
    path = folder / "register.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook" * 20)
    return path


def _corrupt_big_xlsx(folder: Path) -> Path:
    import storage.register_sheets as sheets

    path = folder / "big.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * (sheets.STREAM_ABOVE_BYTES + 1))
    return path


def _zip_not_workbook(folder: Path) -> Path:
    path = folder / "register.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a spreadsheet")
    return path


def _wrong_extension(folder: Path) -> Path:
    path = folder / "register.pdf"
    path.write_bytes(b"%PDF-1.4")
    return path


def _not_utf8(folder: Path) -> Path:
    path = folder / "register.csv"
    path.write_bytes("reference,kind,title,provider\nR-1,grant,Caf\u00e9 project,P\n".encode("cp1252"))
    return path


def _missing_columns(folder: Path) -> Path:
    return write_csv(folder, [["Reference", "Title"], ["R-1", "T"]])


def _missing_file(folder: Path) -> Path:
    return folder / "nowhere.csv"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(_empty, "is empty", id="empty-file"),
        pytest.param(_header_only, "has a header row but no agreements", id="header-only"),
        pytest.param(_corrupt_xlsx, "cannot be opened as a spreadsheet", id="corrupt-xlsx"),
        pytest.param(_corrupt_big_xlsx, "cannot be opened as a spreadsheet", id="corrupt-streamed-xlsx"),
        pytest.param(_zip_not_workbook, "cannot be opened as a spreadsheet", id="zip-not-workbook"),
        pytest.param(_wrong_extension, "is not a register file", id="wrong-extension"),
        pytest.param(_not_utf8, "is not UTF-8", id="not-utf8"),
        pytest.param(_missing_file, "Cannot find", id="missing-file"),
    ],
)
async def test_an_unusable_file_is_refused_with_one_reason_and_changes_nothing(engine, tmp_path, make, words):
    """Empty, header-only, corrupt, wrong type or not UTF-8: one clear reason, database untouched."""
    await loaded(engine, tmp_path)
    before = await dump(engine)
    with pytest.raises(ImportRefused) as refused:
        await import_register(engine, make(tmp_path), today=TODAY)
    assert words in refused.value.reason
    assert refused.value.bad_cells == []
    assert await dump(engine) == before


async def test_missing_required_columns_are_named(engine, tmp_path):
    """A header without kind and provider reports both columns on row 1."""
    with pytest.raises(ImportRefused) as refused:
        await import_register(engine, _missing_columns(tmp_path), today=TODAY)
    assert [(c.row, c.column) for c in refused.value.bad_cells] == [(1, "kind"), (1, "provider")]


async def test_a_file_with_too_many_rows_is_refused(engine, tmp_path, monkeypatch):
    """Absurdly long files are refused with a clear message rather than filling memory."""
    import storage.register_sheets as sheets

    monkeypatch.setattr(sheets, "MAX_ROWS", 2)
    with pytest.raises(ImportRefused) as refused:
        await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS]), today=TODAY)
    assert "more than 100,000 rows" in refused.value.reason


async def test_a_file_over_50_mb_is_refused_before_it_is_read(engine, tmp_path, monkeypatch):
    """Absurdly large files are refused by size, with the limit in the message."""
    import storage.register_sheets as sheets

    monkeypatch.setattr(sheets, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportRefused) as refused:
        await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS]), today=TODAY)
    assert "larger than the 50 MB a register can be" in refused.value.reason


async def test_changed_fields_each_get_one_audit_entry(engine, tmp_path):
    """Re-importing with two changed cells writes two import_update entries with old and new text."""
    await loaded(engine, tmp_path)
    rows = with_cell(0, "Extended to", "31/03/2028")
    rows[2][HEADER.index("Provider contact email")] = "lee.grant@victimsupport.org.uk"
    summary = await import_register(engine, write_csv(tmp_path, rows, name="second.csv"), today=TODAY, actor=ACTOR)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 1)
    entries = (await audit(engine))[3:]
    assert entries == [
        ("import_update", "OPCC-2023-014", "extended_to", "2027-03-31", "2028-03-31"),
        ("import_update", "OPCC-2024-002", "contact_email", "info@victimsupport.org.uk", "lee.grant@victimsupport.org.uk"),
    ]
    agreements = await register(engine)
    assert agreements["OPCC-2023-014"].current_end_date == date(2028, 3, 31)
    assert agreements["OPCC-2024-002"].contact_email == "lee.grant@victimsupport.org.uk"
    assert agreements["OPCC-2023-014"].first_imported == TODAY


async def test_created_rows_are_audited_with_the_actor_and_batch(engine, tmp_path):
    """Each created agreement has one import_create entry naming who imported it."""
    summary = await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS]), today=TODAY, actor=ACTOR)
    async with session_factory(engine)() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.action, e.reference) for e in entries] == [("import_create", row[0]) for row in ROWS]
    assert {(e.actor, e.batch_id) for e in entries} == {(ACTOR, summary.batch_id)}


async def test_reimporting_the_same_file_changes_nothing(engine, tmp_path):
    """Same file again: all unchanged, no new audit entries."""
    path = write_csv(tmp_path, [HEADER, *ROWS])
    await import_register(engine, path, today=TODAY)
    before = await audit(engine)
    summary = await import_register(engine, path, today=date(2026, 12, 1))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 3)
    assert await audit(engine) == before
    assert (await register(engine))["OPCC-2023-014"].first_imported == TODAY


async def test_rows_missing_from_a_later_import_are_flagged_never_deleted(engine, tmp_path):
    """A row left out is kept and flagged; when it comes back the flag is cleared. Both are audited."""
    await loaded(engine, tmp_path)
    summary = await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS[:2]], name="two.csv"), today=TODAY)
    assert summary.flagged_missing == 1
    assert summary.problems["missing_from_last_import"] == ("OPCC-2022-100",)
    agreements = await register(engine)
    assert agreements["OPCC-2022-100"].missing_from_last_import is True
    assert agreements["OPCC-2023-014"].missing_from_last_import is False

    summary = await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS], name="three.csv"), today=TODAY)
    assert (summary.updated, summary.flagged_missing) == (1, 0)
    assert (await register(engine))["OPCC-2022-100"].missing_from_last_import is False
    assert (await audit(engine))[3:] == [
        ("import_flag_missing", "OPCC-2022-100", "missing_from_last_import", "no", "yes"),
        ("import_reappeared", "OPCC-2022-100", "missing_from_last_import", "yes", "no"),
    ]


async def test_a_file_without_a_column_leaves_that_column_alone(engine, tmp_path):
    """A file with only some columns updates those and keeps the register's other values."""
    await loaded(engine, tmp_path)
    rows = [["reference", "kind", "title", "provider", "value"],
            *[[row[0], row[1], row[2], row[3], row[7]] for row in ROWS]]
    rows[1][4] = "130000"
    summary = await import_register(engine, write_csv(tmp_path, rows, name="partial.csv"), today=TODAY)
    assert (summary.updated, summary.unchanged) == (1, 2)
    isva = (await register(engine))["OPCC-2023-014"]
    assert isva.value == Decimal("130000.00")
    assert isva.end_date == date(2026, 3, 31)
    assert isva.notes == "Renewed after review\nLegacy ID: L-77"


async def test_an_unknown_column_is_kept_in_the_notes(engine, tmp_path):
    """A `Legacy ID` column: its value is a `Legacy ID: 123` line after the row's notes, nothing else kept."""
    rows = [["Reference", "Kind", "Title", "Provider", "Notes", "Legacy ID", "Old RAG"],
            ["R-1", "grant", "Outreach", "Safer London", "Agreed at board", "123", ""],
            ["R-2", "grant", "Refuge", "Refuge", "", "456", "amber"]]
    await import_register(engine, write_csv(tmp_path, rows), today=TODAY)
    agreements = await register(engine)
    assert agreements["R-1"].notes == "Agreed at board\nLegacy ID: 123"
    assert agreements["R-2"].notes == "Legacy ID: 456\nOld RAG: amber"
    assert agreements["R-1"].extra == agreements["R-2"].extra == ()


async def test_a_notes_cell_already_holding_the_kept_line_is_not_appended_to_again(engine, tmp_path):
    """Notes ending `Legacy ID: 123` and the Legacy ID column too: imported once, re-imports change nothing."""
    first = [["reference", "kind", "title", "provider", "notes", "Legacy ID"],
             ["R-1", "grant", "Outreach", "Safer London", "Agreed at board", "123"]]
    await import_register(engine, write_csv(tmp_path, first, name="first.csv"), today=TODAY)
    entries = await audit(engine)
    second = [first[0], ["R-1", "grant", "Outreach", "Safer London", "Agreed at board\nLegacy ID: 123", "123"]]
    summary = await import_register(engine, write_csv(tmp_path, second, name="second.csv"), today=TODAY)
    assert (summary.updated, summary.unchanged) == (0, 1)
    assert await audit(engine) == entries
    assert (await register(engine))["R-1"].notes == "Agreed at board\nLegacy ID: 123"


async def test_a_file_without_a_notes_column_appends_its_unknown_columns_to_the_notes_once(engine, tmp_path):
    """No notes column: the register's notes are kept and the Legacy ID line added; the same file again changes nothing."""
    await loaded(engine, tmp_path)
    rows = [["reference", "kind", "title", "provider", "Legacy ID", "Board"],
            *[[*row[:4], row[-1], ""] for row in ROWS]]
    rows[2][5] = "March 2024"
    path = write_csv(tmp_path, rows, name="no-notes.csv")
    summary = await import_register(engine, path, today=TODAY)
    assert (summary.updated, summary.unchanged) == (1, 2)
    agreements = await register(engine)
    assert agreements["OPCC-2023-014"].notes == "Renewed after review\nLegacy ID: L-77"
    assert agreements["OPCC-2024-002"].notes == "Board: March 2024"
    entries = await audit(engine)
    summary = await import_register(engine, path, today=TODAY)
    assert (summary.updated, summary.unchanged) == (0, 3)
    assert await audit(engine) == entries


async def test_providers_are_found_by_name_with_spacing_normalised(engine, tmp_path):
    """`Safer  London` and `Safer London` are one provider; its org identifier is kept."""
    rows = [HEADER, ROWS[0], [*ROWS[1][:3], "Safer  London", *ROWS[1][4:]]]
    await import_register(engine, write_csv(tmp_path, rows), today=TODAY)
    async with session_factory(engine)() as session:
        providers = [(p.name, p.org_id) for p in await session.scalars(select(Provider))]
    assert providers == [("Safer London", "GB-CHC-1129872")]


@pytest.mark.parametrize("streamed", [False, True], ids=["calamine", "streamed"])
async def test_xlsx_register_sheet_with_a_title_row_and_date_cells(engine, tmp_path, monkeypatch, streamed):
    """XLSX: the Register sheet is used, a title above the header is skipped, row numbers match Excel.

    Large workbooks are streamed by another reader; both must number rows and read cells alike.
    """
    import storage.register_sheets as sheets

    if streamed:
        monkeypatch.setattr(sheets, "STREAM_ABOVE_BYTES", 0)
    rows = [["OPCC commissioning register"], [], [*HEADER], *[list(row) for row in ROWS]]
    rows[3][HEADER.index("Start date")] = date(2024, 4, 1)
    rows[4][HEADER.index("Value (£)")] = 15_000_000
    rows[5][HEADER.index("End date")] = "31/02/2025"
    path = write_xlsx(tmp_path, rows, other_sheet_first=True, first_row=1)
    with pytest.raises(ImportRefused) as refused:
        await import_register(engine, path, today=TODAY)
    assert [(c.row, c.column, c.value) for c in refused.value.bad_cells] == [(6, "end_date", "31/02/2025")]
    rows[5][HEADER.index("End date")] = "31/03/2025"
    summary = await import_register(engine, write_xlsx(tmp_path, rows, other_sheet_first=True), today=TODAY)
    assert summary.created == 3
    agreements = await register(engine)
    assert agreements["OPCC-2023-014"].start_date == date(2024, 4, 1)
    assert agreements["OPCC-2024-002"].value == Decimal("15000000.00")


@pytest.mark.parametrize(("delimiter", "bom"), [(";", False), ("\t", False), (",", True), (";", True)])
async def test_csv_delimiters_and_byte_order_marks_are_recognised(engine, tmp_path, delimiter, bom):
    """Semicolon and tab CSVs (European Excel) and UTF-8 with a BOM all import the same."""
    path = write_csv(tmp_path, [HEADER, *ROWS], delimiter=delimiter, bom=bom)
    summary = await import_register(engine, path, today=TODAY)
    assert summary.created == 3
    assert (await register(engine))["OPCC-2023-014"].title == "Independent Sexual Violence Advisers"


async def test_csv_row_numbers_match_the_spreadsheet_with_line_breaks_and_blank_rows(engine, tmp_path):
    """A cell with a line break is still one row and a blank row still counts, as in Excel."""
    rows = [HEADER, [*ROWS[0][:-2], "first line\nsecond line", ROWS[0][-1]], [""] * len(HEADER), list(ROWS[1])]
    rows[3][HEADER.index("End date")] = "32/01/2029"
    with pytest.raises(ImportRefused) as refused:
        await import_register(engine, write_csv(tmp_path, rows), today=TODAY)
    assert [(c.row, c.column) for c in refused.value.bad_cells] == [(4, "end_date")]
