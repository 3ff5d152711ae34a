"""The register's columns: header names as people write them, cell text, and agreements as cells.

Registers arrive as whatever the team's spreadsheet looks like: `Contract Reference` or
`contract_reference`, `Value (£)` or `Total value`. This module knows the columns of
docs/register-format.md and the other names registers use for them, turns any cell into
text, and turns agreements back into cells: the one format export and the audit log share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from domain.agreement import Agreement, Kpi, format_extension_options
from domain.values import quoted

# The import (and export) columns, in the order of docs/register-format.md.
COLUMNS: tuple[str, ...] = (
    "reference", "kind", "title", "provider", "provider_id", "funding_stream", "project_code",
    "value", "start_date", "award_date", "end_date", "extension_options", "extended_to", "area",
    "category", "contract_manager", "contact_name", "contact_email", "monitoring", "kpis",
    "signed", "status", "notes",
)
REQUIRED: tuple[str, ...] = ("reference", "kind", "title", "provider")
DATE_COLUMNS: tuple[str, ...] = ("start_date", "award_date", "end_date", "extended_to")
HEADER_ROW = 1

# Other names registers use for our columns, already normalised (see `header_key`).
_ALIASES: dict[str, str] = {
    "ref": "reference", "contractreference": "reference", "contractref": "reference",
    "grantreference": "reference", "grantref": "reference", "agreementreference": "reference",
    "agreementref": "reference", "referencenumber": "reference", "refno": "reference",
    "contractid": "reference", "grantid": "reference",
    "type": "kind", "agreementtype": "kind", "register": "kind", "contracttype": "kind",
    "name": "title", "contracttitle": "title", "granttitle": "title", "agreementtitle": "title",
    "servicename": "title", "contractname": "title",
    "supplier": "provider", "providername": "provider", "suppliername": "provider",
    "organisation": "provider", "organization": "provider", "recipient": "provider",
    "grantee": "provider", "recipientorganisation": "provider", "partner": "provider",
    "providerorgid": "provider_id", "orgid": "provider_id", "organisationidentifier": "provider_id",
    "organisationid": "provider_id", "recipientorgidentifier": "provider_id",
    "fundingsource": "funding_stream", "fund": "funding_stream", "fundingstreams": "funding_stream",
    "projectcodes": "project_code", "costcode": "project_code", "costcentre": "project_code",
    "financecode": "project_code",
    "value": "value", "totalvalue": "value", "contractvalue": "value", "grantvalue": "value",
    "amount": "value", "amountawarded": "value", "totalcontractvalue": "value",
    "start": "start_date", "startdate": "start_date", "contractstart": "start_date",
    "contractstartdate": "start_date", "commencementdate": "start_date",
    "awarddate": "award_date", "awarded": "award_date", "dateawarded": "award_date",
    "end": "end_date", "enddate": "end_date", "contractend": "end_date", "contractenddate": "end_date",
    "originalenddate": "end_date", "expirydate": "end_date",
    "extensions": "extension_options", "extensionoptions": "extension_options",
    "optiontoextend": "extension_options", "extensionoption": "extension_options",
    "extendedto": "extended_to", "currentenddate": "extended_to", "extendedenddate": "extended_to",
    "borough": "area", "localauthority": "area", "location": "area",
    "servicecategory": "category", "servicetype": "category",
    "contractmanager": "contract_manager", "contractmanageremail": "contract_manager",
    "grantmanager": "contract_manager", "manager": "contract_manager", "leadofficer": "contract_manager",
    "contactname": "contact_name", "providercontact": "contact_name", "providercontactname": "contact_name",
    "keycontact": "contact_name", "contact": "contact_name",
    "contactemail": "contact_email", "providercontactemail": "contact_email",
    "provideremail": "contact_email", "keycontactemail": "contact_email", "email": "contact_email",
    "monitoringfrequency": "monitoring", "monitoringreturns": "monitoring", "reporting": "monitoring",
    "kpi": "kpis", "kpitargets": "kpis", "targets": "kpis",
    "signedstatus": "signed", "signature": "signed", "signaturestatus": "signed", "signedby": "signed",
    "lifecycle": "status", "contractstatus": "status",
    "note": "notes", "comments": "notes", "comment": "notes",
}
_CANONICAL = {column.replace("_", ""): column for column in COLUMNS}

# Cells that spreadsheet programs would run as formulas; export prefixes them with `'`.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class BadCell:
    """One cell that cannot be read: row as the spreadsheet numbers it (header is row 1)."""

    row: int
    column: str
    value: str
    expected: str

    def describe(self) -> str:
        """`Row 7, column end_date: '31/02/2026' is not a date like 31/03/2027 or 2027-03-31`."""
        if self.value == "":
            return f"Row {self.row}, column {self.column}: empty, but it needs {self.expected}"
        return f"Row {self.row}, column {self.column}: {quoted(self.value)} is not {self.expected}"


@dataclass
class HeaderMap:
    """Which column position holds which register column; unknown headers by their text as written."""

    columns: dict[int, str] = field(default_factory=dict)
    unknown: dict[int, str] = field(default_factory=dict)
    bad_cells: list[BadCell] = field(default_factory=list)


def header_key(header: object) -> str:
    """`Contract Reference` → `contractreference`; `Value (£)` → `value`."""
    return re.sub(r"[^a-z0-9]", "", cell_text(header).lower())


def match_header(header: object) -> str | None:
    """The register column a header names, or `None` for a column we do not know."""
    key = header_key(header)
    if not key:
        return None
    return _CANONICAL.get(key) or _ALIASES.get(key)


def map_headers(headers: Sequence[object]) -> HeaderMap:
    """Match a header row, reporting required columns that are missing and columns named twice.

    A column's own name beats an alias (`Value` and `Amount` → `Value` is the value, `Amount` is
    an unknown column, kept in notes); the same name twice is ambiguous and refused.
    """
    mapping = HeaderMap()
    exact: dict[str, int] = {}
    texts: dict[str, int] = {}
    for position, header in enumerate(headers):
        text = cell_text(header)
        if not text:
            continue
        if text.casefold() in texts:
            first = texts[text.casefold()]
            mapping.bad_cells.append(BadCell(HEADER_ROW, text, text, f"a column named once (column {first + 1} has the same name)"))
            continue
        texts[text.casefold()] = position
        column = _CANONICAL.get(header_key(text))
        if column and column in exact:
            mapping.bad_cells.append(BadCell(HEADER_ROW, column, text, f"a column named once (column {exact[column] + 1} is {column} too)"))
        elif column:
            exact[column] = position
    taken = set(exact)
    for position, header in enumerate(headers):
        text = cell_text(header)
        if not text or texts.get(text.casefold()) != position:
            continue
        canonical = _CANONICAL.get(header_key(text))
        alias = _ALIASES.get(header_key(text))
        if canonical:
            if exact[canonical] == position:
                mapping.columns[position] = canonical
        elif alias and alias not in taken:
            taken.add(alias)
            mapping.columns[position] = alias
        else:
            mapping.unknown[position] = text
    for column in REQUIRED:
        if column not in mapping.columns.values():
            mapping.bad_cells.append(BadCell(HEADER_ROW, column, "", f"a column named {column} (every register has one)"))
    return mapping


def looks_like_header(cells: Sequence[object]) -> bool:
    """True when a row names at least two of the required columns (to skip title rows above it)."""
    return sum(1 for cell in cells if match_header(cell) in REQUIRED) >= 2


def cell_text(value: object) -> str:
    """A cell as text: numbers without a stray `.0`, date cells as ISO dates, `None` as empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def unescape_text(text: str) -> str:
    """Undo export's formula guard: `'=x` → `=x` (only before characters that need it)."""
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        return text[1:]
    return text


