"""Register spreadsheet rows ↔ `Agreement`s: header matching, cell parsing, bad-cell reports.

Registers arrive as whatever the team's spreadsheet looks like: `Contract Reference` or
`contract_reference`, dates typed by hand or stored as date cells, money with `£` and commas.
This module turns a header row and its data rows into agreements, and collects *every* cell
it cannot read (not just the first) so the import report lets people fix the file in one go.
It also turns agreements back into cell text, the one format export and the audit log share.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from domain.agreement import (
    KINDS,
    MONITORING_FREQUENCIES,
    SIGNED_VALUES,
    STATUSES,
    Agreement,
    Kpi,
    format_extension_options,
)
from domain.values import (
    ValueNotUnderstood,
    parse_choice,
    parse_date,
    parse_extension_options,
    parse_kpis,
    parse_money,
)

# The import (and export) columns, in the order of shared/register-format.md.
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

# The longest text each column can hold (the database's limits, checked before writing).
MAX_LENGTHS: dict[str, int] = {
    "reference": 100, "title": 500, "provider": 300, "provider_id": 100, "funding_stream": 200,
    "project_code": 100, "area": 200, "category": 200, "contract_manager": 320,
    "contact_name": 300, "contact_email": 320, "extension_options": 50,
}
MAX_VALUE = Decimal("1000000000000")
KPI_NAME_LENGTH = 200
KPI_TARGET_LENGTH = 30

_KIND_ALIASES = {"contracts": "contract", "grants": "grant", "partnerships": "partnership",
                 "partnership agreement": "partnership", "grant agreement": "grant"}
_SIGNED_ALIASES = {"both parties": "both", "yes": "both", "y": "both", "signed": "both",
                   "fully signed": "both", "ours only": "ours", "us only": "ours", "us": "ours",
                   "no": "none", "n": "none", "unsigned": "none", "not signed": "none"}
_STATUS_ALIASES = {"live": "active", "current": "active", "open": "active",
                   "cancelled": "terminated", "canceled": "terminated"}
_MONITORING_ALIASES = {"quarter": "quarterly", "month": "monthly", "bi-annual": "biannual",
                       "biannually": "biannual", "six-monthly": "biannual", "half-yearly": "biannual",
                       "6-monthly": "biannual", "yearly": "annual", "annually": "annual",
                       "no monitoring": "none", "n/a": "none"}

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
        return f"Row {self.row}, column {self.column}: {self.value!r} is not {self.expected}"


@dataclass(frozen=True)
class ParsedRegister:
    """What a file's rows mean: the agreements, or every bad cell that stops the import."""

    agreements: tuple[Agreement, ...]
    bad_cells: tuple[BadCell, ...]
    rows: int
    # The register columns and extra (unknown) column headers the file has.
    columns: frozenset[str] = frozenset(COLUMNS)
    extra_columns: frozenset[str] = frozenset()

    def merged(self, old: Agreement, new: Agreement) -> Agreement:
        """`new` for the columns this file has; `old`'s values for columns it leaves out.

        A file without (say) a `notes` column says nothing about notes, so re-importing it
        must not blank the notes already in the register.
        """
        if self.columns >= set(COLUMNS) and not old.extra:
            return new
        kept = {column: getattr(old, column) for column in COLUMNS if column not in self.columns}
        extra = tuple(sorted(
            [item for item in old.extra if item[0] not in self.extra_columns] + list(new.extra)
        ))
        return replace(new, **kept, extra=extra)


@dataclass
class HeaderMap:
    """Which column position holds which register column; unknown headers kept by their text."""

    columns: dict[int, str] = field(default_factory=dict)
    extra: dict[int, str] = field(default_factory=dict)
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
    kept as an extra column); the same name twice is ambiguous and refused.
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
            mapping.extra[position] = text
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
    return all(cell_text(cell) == "" for cell in cells)


class RowParser:
    """Parses data rows one at a time, remembering references to find duplicates."""

    def __init__(self, header: HeaderMap, *, first_imported: date | None = None) -> None:
        self.header = header
        self.first_imported = first_imported
        self.bad_cells: list[BadCell] = list(header.bad_cells)
        self._references: dict[str, int] = {}
        self.rows = 0
        # Only the columns the file has are parsed; the others take their defaults once. A
        # required column missing from the header is reported once, on row 1, not on every row.
        self._plan = [
            (position, column, _remembering(_PARSERS.get(column, _parse_text)) if column not in _MOSTLY_UNIQUE
             else _PARSERS.get(column, _parse_text))
            for position, column in header.columns.items()
        ]
        present = set(header.columns.values())
        self._defaults = {column: _PARSERS.get(column, _parse_text)(None) for column in COLUMNS if column not in present}
        self._extra = list(header.extra.items())

    def parse(self, row_number: int, cells: Sequence[object]) -> Agreement | None:
        """The row's agreement, or `None` (bad cells recorded) when any cell is unreadable."""
        self.rows += 1
        width = len(cells)
        extra = tuple(sorted(
            (name, unescape_text(text))
            for position, name in self._extra
            if position < width and (text := cell_text(cells[position]))
        ))
        before = len(self.bad_cells)
        fields = self._fields(row_number, cells)
        if len(self.bad_cells) > before:
            return None
        return Agreement(**fields, extra=extra, first_imported=self.first_imported)  # type: ignore[arg-type]

    def _fields(self, row: int, cells: Sequence[object]) -> dict[str, object]:
        fields: dict[str, object] = dict(self._defaults)
        width = len(cells)
        for position, column, parser in self._plan:
            raw = cells[position] if position < width else None
            try:
                value = parser(raw)
            except ValueNotUnderstood as error:
                self.bad_cells.append(BadCell(row, column, cell_text(raw), error.expected))
                continue
            fields[column] = value
            problem = _too_big(column, value) if column in _CHECKED_SIZE else ""
            if problem:
                self.bad_cells.append(BadCell(row, column, cell_text(raw), problem))
            elif not value and column in REQUIRED:
                self.bad_cells.append(BadCell(row, column, "", f"a {column.replace('_', ' ')} (every row needs one)"))
        reference = fields.get("reference")
        if isinstance(reference, str) and reference:
            key = reference.casefold()
            if key in self._references:
                first = self._references[key]
                self.bad_cells.append(BadCell(row, "reference", reference, f"a unique reference (row {first} has it too)"))
            else:
                self._references[key] = row
        return fields


