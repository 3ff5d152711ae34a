"""Register spreadsheet rows → `Agreement`s, with every unreadable cell reported.

Dates typed by hand or stored as date cells, money with `£` and commas, `1+1` extension
options: this module reads each row's cells into an agreement with the parsers of
`domain.values`, and collects *every* cell it cannot read (not just the first) so the import
report lets people fix the file in one go. Columns the register format does not know are
kept, as docs/register-format.md says, in the agreement's notes: one `Header: value` line
each. Header matching and the way agreements go back into cells live in
`domain.register_columns`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from domain.agreement import (
    KINDS,
    MONITORING_FREQUENCIES,
    SIGNED_VALUES,
    STATUSES,
    Agreement,
    Kpi,
    format_extension_options,
)
from domain.register_columns import (
    COLUMNS,
    DATE_COLUMNS,
    REQUIRED,
    BadCell,
    HeaderMap,
    cell_text,
    is_empty_row,
    map_headers,
    plain_number,
    unescape_text,
)
from domain.values import (
    ValueNotUnderstood,
    parse_choice,
    parse_date,
    parse_extension_options,
    parse_kpis,
    parse_money,
)

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

_ALL_COLUMNS = frozenset(COLUMNS)


@dataclass(frozen=True)
class ParsedRegister:
    """What a file's rows mean: the agreements, or every bad cell that stops the import."""

    agreements: tuple[Agreement, ...]
    bad_cells: tuple[BadCell, ...]
    rows: int
    # The register columns the file has.
    columns: frozenset[str] = frozenset(COLUMNS)
    # Only for a file without a notes column: each reference's (casefolded) `Header: value`
    # lines, to be appended to the notes already in the register.
    kept_lines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def merged(self, old: Agreement, new: Agreement) -> Agreement:
        """`new` for the columns this file has; `old`'s values for columns it leaves out.

        A file without (say) a `notes` column says nothing about notes, so re-importing it
        must not blank the notes already in the register; its unknown columns' lines are
        appended to those notes instead (once: a line already there is not added again).
        """
        if self.columns >= _ALL_COLUMNS:
            return new
        kept = {column: getattr(old, column) for column in COLUMNS if column not in self.columns}
        lines = self.kept_lines.get(new.reference.casefold())
        if lines:
            kept["notes"] = with_kept_lines(old.notes, lines)
        return replace(new, **kept)


def kept_line(header: str, value: str) -> str:
    """An unknown column's cell as the line notes keep it in: `Legacy ID: 123`."""
    return f"{header}: {value}"


def with_kept_lines(notes: str, lines: Sequence[str]) -> str:
    """`notes`, then each of `lines` on its own line unless the notes already have it.

    Export writes the kept lines inside the notes cell, so a file holding both that notes
    cell and the unknown column again must not get the line twice; re-importing it must
    change nothing.
    """
    present = f"\n{notes}\n"
    added = [line for line in lines if f"\n{line}\n" not in present]
    if not added:
        return notes
    return "\n".join([notes, *added]) if notes else "\n".join(added)


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
        self._unknown = list(header.unknown.items())
        self._has_notes = "notes" in present
        self.kept_lines: dict[str, tuple[str, ...]] = {}

    def parse(self, row_number: int, cells: Sequence[object]) -> Agreement | None:
        """The row's agreement, or `None` (bad cells recorded) when any cell is unreadable."""
        self.rows += 1
        before = len(self.bad_cells)
        fields = self._fields(row_number, cells)
        if len(self.bad_cells) > before:
            return None
        lines = self._kept_lines(cells)
        if lines:
            fields["notes"] = with_kept_lines(fields["notes"], lines)
            if not self._has_notes:
                self.kept_lines[str(fields["reference"]).casefold()] = lines
        return Agreement(**fields, first_imported=self.first_imported)

    def _kept_lines(self, cells: Sequence[object]) -> tuple[str, ...]:
        """The row's non-empty unknown cells as `Header: value` lines, in column order."""
        width = len(cells)
        return tuple(
            kept_line(header, unescape_text(text))
            for position, header in self._unknown
            if position < width and (text := cell_text(cells[position]))
        )

    def _fields(self, row: int, cells: Sequence[object]) -> dict[str, Any]:
        """`Agreement` keyword arguments by column, each of the type its column's parser gives."""
        fields: dict[str, Any] = dict(self._defaults)
        width = len(cells)
        for position, column, parser in self._plan:
            raw = cells[position] if position < width else None
            try:
                value = parser(raw)
            except ValueNotUnderstood as error:
                self.bad_cells.append(BadCell(row, column, cell_text(raw), error.expected))
                continue
            fields[column] = value
            if not value and column in REQUIRED:
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


def _parse_text(raw: object) -> str:
    return unescape_text(cell_text(raw))


def _parse_provider(raw: object) -> str:
    return " ".join(_parse_text(raw).split())


def _limited(parser: Callable[[object], str], limit: int) -> Callable[[object], str]:
    """`parser`, refusing text longer than the database column holds."""
    def read(raw: object) -> str:
        text = parser(raw)
        if len(text) > limit:
            raise ValueNotUnderstood(raw, f"at most {limit} characters long (it has {len(text)})")
        return text

    return read


def _parse_value(raw: object) -> Decimal | None:
    amount = parse_money(_plain(raw))
    if amount is not None and amount >= MAX_VALUE:
        raise ValueNotUnderstood(raw, "an amount under £1,000bn")
    return amount


def _parse_extensions(raw: object) -> tuple[int, ...]:
    options = parse_extension_options(_plain(raw))
    if len(format_extension_options(options)) > MAX_LENGTHS["extension_options"]:
        raise ValueNotUnderstood(raw, f"at most {MAX_LENGTHS['extension_options']} characters long")
    return options


def _parse_kpi_cell(raw: object) -> tuple[Kpi, ...]:
    kpis = tuple(Kpi(name, target) for name, target in parse_kpis(_plain(raw)))
    for kpi in kpis:
        if len(kpi.name) > KPI_NAME_LENGTH or len(plain_number(kpi.target)) > KPI_TARGET_LENGTH:
            raise ValueNotUnderstood(
                raw, f"KPI names of at most {KPI_NAME_LENGTH} characters with targets of at most {KPI_TARGET_LENGTH} digits"
            )
    return kpis


def _choice(choices: tuple[str, ...], default: str, aliases: dict[str, str]) -> Callable[[object], str]:
    return lambda raw: parse_choice(_plain(raw), choices, default, aliases)


# How each non-text column is read; text columns use `_parse_text`.
_PARSERS: dict[str, Callable[[object], object]] = {
    **{column: _limited(_parse_text, limit) for column, limit in MAX_LENGTHS.items()},
    "value": _parse_value,
    **{column: (lambda raw: parse_date(_plain(raw))) for column in DATE_COLUMNS},
    "extension_options": _parse_extensions,
    "kpis": _parse_kpi_cell,
    "kind": _choice(KINDS, "", _KIND_ALIASES),
    "signed": _choice(SIGNED_VALUES, "", _SIGNED_ALIASES),
    "status": _choice(STATUSES, "active", _STATUS_ALIASES),
    "monitoring": _choice(MONITORING_FREQUENCIES, "quarterly", _MONITORING_ALIASES),
    "provider": _limited(_parse_provider, MAX_LENGTHS["provider"]),
}
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
        parser.kept_lines,
    )
