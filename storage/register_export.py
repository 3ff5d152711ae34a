"""Export the register as CSV or XLSX in the import columns, so export → import changes nothing.

Teams publish their register quarterly and share it with other agencies, and they edit it in
Excel and import it again. So the export uses exactly the import format of
shared/register-format.md: ISO dates (unambiguous in any locale), plain amounts without `£`
or commas, `1+1` extension options, `a=1; b=2` KPIs, and unknown columns appended as they
came in. Text that a spreadsheet would run as a formula is guarded.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from domain.agreement import KINDS, Agreement
from domain.register_columns import COLUMNS, agreement_cells, agreement_texts, escape_text

REGISTER_SHEET = "Register"
KIND_SHEETS = {"contract": "Contracts", "grant": "Grants", "partnership": "Partnerships"}
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "0.00"


def export_columns(agreements: Iterable[Agreement]) -> list[str]:
    """The import columns, then every extra column any agreement has, sorted by name."""
    extra = sorted({name for agreement in agreements for name, _ in agreement.extra} - set(COLUMNS))
    return [*COLUMNS, *extra]


def export_csv(agreements: Sequence[Agreement], stream: TextIO) -> int:
    """Write the register as CSV (header row first) to a text stream; returns the row count."""
    columns = export_columns(agreements)
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    for agreement in agreements:
        texts = agreement_texts(agreement)
        writer.writerow([_csv_cell(column, texts.get(column, "")) for column in columns])
    return len(agreements)


def _csv_cell(column: str, text: str) -> str:
    """Text columns are guarded against formulas; dates and amounts never need it."""
    return escape_text(text) if text else text


def export_xlsx(agreements: Sequence[Agreement], path: Path) -> int:
    """Write a workbook: a `Register` sheet with every row (it re-imports), then one sheet per kind."""
    from openpyxl import Workbook  # imported here: only XLSX exports need it

    columns = export_columns(agreements)
    workbook = Workbook(write_only=True)
    _write_sheet(workbook, REGISTER_SHEET, columns, agreements)
    for kind in KINDS:
        _write_sheet(workbook, KIND_SHEETS[kind], columns, [a for a in agreements if a.kind == kind])
    workbook.save(str(path))
    return len(agreements)


def _write_sheet(workbook, title: str, columns: list[str], agreements: Sequence[Agreement]) -> None:  # type: ignore[no-untyped-def]
    from openpyxl.cell import WriteOnlyCell

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    sheet.append(columns)
    for agreement in agreements:
        cells = agreement_cells(agreement)
        row = []
        for column in columns:
            value = cells.get(column, "")
            cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, str) and value:
                cell.data_type = "s"  # shown as typed, never run as a formula
            row.append(cell)
        sheet.append(row)


def _xlsx_value(value: object) -> object:
    if isinstance(value, str):
        return value or None
    return value
