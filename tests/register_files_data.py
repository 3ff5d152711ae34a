"""Small registers as files, and a full database dump to prove an import changed nothing."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base

TODAY = date(2026, 11, 22)
ACTOR = "officer@opcc.example.gov.uk"

HEADER = [
    "Contract Reference", "Kind", "Title", "Provider", "Provider ID", "Funding stream", "Project code",
    "Value (£)", "Start date", "Award date", "End date", "Extension options", "Extended to", "Area",
    "Category", "Contract manager", "Provider contact name", "Provider contact email", "Monitoring",
    "KPIs", "Signed", "Status", "Notes", "Legacy ID",
]
ROWS = [
    ["OPCC-2023-014", "grant", "Independent Sexual Violence Advisers", "Safer London", "GB-CHC-1129872",
     "Commissioner's Safety Fund", "PC-1001", "£125,000", "01/04/2024", "15/03/2024", "31/03/2026", "1+1",
     "31/03/2027", "Southwark", "sexual violence", "ann.jones@opcc.example.gov.uk", "Priya Shah",
     "priya.shah@saferlondon.org.uk", "quarterly", "referrals=120; sessions=300", "both", "active",
     "Renewed after review", "L-77"],
    ["OPCC-2024-002", "contract", "Victim and Witness Service", "Victim Support", "", "Core", "PC-2002",
     "15m", "2024-04-01", "", "2029-03-31", "2", "", "pan-London", "victim services",
     "bob.smith@opcc.example.gov.uk", "Lee Grant", "info@victimsupport.org.uk", "monthly", "", "ours",
     "active", "", ""],
    ["OPCC-2022-100", "partnership", "Youth diversion in Lambeth", "Lambeth Council", "GB-LAE-LBH",
     "Violence Reduction Unit", "", "80k", "2022-04-01", "", "2025-03-31", "", "", "Lambeth",
     "youth", "", "", "", "annual", "", "both", "terminated", "", ""],
]


def write_csv(folder: Path, rows: Sequence[Sequence[object]], *, name: str = "register.csv",
              delimiter: str = ",", bom: bool = False) -> Path:
    path = folder / name
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(folder: Path, rows: Sequence[Sequence[object]], *, name: str = "register.xlsx",
               sheet: str = "Register", first_row: int = 1, other_sheet_first: bool = False) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    if other_sheet_first:
        workbook.active.title = "Read me"
        workbook.active["A1"] = "This workbook holds the register on the Register sheet."
        worksheet = workbook.create_sheet(sheet)
    else:
        worksheet = workbook.active
        worksheet.title = sheet
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            if value not in (None, ""):
                worksheet.cell(row=first_row + offset, column=column, value=value)
    path = folder / name
    workbook.save(path)
    return path


async def dump(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered, so two dumps compare equal only if nothing changed."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            result = await connection.execute(select(table).order_by(*order))
            tables[table.name] = [tuple(row) for row in result]
    return tables
