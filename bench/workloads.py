"""What the benchmark measures, and the plain baselines each figure is compared against.

The registers are the demo register scaled up (`demo.register.register_rows`), so
they look like a real commissioning register: UK and ISO dates, `£` and `125k` money,
extensions and data-quality gaps. The 80 demo agreements are always included, so questions
by name ("who is the contact for OPCC-2023-014?") have the answer they have in the demo.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from demo.register import COLUMNS, demo_rows, register_rows, write_csv
from domain.agreement import Agreement
from domain.register_rows import parse_rows

TODAY = date(2026, 11, 22)
# Q3 2026/27, the quarter containing TODAY: what "this quarter" means in the questions below.
QUARTER = (date(2026, 10, 1), date(2026, 12, 31))

# A fixed mix of what commissioning teams ask, covering every intent and filter.
QUESTIONS: tuple[str, ...] = (
    "which grants expire this quarter?",
    "which contracts end next quarter?",
    "what ends in March?",
    "how many agreements end in the next 90 days?",
    "what is the total value of grants ending this financial year?",
    "what do we fund in Southwark?",
    "which Violence Reduction Unit grants end by 31 March 2027?",
    "how many contracts are funded by the MoJ?",
    "which contracts are worth over £1m?",
    "grants under £50k ending next quarter",
    "who is the contact for OPCC-2023-014?",
    "when does the Safer London contract end?",
    "tell me about MOPAC-2022-001",
    "which contracts have extension options left?",
    "which agreements need an extension decision?",
    "which agreements have data quality problems?",
    "which domestic abuse services end this financial year?",
    "which partnerships started this financial year?",
    "what do we fund in Lambeth through the CSF?",
    "which terminated contracts were there?",
)


def rows_for(count: int) -> list[dict[str, str]]:
    """`count` register rows: the demo's 80 agreements, then generated ones with unique references."""
    demo = demo_rows(TODAY)
    taken = [row["reference"] for row in demo]
    return demo + register_rows(TODAY, count - len(demo), seed=count, taken=taken)


def write_register_csv(rows: list[dict[str, str]], path: Path) -> Path:
    write_csv(rows, path)
    return path


def write_register_xlsx(rows: list[dict[str, str]], path: Path) -> Path:
    """The same rows as a workbook (one `Register` sheet), as teams keep them in Excel."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Register")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[column] for column in COLUMNS])
    workbook.save(path)
    return path


def parse_register(rows: list[dict[str, str]]) -> list[Agreement]:
    """The rows as agreements, read exactly as an import reads them (no database)."""
    parsed = parse_rows(list(COLUMNS), ((n, [row[c] for c in COLUMNS]) for n, row in enumerate(rows, start=2)))
    assert not parsed.bad_cells, parsed.bad_cells[:3]
    return list(parsed.agreements)


# ---- baselines ----------------------------------------------------------------------

_BASELINE_TABLE = "CREATE TABLE agreements (" + ", ".join(
    f"{column} TEXT" + (" PRIMARY KEY" if column == "reference" else "") for column in COLUMNS
) + ")"


def baseline_import(csv_path: Path, database: Path) -> int:
    """The floor for an import: csv.DictReader rows inserted with one executemany, no checks."""
    database.unlink(missing_ok=True)
    connection = sqlite3.connect(database)
    try:
        connection.execute(_BASELINE_TABLE)
        with csv_path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [tuple(row[column] for column in COLUMNS) for row in csv.DictReader(handle)]
        placeholders = ", ".join("?" for _ in COLUMNS)
        connection.executemany(f"INSERT INTO agreements VALUES ({placeholders})", rows)
        connection.commit()
        return len(rows)
    finally:
        connection.close()


def list_filter(register: Sequence[Agreement], kind: str, first: date, last: date) -> list[Agreement]:
    """The floor for a period question: a list comprehension on current end dates, sorted."""
    found = [
        a for a in register
        if a.kind == kind and a.status == "active" and a.current_end_date is not None
        and first <= a.current_end_date <= last
    ]
    found.sort(key=lambda a: (a.current_end_date, a.reference))
    return found


def sql_table(register: Sequence[Agreement]) -> sqlite3.Connection:
    """The register in an equivalent in-memory SQLite table, indexed on the current end date."""
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE TABLE agreements (reference TEXT PRIMARY KEY, kind TEXT, title TEXT, provider TEXT, "
        "status TEXT, current_end TEXT, value_pence INTEGER)"
    )
    connection.executemany(
        "INSERT INTO agreements VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (a.reference, a.kind, a.title, a.provider, a.status,
             a.current_end_date.isoformat() if a.current_end_date else None,
             int((a.value or Decimal(0)) * 100))
            for a in register
        ],
    )
    connection.execute("CREATE INDEX agreements_current_end ON agreements (current_end)")
    connection.commit()
    return connection


def sql_filter(connection: sqlite3.Connection, kind: str, first: date, last: date) -> list[tuple[object, ...]]:
    """The bare SQL query with the same filter as "which grants expire this quarter?"."""
    return connection.execute(
        "SELECT reference, title, provider, current_end, value_pence FROM agreements "
        "WHERE kind = ? AND status = 'active' AND current_end BETWEEN ? AND ? "
        "ORDER BY current_end, reference",
        (kind, first.isoformat(), last.isoformat()),
    ).fetchall()
