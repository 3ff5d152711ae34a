"""Reading register files (CSV or XLSX) into a header row and numbered data rows.

Teams keep their register in Excel and save it as whatever Excel offers: `.xlsx`, UTF-8 CSV
with a byte-order mark, semicolon-separated CSV from a European locale. This module hides
those differences and numbers rows exactly as the spreadsheet shows them, so an import
report's "row 7" is the row the person sees. XLSX is read with python-calamine (Rust), which
is about fifteen times faster than openpyxl's reader on large registers.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from domain.register_columns import BadCell, is_empty_row, looks_like_header

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
REGISTER_SHEET = "Register"
# XLSX files larger than this (about 30,000 rows) are streamed to keep memory flat.
STREAM_ABOVE_BYTES = 4 * 1024 * 1024
STREAMABLE_SUFFIXES = (".xlsx", ".xlsm")
# How far down to look for the header row when a title sits above it.
HEADER_SEARCH_ROWS = 10

NOT_FOUND = "Cannot find {path}: check the file name and try again."
NOT_A_FILE = "{path} is a folder, not a register file: give the path of a .csv or .xlsx file."
UNREADABLE = "Cannot read {path}: {reason}."
WRONG_EXTENSION = "{name} is not a register file: save the register as .csv (UTF-8) or .xlsx and import that."
TOO_BIG = "{name} is {size_mb:.0f} MB, larger than the 50 MB a register can be: check it is the right file."
TOO_MANY_ROWS = "{name} has more than 100,000 rows, more than a register can hold: check it is the right file."
EMPTY_FILE = "{name} is empty: there is no header row and no agreements to import."
HEADER_ONLY = "{name} has a header row but no agreements: add one row per agreement below the header."
NOT_UTF8 = (
    "{name} is not UTF-8 text (byte {position} cannot be read): in Excel use Save As → "
    "'CSV UTF-8 (Comma delimited)', or save it as .xlsx, and import again."
)
CORRUPT_WORKBOOK = "{name} cannot be opened as a spreadsheet ({reason}): open it in Excel, save it again as .xlsx and import that."
NOT_CSV = "{name} cannot be read as CSV ({reason}): check it is a plain CSV file saved from Excel."


class FileRefused(Exception):
    """The whole file cannot be used; the message says why and what to do."""


class ImportRefused(Exception):
    """An import that changed nothing: every bad cell, or the one reason the file was refused."""

    def __init__(self, bad_cells: Sequence[BadCell] = (), reason: str = "") -> None:
        self.bad_cells = list(bad_cells)
        self.reason = reason
        super().__init__(self.report())

    def report(self) -> str:
        """One line per bad cell (or the reason), ready to print for people."""
        if self.reason:
            return self.reason
        return "\n".join(cell.describe() for cell in self.bad_cells)


@dataclass(frozen=True)
class Sheet:
    """A register table: its header cells and (spreadsheet row number, cells) for each row after."""

    name: str
    header: list[object]
    header_row: int
    rows: Iterator[tuple[int, list[object]]]


HeaderTest = Callable[[Sequence[object]], bool]


def open_register(path: Path, *, sheet: str = REGISTER_SHEET, is_header: HeaderTest = looks_like_header) -> Sheet:
    """The register table in `path`, or `FileRefused` saying why it cannot be read.

    `sheet` and `is_header` let the payments sheet of the same workbook be read the same way.
    """
    name = path.name
    if not path.exists():
        raise FileRefused(NOT_FOUND.format(path=path))
    if path.is_dir():
        raise FileRefused(NOT_A_FILE.format(path=path))
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + WORKBOOK_SUFFIXES:
        raise FileRefused(WRONG_EXTENSION.format(name=name))
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FileRefused(UNREADABLE.format(path=path, reason=error.strerror or error)) from None
    if size > MAX_FILE_BYTES:
        raise FileRefused(TOO_BIG.format(name=name, size_mb=size / 1024 / 1024))
    if size == 0:
        raise FileRefused(EMPTY_FILE.format(name=name))
    rows = _csv_rows(path) if suffix in CSV_SUFFIXES else _workbook_rows(path, sheet)
    return _find_header(name, _limited(name, rows), is_header)


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook (none for a CSV or a file that cannot be opened)."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES or not path.is_file():
        return []
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception:  # noqa: BLE001 - the register read reports a broken workbook itself
        return []


def _find_header(name: str, rows: Iterator[tuple[int, list[object]]], is_header: HeaderTest = looks_like_header) -> Sheet:
    """The first row naming register columns (within the first few), else the first non-empty row."""
    skipped: list[tuple[int, list[object]]] = []
    for number, cells in rows:
        if is_empty_row(cells):
            continue
        if is_header(cells):
            return Sheet(name, cells, number, _require_data(name, rows))
        skipped.append((number, cells))
        if len(skipped) >= HEADER_SEARCH_ROWS:
            break
    if not skipped:
        raise FileRefused(EMPTY_FILE.format(name=name))
    first_number, first = skipped[0]
    return Sheet(name, first, first_number, _require_data(name, _chain(skipped[1:], rows)))


def _chain(
    head: list[tuple[int, list[object]]], rest: Iterator[tuple[int, list[object]]]
) -> Iterator[tuple[int, list[object]]]:
    yield from head
    yield from rest


def _require_data(name: str, rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[object]]]:
    """Pass rows through, refusing a file whose header has nothing under it."""
    any_data = False
    for number, cells in rows:
        if not any_data and is_empty_row(cells):
            continue
        any_data = True
        yield number, cells
    if not any_data:
        raise FileRefused(HEADER_ONLY.format(name=name))


def _limited(name: str, rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[object]]]:
    """Refuse absurd files early instead of filling memory with them."""
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS + 1:
            raise FileRefused(TOO_MANY_ROWS.format(name=name))
        yield row


# ---- CSV ----


def _csv_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    """CSV records numbered as Excel shows them (a quoted line break stays in one row)."""
    name = path.name
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(64 * 1024)
            handle.seek(0)
            if sample.startswith("\ufeff"):
                sample = sample[1:]
            reader = csv.reader(handle, delimiter=_delimiter(sample), strict=True)
            for number, record in enumerate(reader, start=1):
                yield number, list(record)
    except UnicodeDecodeError as error:
        raise FileRefused(NOT_UTF8.format(name=name, position=error.start)) from None
    except csv.Error as error:
        raise FileRefused(NOT_CSV.format(name=name, reason=error)) from None
    except OSError as error:
        raise FileRefused(UNREADABLE.format(path=path, reason=error.strerror or error)) from None


def _delimiter(sample: str) -> str:
    """Comma, semicolon or tab: whichever the first line (outside quotes) uses most."""
    first_line = _first_record_text(sample)
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _first_record_text(sample: str) -> str:
    """The first line with quoted parts removed, so commas inside quotes do not count."""
    outside: list[str] = []
    quoted = False
    for char in sample:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            if outside:
                break
        elif not quoted:
            outside.append(char)
    return "".join(outside)


# ---- XLSX ----


def _workbook_rows(path: Path, sheet: str = REGISTER_SHEET) -> Iterator[tuple[int, list[object]]]:
    """Rows of the sheet named Register, else the first sheet, numbered from 1.

    calamine holds a whole sheet in memory (about 2 KB a row), so very large workbooks are
    streamed row by row with openpyxl instead: slower, but memory stays flat. Either way the
    parsers believe what the file says about itself, so `check_workbook` first refuses
    workbooks too big, too wide, with macros or with links to other workbooks.
    """
    if path.suffix.lower() in STREAMABLE_SUFFIXES:
        from storage.workbook_limits import check_workbook  # here: it imports FileRefused from this module

        check_workbook(path)
    if path.suffix.lower() in STREAMABLE_SUFFIXES and path.stat().st_size > STREAM_ABOVE_BYTES:
        return _streamed_rows(path, sheet)
    return _calamine_rows(path, sheet)


def _calamine_rows(path: Path, wanted: str = REGISTER_SHEET) -> Iterator[tuple[int, list[object]]]:
    from python_calamine import CalamineWorkbook  # imported here: only XLSX imports need it

    name = path.name
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if not names:
            raise FileRefused(CORRUPT_WORKBOOK.format(name=name, reason="it has no sheets"))
        chosen = next((sheet for sheet in names if sheet.strip().lower() == wanted.lower()), names[0])
        sheet = workbook.get_sheet_by_name(chosen)
        rows = sheet.iter_rows()
    except FileRefused:
        raise
    except Exception as error:  # noqa: BLE001 - calamine raises several types for broken files
        raise FileRefused(CORRUPT_WORKBOOK.format(name=name, reason=_short(error))) from None
    return _numbered(name, rows)


def _streamed_rows(path: Path, wanted: str = REGISTER_SHEET) -> Iterator[tuple[int, list[object]]]:
    from openpyxl import load_workbook  # imported here: only large XLSX imports need it

    name = path.name
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise FileRefused(CORRUPT_WORKBOOK.format(name=name, reason=_short(error))) from None
    try:
        names = workbook.sheetnames
        if not names:
            raise FileRefused(CORRUPT_WORKBOOK.format(name=name, reason="it has no sheets"))
        chosen = next((sheet for sheet in names if sheet.strip().lower() == wanted.lower()), names[0])
        sheet = workbook[chosen]
        sheet.reset_dimensions()  # some programs write a wrong size; read every row there is
        yield from _numbered(name, sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def _numbered(name: str, rows: Iterator[Sequence[object]]) -> Iterator[tuple[int, list[object]]]:
    try:
        for number, cells in enumerate(rows, start=1):
            yield number, list(cells)
    except Exception as error:  # noqa: BLE001 - a sheet broken half-way through
        raise FileRefused(CORRUPT_WORKBOOK.format(name=name, reason=_short(error))) from None


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]


def read_bytes_sha256(path: Path) -> str:
    """The file's SHA-256, recorded with the import batch."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()