def _too_big(column: str, value: object) -> str:
    """What was expected when a value is too long or too large to keep, else empty."""
    limit = MAX_LENGTHS.get(column)
    if limit and isinstance(value, str) and len(value) > limit:
        return f"at most {limit} characters long (it has {len(value)})"
    if column == "extension_options" and len(format_extension_options(value)) > MAX_LENGTHS[column]:  # type: ignore[arg-type]
        return f"at most {MAX_LENGTHS[column]} characters long"
    if column == "value" and isinstance(value, Decimal) and value >= MAX_VALUE:
        return "an amount under £1,000bn"
    if column == "kpis":
        for kpi in value:  # type: ignore[attr-defined]
            if len(kpi.name) > KPI_NAME_LENGTH or len(plain_number(kpi.target)) > KPI_TARGET_LENGTH:
                return f"KPI names of at most {KPI_NAME_LENGTH} characters with targets of at most {KPI_TARGET_LENGTH} digits"
    return ""


def _parse_text(raw: object) -> str:
    return unescape_text(cell_text(raw))


def _parse_provider(raw: object) -> str:
    return " ".join(_parse_text(raw).split())


def _parse_kpi_cell(raw: object) -> tuple[Kpi, ...]:
    return tuple(Kpi(name, target) for name, target in parse_kpis(_plain(raw)))


def _choice(choices: tuple[str, ...], default: str, aliases: dict[str, str]) -> Callable[[object], str]:
    return lambda raw: parse_choice(_plain(raw), choices, default, aliases)


# How each non-text column is read; text columns use `_parse_text`.
_PARSERS: dict[str, Callable[[object], object]] = {
    "value": lambda raw: parse_money(_plain(raw)),
    **{column: (lambda raw: parse_date(_plain(raw))) for column in DATE_COLUMNS},
    "extension_options": lambda raw: parse_extension_options(_plain(raw)),
    "kpis": _parse_kpi_cell,
    "kind": _choice(KINDS, "", _KIND_ALIASES),
    "signed": _choice(SIGNED_VALUES, "", _SIGNED_ALIASES),
    "status": _choice(STATUSES, "active", _STATUS_ALIASES),
    "monitoring": _choice(MONITORING_FREQUENCIES, "quarterly", _MONITORING_ALIASES),
    "provider": _parse_provider,
}
_CHECKED_SIZE = frozenset(MAX_LENGTHS) | {"value", "kpis"}
# Columns whose cells rarely repeat; every other column's readings are remembered per import.
_MOSTLY_UNIQUE = frozenset({"reference", "title", "notes", "contact_name", "contact_email"})
_REMEMBER_AT_MOST = 20_000


def _remembering(parser: Callable[[object], object]) -> Callable[[object], object]:
    """`parser`, remembering what each distinct cell read as.

    Registers repeat the same provider, dates, amounts and KPI targets on many rows; reading
    each once is faster, and sharing one value instead of 100,000 copies keeps a large import
    well inside its memory budget. Errors are not remembered, so every bad cell is reported.
    """
    seen: dict[tuple[type, object], object] = {}

    def read(raw: object) -> object:
        key = (raw.__class__, raw)
        try:
            return seen[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable cell: read it every time
            return parser(raw)
        value = parser(raw)
        if len(seen) < _REMEMBER_AT_MOST:
            seen[key] = value
        return value

    return read


def _plain(raw: object) -> object:
    """Strings stripped; spreadsheet numbers and dates passed through for the parsers."""
    if isinstance(raw, str):
        return raw.strip()
    return raw


def parse_rows(
    headers: Sequence[object], rows: Iterable[tuple[int, Sequence[object]]], *, first_imported: date | None = None
) -> ParsedRegister:
    """Agreements from `(row number, cells)` pairs; blank rows are skipped, bad cells all collected."""
    parser = RowParser(map_headers(headers), first_imported=first_imported)
    agreements: list[Agreement] = []
    for number, cells in rows:
        if is_empty_row(cells):
            continue
        agreement = parser.parse(number, cells)
        if agreement is not None:
            agreements.append(agreement)
    return ParsedRegister(
        tuple(agreements),
        tuple(parser.bad_cells),
        parser.rows,
        frozenset(parser.header.columns.values()),
        frozenset(parser.header.extra.values()),
    )


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

    Extra (unknown) columns follow the standard ones under their original header text.
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
    for name, text in agreement.extra:
        cells[name] = text
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