def is_empty_row(cells: Iterable[object]) -> bool:
    """True when every cell is empty or blank (numbers and dates are never empty)."""
    for cell in cells:
        if cell is None or cell == "":
            continue
        if not isinstance(cell, str) or cell.strip():
            return False
    return True


# ---- agreements back to cells (export and audit share this) ----


def format_plain_money(amount: Decimal | None) -> str:
    """`Decimal('125000.00')` → `125000`; `Decimal('99.50')` → `99.50` (no £, no commas)."""
    if amount is None:
        return ""
    if amount == amount.to_integral_value():
        return f"{amount:.0f}"
    return f"{amount:.2f}"


def format_kpis(kpis: Iterable[Kpi]) -> str:
    """KPIs as the register writes them: `referrals=120; sessions=300`."""
    return "; ".join(f"{kpi.name}={plain_number(kpi.target)}" for kpi in kpis)


def plain_number(number: Decimal) -> str:
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def agreement_cells(agreement: Agreement) -> dict[str, object]:
    """The agreement as typed cells in import columns: dates as `date`, money as `Decimal`, rest text.

    Only the register-format columns: unknown columns were kept in notes when imported.
    """
    cells: dict[str, object] = {}
    for column in COLUMNS:
        value = getattr(agreement, column)
        if column == "extension_options":
            value = format_extension_options(value)
        elif column == "kpis":
            value = format_kpis(value)
        elif value is None:
            value = ""
        cells[column] = value
    return cells


def agreement_texts(agreement: Agreement) -> dict[str, str]:
    """The agreement as the text of each cell: ISO dates, plain money, `1+1`, `a=1; b=2`."""
    texts: dict[str, str] = {}
    for column, value in agreement_cells(agreement).items():
        if isinstance(value, Decimal):
            texts[column] = format_plain_money(value)
        elif isinstance(value, date):
            texts[column] = value.isoformat()
        else:
            texts[column] = str(value)
    return texts


def escape_text(text: str) -> str:
    """Guard a text cell so spreadsheet programs show it rather than run it as a formula."""
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
