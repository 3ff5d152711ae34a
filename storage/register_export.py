"""Export the register as CSV or XLSX in the import columns, so export → import changes nothing.

Teams publish their register quarterly and share it with other agencies, and they edit it in
Excel and import it again. So the export uses exactly the import format of
docs/register-format.md: ISO dates (unambiguous in any locale), plain amounts without `£`
or commas, `1+1` extension options, `a=1; b=2` KPIs, and only the register-format columns:
columns the format does not know were kept in notes at import, so notes carries them back
out. Text that a spreadsheet would run as a formula is guarded.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from domain.agreement import KINDS, Agreement
from domain.register_columns import COLUMNS, agreement_cells, agreement_texts, escape_text

if TYPE_CHECKING:
    from openpyxl import Workbook

REGISTER_SHEET = "Register"
KIND_SHEETS = {"contract": "Contracts", "grant": "Grants", "partnership": "Partnerships"}
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "0.00"


def export_csv(agreements: Sequence[Agreement], stream: TextIO) -> int:
    """Write the register as CSV (header row first) to a text stream; returns the row count."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    for agreement in agreements:
        texts = agreement_texts(agreement)
        writer.writerow([_csv_cell(texts[column]) for column in COLUMNS])
    return len(agreements)


def _csv_cell(text: str) -> str:
    """Text columns are guarded against formulas; dates and amounts never need it."""
    return escape_text(text) if text else text


def export_xlsx(agreements: Sequence[Agreement], path: Path) -> int:
    """Write a workbook: a `Register` sheet with every row (it re-imports), then one sheet per kind."""
    from openpyxl import Workbook  # imported here: only XLSX exports need it

    workbook = Workbook(write_only=True)
    _write_sheet(workbook, REGISTER_SHEET, agreements)
    for kind in KINDS:
        _write_sheet(workbook, KIND_SHEETS[kind], [a for a in agreements if a.kind == kind])
    workbook.save(str(path))
    return len(agreements)


def _write_sheet(workbook: Workbook, title: str, agreements: Sequence[Agreement]) -> None:
    from openpyxl.cell import WriteOnlyCell

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    sheet.append(COLUMNS)
    for agreement in agreements:
        cells = agreement_cells(agreement)
        row = []
        for column in COLUMNS:
            value = cells[column]
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
