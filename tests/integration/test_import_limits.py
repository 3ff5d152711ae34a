"""Hostile workbooks are refused before any XLSX parser sees them, in plain words, quickly and
in little memory: a sheet that claims to reach cell XFD1048576, a small file that unpacks to
a 400 MB string, macros, links to other workbooks. Refusals quote at most 80 characters of a value.

The bombs are built here with zipfile (nothing big is committed) and imported by the real
`commissioning-bot import` in a child process, which reports its own time and peak memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from register_files_data import HEADER, ROWS, TODAY, write_csv

from storage.register_sheets import FileRefused, open_register
from storage.workbook_limits import EXTERNAL_LINKS, MACROS

SECONDS = 2.0
PEAK_MB = 200
ROOT = Path(__file__).resolve().parents[2]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>'
)
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Register" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>'
)


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet(rows: list[list[str]], *, dimension: str, shared_cells: dict[tuple[int, int], int] | None = None) -> str:
    """A worksheet with inline strings, except cells in `shared_cells` (row, col) → shared string index."""
    shared_cells = shared_cells or {}
    body = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if (r, c) in shared_cells:
                cells.append(f'<c r="{ref}" t="s"><v>{shared_cells[(r, c)]}</v></c>')
            elif value:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{"".join(body)}</sheetData></worksheet>'
    )


def workbook(path: Path, *, dimension: str = "A1:X4", shared: str = "", shared_repeat: int = 0,
             main: str = XLSX_MAIN, extra: dict[str, bytes] | None = None) -> Path:
    """A minimal register workbook: HEADER and ROWS, optionally one end date as a huge shared string."""
    rows = [HEADER, *ROWS]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        end_date = HEADER.index("End date")
        shared_cells = {(2, end_date): 0} if shared_repeat else {}
        archive.writestr("xl/worksheets/sheet1.xml", _sheet(rows, dimension=dimension, shared_cells=shared_cells))
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
            block = (shared * 1024 * 1024).encode() if shared_repeat else b""
            for _ in range(shared_repeat):
                part.write(block)
            part.write(b"</t></si></sst>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


# The child times the command's own work: Python and the CLI's imports (alembic alone takes
# over half a second) are the same for every file and are not what these tests measure. Its
# peak memory is the kernel's high-water mark for its own address space (VmHWM): getrusage's
# ru_maxrss would count the parent too, because Linux carries the forking process's peak
# across fork and exec, and pytest itself is a couple of hundred MB by the end of the suite.
CHILD = """
import resource, sys, time
from bot.commands.cli import main

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

started = time.monotonic()
try:
    code = main(["import", sys.argv[1], "--db", sys.argv[2], "--today", sys.argv[3]])
finally:
    sys.stdout.write(f"{time.monotonic() - started} {peak_kb()}")
sys.exit(code)
"""


def import_in_a_child(path: Path, tmp_path: Path) -> dict[str, object]:
    """`commissioning-bot import` on `path` in a child process: exit code, stderr, seconds of work and peak RSS (MB).

    A child that dies (SIGABRT from a huge allocation) reports no time or memory: both are infinite.
    """
    db = f"sqlite:///{tmp_path / 'limits.db'}"
    stdout_path, stderr_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        code = subprocess.call([sys.executable, "-c", CHILD, str(path), db, TODAY.isoformat()],
                               cwd=ROOT, stdout=stdout, stderr=stderr)
    measured = stdout_path.read_text().split()[-2:]
    seconds, peak_kb = (float(measured[0]), float(measured[1])) if len(measured) == 2 else (float("inf"), float("inf"))
    return {"code": code, "stderr": stderr_path.read_text(errors="replace"), "seconds": seconds, "peak_mb": peak_kb / 1024}


def test_a_sheet_claiming_to_reach_xfd1048576_is_refused_quickly_in_little_memory(tmp_path: Path) -> None:
    """A 2 KB workbook whose dimension claims 17 billion cells: refused from the first few KB of the sheet."""
    path = workbook(tmp_path / "dimension.xlsx", dimension="A1:XFD1048576")
    assert path.stat().st_size < 4096
    result = import_in_a_child(path, tmp_path)
    assert result["code"] == 1, result
    assert "1,048,576 rows" in str(result["stderr"]), result
    assert float(result["seconds"]) < SECONDS and float(result["peak_mb"]) < PEAK_MB, result


def test_a_small_file_that_unpacks_to_a_400_mb_string_is_refused_quickly_in_little_memory(tmp_path: Path) -> None:
    """~400 KB on disk, one 400 MB shared string: refused from the zip directory, never expanded, never printed."""
    path = workbook(tmp_path / "string.xlsx", shared="A", shared_repeat=400)
    assert path.stat().st_size < 1024 * 1024
    result = import_in_a_child(path, tmp_path)
    assert result["code"] == 1, result
    assert "unpacks to" in str(result["stderr"]), result
    assert len(str(result["stderr"])) < 2000
    assert float(result["seconds"]) < SECONDS and float(result["peak_mb"]) < PEAK_MB, result


def test_one_over_long_shared_string_is_refused_before_parsing(tmp_path: Path) -> None:
    """A string longer than Excel allows in a cell (but a small file overall) is refused by the streamed scan."""
    path = workbook(tmp_path / "long.xlsx", shared="B", shared_repeat=1)
    with pytest.raises(FileRefused, match="longer than Excel allows"):
        open_register(path)


def test_a_macro_enabled_workbook_renamed_xlsx_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """VBA inside (xl/vbaProject.bin): refused whatever the extension says, with the Save As that fixes it."""
    path = workbook(tmp_path / "macros.xlsx", main=XLSM_MAIN, extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(512)})
    with pytest.raises(FileRefused) as refused:
        open_register(path)
    assert str(refused.value) == MACROS.format(name="macros.xlsx")
    assert "Save As" in str(refused.value)


def test_a_workbook_with_an_external_link_is_refused_not_imported_from_its_cached_value(tmp_path: Path) -> None:
    """A cell copied from another workbook (xl/externalLinks/) would import a stale cached value: refused."""
    link = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><externalLink '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook><sheetDataSet>'
            b'<sheetData sheetId="0"><row r="1"><cell r="A1" t="str"><v>31/03/2030</v></cell></row></sheetData>'
            b'</sheetDataSet></externalBook></externalLink>')
    path = workbook(tmp_path / "linked.xlsx", extra={"xl/externalLinks/externalLink1.xml": link})
    with pytest.raises(FileRefused) as refused:
        open_register(path)
    assert str(refused.value) == EXTERNAL_LINKS.format(name="linked.xlsx")
    assert "Break Link" in str(refused.value)


def test_an_honest_workbook_still_imports_in_a_child(tmp_path: Path) -> None:
    """The same minimal workbook without tricks imports (the checks refuse only what they should)."""
    result = import_in_a_child(workbook(tmp_path / "honest.xlsx"), tmp_path)
    assert result["code"] == 0, result


def test_a_long_bad_value_is_quoted_at_most_80_characters(tmp_path: Path) -> None:
    """A 10,000-character end date is refused, and the report quotes 80 characters of it, not all."""
    rows = [HEADER, *ROWS]
    rows[1] = list(rows[1])
    rows[1][HEADER.index("End date")] = "9" * 10_000
    result = import_in_a_child(write_csv(tmp_path, rows), tmp_path)
    assert result["code"] == 1, result
    stderr = str(result["stderr"])
    assert "9" * 80 in stderr and "9" * 81 not in stderr, stderr[:500]
    assert "10,000 characters" in stderr
    json.dumps(result)  # the result is plain data
