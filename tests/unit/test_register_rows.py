"""Register rows: header names as people write them, every bad cell named, cells back out as text."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from domain.agreement import Agreement, Kpi
from domain.register_columns import (
    COLUMNS,
    BadCell,
    agreement_texts,
    escape_text,
    looks_like_header,
    map_headers,
    match_header,
    unescape_text,
)
from domain.register_rows import parse_rows, with_kept_lines

BASE_HEADER = ["reference", "kind", "title", "provider"]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("reference", "reference"),
        ("REFERENCE", "reference"),
        ("Contract Reference", "reference"),
        ("contract_reference", "reference"),
        ("Ref.", "reference"),
        ("Kind", "kind"),
        ("Type", "kind"),
        ("Title", "title"),
        ("Provider", "provider"),
        ("Supplier", "provider"),
        ("provider-id", "provider_id"),
        ("Org ID", "provider_id"),
        ("Funding Stream", "funding_stream"),
        ("Project Code", "project_code"),
        ("Value (£)", "value"),
        ("Total value", "value"),
        ("Start Date", "start_date"),
        ("start_date", "start_date"),
        ("Award date", "award_date"),
        ("End date", "end_date"),
        ("Extension options", "extension_options"),
        ("Extended to", "extended_to"),
        ("Current end date", "extended_to"),
        ("Borough", "area"),
        ("Service category", "category"),
        ("Contract Manager", "contract_manager"),
        ("Provider contact name", "contact_name"),
        ("Provider contact email", "contact_email"),
        ("Contact e-mail", "contact_email"),
        ("Monitoring frequency", "monitoring"),
        ("KPIs", "kpis"),
        ("Signed?", "signed"),
        ("Status", "status"),
        ("Notes", "notes"),
        ("Legacy ID", None),
        ("", None),
        (None, None),
    ],
)
def test_headers_match_case_spaces_underscores_and_punctuation_aside(header, column):
    """Headers match whatever case, spacing and punctuation the spreadsheet uses."""
    assert match_header(header) == column


def test_a_columns_own_name_beats_an_alias_which_is_an_unknown_column():
    """`Value` and `Amount` together: Value is the value, Amount is unknown (kept in notes)."""
    mapping = map_headers([*BASE_HEADER, "Amount", "Value"])
    assert mapping.columns[5] == "value"
    assert mapping.unknown == {4: "Amount"}
    assert mapping.bad_cells == []


def test_missing_required_columns_are_each_reported_on_row_1():
    """A header row without kind and provider names both missing columns."""
    mapping = map_headers(["Reference", "Title", "Value"])
    assert [(cell.row, cell.column) for cell in mapping.bad_cells] == [(1, "kind"), (1, "provider")]


def test_the_same_column_twice_is_refused():
    """Two end date columns are ambiguous, so the header cell is reported."""
    mapping = map_headers([*BASE_HEADER, "End date", "end_date"])
    assert [(cell.row, cell.column) for cell in mapping.bad_cells] == [(1, "end_date")]
    assert "column 5" in mapping.bad_cells[0].expected


def test_a_title_row_is_not_mistaken_for_the_header():
    """Only rows naming at least two required columns look like a header."""
    assert not looks_like_header(["OPCC contracts register 2026", None, None])
    assert looks_like_header(["Ref", "Type", "Contract title", "Supplier"])


def _parse(*rows: list[object], header: list[object] | None = None):
    return parse_rows(header or BASE_HEADER_FULL, [(number, row) for number, row in enumerate(rows, start=2)])


BASE_HEADER_FULL = [*BASE_HEADER, "value", "start_date", "end_date", "extension_options", "extended_to",
                    "kpis", "signed", "status", "monitoring", "contact_email", "Legacy ID"]


def _row(**cells: object) -> list[object]:
    values = {"reference": "R-1", "kind": "grant", "title": "T", "provider": "P"} | cells
    return [values.get(name, "") for name in ["reference", "kind", "title", "provider", "value", "start_date",
                                               "end_date", "extension_options", "extended_to", "kpis", "signed",
                                               "status", "monitoring", "contact_email", "Legacy ID"]]


@pytest.mark.parametrize(
    ("cells", "field", "expected"),
    [
        ({"value": "£125,000.00"}, "value", Decimal("125000.00")),
        ({"value": "125k"}, "value", Decimal("125000.00")),
        ({"value": 99.5}, "value", Decimal("99.50")),
        ({"value": 125000}, "value", Decimal("125000.00")),
        ({"value": ""}, "value", None),
        ({"start_date": "01/04/2024"}, "start_date", date(2024, 4, 1)),
        ({"start_date": "2024-04-01"}, "start_date", date(2024, 4, 1)),
        ({"start_date": datetime(2024, 4, 1)}, "start_date", date(2024, 4, 1)),
        ({"start_date": date(2024, 4, 1)}, "start_date", date(2024, 4, 1)),
        ({"end_date": "29/02/2028"}, "end_date", date(2028, 2, 29)),
        ({"extension_options": "1+1"}, "extension_options", (1, 1)),
        ({"extension_options": 2.0}, "extension_options", (2,)),
        ({"extension_options": ""}, "extension_options", ()),
        ({"kpis": "referrals=120; sessions=300"}, "kpis", (Kpi("referrals", Decimal(120)), Kpi("sessions", Decimal(300)))),
        ({"signed": "Both parties"}, "signed", "both"),
        ({"signed": "ours only"}, "signed", "ours"),
        ({"signed": ""}, "signed", ""),
        ({"status": ""}, "status", "active"),
        ({"status": "Terminated"}, "status", "terminated"),
        ({"monitoring": ""}, "monitoring", "quarterly"),
        ({"monitoring": "six-monthly"}, "monitoring", "biannual"),
        ({"kind": "Grants"}, "kind", "grant"),
        ({"provider": "  Safer   London "}, "provider", "Safer London"),
        ({"reference": 12345.0}, "reference", "12345"),
        ({"contact_email": "'=cmd"}, "contact_email", "=cmd"),
    ],
)
def test_cells_are_read_into_agreement_values(cells, field, expected):
    """Each accepted form of a cell becomes the value the agreement holds."""
    parsed = _parse(_row(**cells))
    assert parsed.bad_cells == ()
    assert getattr(parsed.agreements[0], field) == expected


@pytest.mark.parametrize(
    ("cells", "column", "value", "expected_words"),
    [
        ({"end_date": "31/02/2026"}, "end_date", "31/02/2026", "a date like 31/03/2027"),
        ({"start_date": "next April"}, "start_date", "next April", "a date like"),
        ({"extended_to": "2027-13-01"}, "extended_to", "2027-13-01", "a date like"),
        ({"value": "about 5k"}, "value", "about 5k", "an amount of money"),
        ({"value": "-500"}, "value", "-500", "an amount of money"),
        ({"value": "5000000000000"}, "value", "5000000000000", "under £1,000bn"),
        ({"kind": "loan"}, "kind", "loan", "one of contract, grant, partnership"),
        ({"kind": ""}, "kind", "", "a kind"),
        ({"title": ""}, "title", "", "a title"),
        ({"reference": ""}, "reference", "", "a reference"),
        ({"extension_options": "one year"}, "extension_options", "one year", "extension options in years"),
        ({"kpis": "referrals lots"}, "kpis", "referrals lots", "KPI targets"),
        ({"signed": "maybe"}, "signed", "maybe", "one of both, ours, none"),
        ({"status": "paused"}, "status", "paused", "one of active, draft, terminated"),
        ({"monitoring": "weekly"}, "monitoring", "weekly", "one of quarterly"),
        ({"reference": "R" * 101}, "reference", "R" * 101, "at most 100 characters"),
    ],
)
def test_every_unreadable_cell_is_reported_with_row_column_value_and_what_was_expected(cells, column, value, expected_words):
    """A bad cell names its spreadsheet row, column, the value and what would have been accepted."""
    parsed = _parse(_row(), _row(**({"reference": "R-2"} | cells)))
    assert len(parsed.bad_cells) == 1
    bad = parsed.bad_cells[0]
    assert (bad.row, bad.column, bad.value) == (3, column, value)
    assert expected_words in bad.expected
    assert [a.reference for a in parsed.agreements] == ["R-1"]


def test_all_bad_cells_in_a_row_and_across_rows_are_collected():
    """Several bad cells are all reported, not just the first."""
    parsed = _parse(_row(end_date="31/02/2026", value="lots"), _row(reference="R-2"), _row(reference="R-3", kind="loan"))
    assert [(c.row, c.column) for c in parsed.bad_cells] == [(2, "value"), (2, "end_date"), (4, "kind")]


def test_duplicate_references_name_both_rows_ignoring_case():
    """A reference used twice is reported on the later row, naming the earlier one."""
    parsed = _parse(_row(reference="OPCC-1"), _row(reference="opcc-2"), _row(reference="opcc-1"))
    assert parsed.bad_cells == (BadCell(4, "reference", "opcc-1", "a unique reference (row 2 has it too)"),)


def test_empty_rows_are_skipped_and_do_not_shift_row_numbers():
    """Blank rows between agreements are ignored; later rows keep their spreadsheet numbers."""
    rows = [(2, _row()), (3, ["", None, "  "]), (4, _row(reference="R-2", end_date="nonsense"))]
    parsed = parse_rows(BASE_HEADER_FULL, rows)
    assert parsed.rows == 2
    assert [(c.row, c.column) for c in parsed.bad_cells] == [(4, "end_date")]


def test_unknown_columns_are_kept_in_notes_as_header_and_value_lines():
    """A column the register format does not know becomes a `Header: value` line after the notes."""
    header = [*BASE_HEADER, "Legacy ID", "notes", "Old system", "Blank"]
    parsed = _parse(["R-1", "grant", "T", "P", 123, "Renewed after review", "'=CODE", ""], header=header)
    agreement = parsed.agreements[0]
    assert agreement.notes == "Renewed after review\nLegacy ID: 123\nOld system: =CODE"
    assert agreement.extra == ()


def test_unknown_columns_make_the_notes_when_the_notes_cell_is_empty_or_absent():
    """No notes text of its own: the notes are just the kept lines, in column order."""
    with_notes = _parse(["R-1", "grant", "T", "P", "", "L-1", "x"], header=[*BASE_HEADER, "Notes", "Legacy ID", "Zone"])
    without = _parse(["R-1", "grant", "T", "P", "L-1", "x"], header=[*BASE_HEADER, "Legacy ID", "Zone"])
    assert with_notes.agreements[0].notes == without.agreements[0].notes == "Legacy ID: L-1\nZone: x"


def test_a_kept_line_already_in_the_notes_is_not_appended_again():
    """An exported notes cell already ending `Legacy ID: 123`, with that column too: no duplicate."""
    header = [*BASE_HEADER, "notes", "Legacy ID"]
    parsed = _parse(["R-1", "grant", "T", "P", "Renewed\nLegacy ID: 123", "123"], header=header)
    assert parsed.agreements[0].notes == "Renewed\nLegacy ID: 123"


@pytest.mark.parametrize(
    ("notes", "lines", "expected"),
    [
        ("", ["A: 1"], "A: 1"),
        ("Own", ["A: 1", "B: 2"], "Own\nA: 1\nB: 2"),
        ("Own\nA: 1", ["A: 1", "B: 2"], "Own\nA: 1\nB: 2"),
        ("Own\nA: 1\nB: 2", ["A: 1", "B: 2"], "Own\nA: 1\nB: 2"),
        ("Own\nA: 10", ["A: 1"], "Own\nA: 10\nA: 1"),
        ("Own", ["A: two\nlines"], "Own\nA: two\nlines"),
        ("Own\nA: two\nlines", ["A: two\nlines"], "Own\nA: two\nlines"),
        ("Own", [], "Own"),
    ],
)
def test_kept_lines_are_appended_once(notes, lines, expected):
    """Each line is appended unless the notes already hold it as whole lines; appending twice changes nothing."""
    assert with_kept_lines(notes, lines) == expected
    assert with_kept_lines(expected, lines) == expected


def test_a_bad_cell_reads_as_one_plain_sentence():
    """The report line names row, column, the value and what was expected."""
    assert BadCell(7, "end_date", "31/02/2026", "a date like 31/03/2027 or 2027-03-31").describe() == (
        "Row 7, column end_date: '31/02/2026' is not a date like 31/03/2027 or 2027-03-31"
    )
    assert BadCell(3, "title", "", "a title (every row needs one)").describe() == (
        "Row 3, column title: empty, but it needs a title (every row needs one)"
    )


def test_agreements_come_back_out_as_import_text():
    """Export text: ISO dates, plain money, 1+1, `a=1; b=2`, and only the register-format columns."""
    agreement = Agreement(
        reference="R-1", kind="grant", title="T", provider="P", value=Decimal("125000.00"),
        start_date=date(2024, 4, 1), extension_options=(1, 1),
        kpis=(Kpi("referrals", Decimal("120")), Kpi("rate", Decimal("0.50"))), notes="Legacy ID: L-1",
        extra=(("Old extra", "x"),),
    )
    texts = agreement_texts(agreement)
    assert list(texts) == list(COLUMNS)
    assert texts["value"] == "125000"
    assert texts["start_date"] == "2024-04-01"
    assert texts["end_date"] == ""
    assert texts["extension_options"] == "1+1"
    assert texts["kpis"] == "referrals=120; rate=0.5"
    assert texts["notes"] == "Legacy ID: L-1"
    assert agreement_texts(Agreement("R", "grant", "T", "P", value=Decimal("99.50")))["value"] == "99.50"


@pytest.mark.parametrize("text", ["=HYPERLINK(\"x\")", "+44 20 7946 0000", "-", "@risk", "plain", "'quoted"])
def test_formula_guard_round_trips(text):
    """Text a spreadsheet would run as a formula is guarded on export and restored on import."""
    assert unescape_text(escape_text(text)) == text
    if text[0] in "=+-@":
        assert escape_text(text).startswith("'")
