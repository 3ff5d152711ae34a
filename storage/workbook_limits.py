"""Checks on a workbook before any XLSX parser opens it: size, shape, macros and links.

An XLSX file is a zip of XML parts, and the parsers trust what the parts say. A 2 KB file
whose sheet declares the dimension `A1:XFD1048576` asks the reader for 17 billion cells; a
400 KB file can unpack to one 400 MB string. So before parsing, `check_workbook` reads only
the zip's central directory (sizes as declared, never by expanding), the first few KB of
each sheet (its `<dimension ref=…>`), and streams the string-bearing parts in small chunks
looking for a run of text longer than Excel allows in a cell. Macros (`xl/vbaProject.bin`)
and links to other workbooks (`xl/externalLinks/`) are refused too: a register is data, and a
linked cell's value is a stale copy from a file we cannot see.

Every refusal is a `FileRefused` whose message says what to do in Excel.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from storage.register_sheets import FileRefused

MAX_PARTS = 1_000
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
# Rows and columns a sheet may declare: the register's 100,000 rows plus a title block above.
MAX_SHEET_ROWS = 100_000 + 20
MAX_SHEET_COLUMNS = 1_000
# Excel holds at most 32,767 characters in a cell: as XML that is under 200,000 bytes even
# when every character is an entity like `&quot;`.
EXCEL_CELL_CHARS = 32_767
TEXT_BLOCK_BYTES = 200_000
DIMENSION_PEEK_BYTES = 8 * 1024

MACRO_PART = "xl/vbaproject.bin"
EXTERNAL_LINKS_FOLDER = "xl/externallinks/"

NOT_A_WORKBOOK = "{name} cannot be opened as a spreadsheet (it is not an .xlsx file inside): open it in Excel, save it again as .xlsx and import that."
TOO_MANY_PARTS = "{name} has {parts:,} parts inside, far more than a register workbook: open it in Excel, save it again as .xlsx and import that."
UNPACKS_TOO_BIG = (
    "{name} unpacks to {size_mb:,.0f} MB, more than the {limit_mb:,} MB a register workbook can: check it is the "
    "right file, or save only the register sheet as .xlsx or CSV and import that."
)
SHEET_TOO_BIG = (
    "{name} has a sheet that says it reaches cell {cell} ({rows:,} rows, {columns:,} columns), more than a register "
    "can hold ({max_rows:,} rows, {max_columns:,} columns): delete the empty rows and columns after the register, "
    "save and import again."
)
TEXT_TOO_LONG = (
    "{name} holds a piece of text longer than Excel allows in a cell ({limit:,} characters): check it is the right "
    "file, or open it in Excel, save it again as .xlsx and import that."
)
MACROS = (
    "{name} contains macros, which the register import does not open: in Excel use File → Save As → "
    "'Excel Workbook (*.xlsx)', which leaves the macros out, and import that copy."
)
EXTERNAL_LINKS = (
    "{name} links to other workbooks, so some cells hold copies of values from files we cannot see: in Excel use "
    "Data → Edit Links → Break Link (the cells keep their values), save, and import again."
)

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref\s*=\s*[\"']([A-Za-z0-9:$]+)[\"']")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def check_workbook(path: Path) -> None:
    """Refuse `path` (an .xlsx or .xlsm) with `FileRefused` when it is too big, too wide, or not plain data."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(NOT_A_WORKBOOK.format(name=name)) from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise FileRefused(TOO_MANY_PARTS.format(name=name, parts=len(parts)))
        unpacked = sum(part.file_size for part in parts)
        if unpacked > MAX_UNPACKED_BYTES:
            raise FileRefused(UNPACKS_TOO_BIG.format(
                name=name, size_mb=unpacked / 1024 / 1024, limit_mb=MAX_UNPACKED_BYTES // 1024 // 1024))
        names = [part.filename.replace("\\", "/").lower() for part in parts]
        if any(part == MACRO_PART or part.endswith("/vbaproject.bin") for part in names):
            raise FileRefused(MACROS.format(name=name))
        if any(part.startswith(EXTERNAL_LINKS_FOLDER) for part in names):
            raise FileRefused(EXTERNAL_LINKS.format(name=name))
        for part, lowered in zip(parts, names, strict=True):
            if lowered.startswith("xl/worksheets/") and lowered.endswith(".xml"):
                _check_dimension(name, archive, part)
        for part, lowered in zip(parts, names, strict=True):
            if lowered == "xl/sharedstrings.xml" or (lowered.startswith("xl/worksheets/") and lowered.endswith(".xml")):
                _check_text_runs(name, archive, part)


def sheet_size(reference: str) -> tuple[int, int] | None:
    """`A1:XFD1048576` → (1048576, 16384): the rows and columns up to the range's last cell; None if unreadable."""
    last = reference.split(":")[-1]
    match = _CELL.match(last)
    if not match:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + (ord(letter) - 64)
    return int(match.group(2)), column


def _check_dimension(name: str, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """Read only the start of the sheet, where Excel writes `<dimension ref="A1:X300"/>`."""
    try:
        with archive.open(part) as stream:
            head = stream.read(DIMENSION_PEEK_BYTES)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise FileRefused(NOT_A_WORKBOOK.format(name=name)) from None
    found = _DIMENSION.search(head)
    if not found:
        return
    reference = found.group(1).decode("ascii", "replace")
    size = sheet_size(reference)
    if size is None:
        return
    rows, columns = size
    if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
        raise FileRefused(SHEET_TOO_BIG.format(
            name=name, cell=reference.split(":")[-1].replace("$", "").upper(), rows=rows, columns=columns,
            max_rows=MAX_SHEET_ROWS - 20, max_columns=MAX_SHEET_COLUMNS))


def _check_text_runs(name: str, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """Stream the part in blocks of `TEXT_BLOCK_BYTES`: a whole block without a `<` is text no cell holds.

    A run of text at least twice the block long always fills one aligned block, and an honest
    cell (32,767 characters, even written as `&quot;` entities) never fills one. Each block
    costs one `memchr`; memory stays at one block, and the zip's declared sizes were checked
    first, so this reads at most `MAX_UNPACKED_BYTES` in all.
    """
    if part.file_size < TEXT_BLOCK_BYTES:
        return
    try:
        with archive.open(part) as stream:
            while len(block := stream.read(TEXT_BLOCK_BYTES)) == TEXT_BLOCK_BYTES:
                if b"<" not in block:
                    raise FileRefused(TEXT_TOO_LONG.format(name=name, limit=EXCEL_CELL_CHARS))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise FileRefused(NOT_A_WORKBOOK.format(name=name)) from None
