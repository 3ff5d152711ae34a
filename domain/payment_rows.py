"""Payments sheet rows → `Instalment`s, with every unreadable cell reported, as the register is.

The sheet is read with the register's own cell readers (`domain.values`, `cell_text`, `BadCell`),
so a date or an amount means the same in both sheets and a report reads the same. What the rows
mean against the register (a reference it does not know, a payment before the start, a schedule
worth more than the agreement) is decided here too, by `check_against`, given the agreements.

Refused (the whole file changes nothing): a cell that cannot be read, a missing reference, due
date or amount, a paid amount with no paid date, and an instalment for a reference the register
does not have (money against an agreement nobody can see would never be chased). Flagged (the
file imports; the summary and the card list them): a payment dated before the agreement starts
(an advance is sometimes right), an instalment paid more than its amount, and a schedule adding up
to more than the agreement's value with no note on any of its rows to say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.agreement import Agreement
from domain.list_fields import ColumnPlan, ListColumn
from domain.payments import ZERO, Instalment, schedule_total
from domain.register_columns import BadCell, cell_text, header_key, is_empty_row, unescape_text
from domain.values import ValueNotUnderstood, parse_date, parse_money

HEADER_ROW = 1
COLUMNS: tuple[str, ...] = ("reference", "due_date", "amount", "paid_date", "paid_amount", "payment_reference", "note")
REQUIRED: tuple[str, ...] = ("reference", "due_date", "amount")
MAX_AMOUNT = Decimal("1000000000000")
MAX_PAYMENT_REFERENCE = 100

_ALIASES: dict[str, str] = {
    "ref": "reference", "contractreference": "reference", "grantreference": "reference",
    "agreementreference": "reference", "agreement": "reference",
    "due": "due_date", "duedate": "due_date", "paymentdue": "due_date", "datedue": "due_date",
    "instalment": "amount", "instalmentamount": "amount", "installment": "amount", "scheduled": "amount",
    "scheduledamount": "amount", "amountdue": "amount",
    "paid": "paid_date", "paidon": "paid_date", "datepaid": "paid_date", "paymentdate": "paid_date",
    "amountpaid": "paid_amount", "paidamount": "paid_amount",
    "paymentref": "payment_reference", "remittance": "payment_reference", "remittancereference": "payment_reference",
    "invoice": "payment_reference", "ponumber": "payment_reference", "transactionreference": "payment_reference",
    "notes": "note", "comment": "note", "comments": "note",
}
_CANONICAL = {column.replace("_", ""): column for column in COLUMNS}

# Problem codes a payments import flags (it still imports).
PAID_BEFORE_START = "paid_before_start"
OVERPAID = "overpaid"
OVER_VALUE = "schedule_over_value"
PROBLEM_TEXT: dict[str, str] = {
    PAID_BEFORE_START: "paid before the agreement starts",
    OVERPAID: "an instalment paid more than its amount",
    OVER_VALUE: "schedule adds up to more than the agreement's value, with no note saying why",
}
UNKNOWN_REFERENCE = "a reference in the register (import the register first, or correct the reference)"


@dataclass(frozen=True)
class ParsedPayments:
    """What a payments sheet means: instalments per reference, or every bad cell."""

    schedules: dict[str, tuple[Instalment, ...]]
    bad_cells: tuple[BadCell, ...]
    rows: int
    # Reference → the spreadsheet row of its first instalment, for reports.
    first_rows: Mapping[str, int] = field(default_factory=dict)
    # (reference, instalment number) → the row it came from: a list item's instalment, for write-back.
    source_rows: Mapping[tuple[str, int], int] = field(default_factory=dict)


def match_header(header: object) -> str | None:
    key = header_key(header)
    return _CANONICAL.get(key) or _ALIASES.get(key) if key else None


def plan_payment_columns(columns: Iterable[ListColumn]) -> ColumnPlan:
    """A payments list's columns → the header row `parse_payment_rows` reads, matched as a sheet's are.

    By display name first ("Date paid"), then internal name (`PaidOn`); the first column to claim
    a field wins and the rest are ignored, as SharePoint's own columns always are. The built-in
    Title counts only when renamed to something that matches ("Grant reference").
    """
    chosen: dict[str, str] = {}
    usable = [column for column in columns if not column.sharepoint_own]
    for by_display in (True, False):
        for column in usable:
            found = match_header(column.display_name if by_display else column.name)
            if column.name not in chosen and found and found not in chosen.values():
                chosen[column.name] = found
    kept = tuple(column for column in usable if column.name in chosen)
    return ColumnPlan(kept, tuple(chosen[column.name] for column in kept), chosen)


def looks_like_payments_header(cells: Sequence[object]) -> bool:
    return sum(1 for cell in cells if match_header(cell) in REQUIRED) >= 2


def parse_payment_rows(headers: Sequence[object], rows: Iterable[tuple[int, Sequence[object]]]) -> ParsedPayments:
    """Instalments from `(row number, cells)`; blank rows skipped, every bad cell collected."""
    positions: dict[str, int] = {}
    bad: list[BadCell] = []
    for position, header in enumerate(headers):
        column = match_header(header)
        if column is None:
            continue
        if column in positions:
            bad.append(BadCell(HEADER_ROW, column, cell_text(header), f"a column named once (column {positions[column] + 1} is {column} too)"))
            continue
        positions[column] = position
    for column in REQUIRED:
        if column not in positions:
            bad.append(BadCell(HEADER_ROW, column, "", f"a column named {column} (every payments sheet has one)"))
    if bad:
        return ParsedPayments({}, tuple(bad), 0)
    schedules: dict[str, list[Instalment]] = {}
    spelled: dict[str, str] = {}
    first_rows: dict[str, int] = {}
    source_rows: dict[tuple[str, int], int] = {}
    count = 0
    for number, cells in rows:
        if is_empty_row(cells):
            continue
        count += 1
        instalment = _row(number, cells, positions, bad)
        if instalment is None:
            continue
        key = instalment.reference.casefold()
        spelled.setdefault(key, instalment.reference)
        first_rows.setdefault(spelled[key], number)
        found = schedules.setdefault(spelled[key], [])
        found.append(Instalment(spelled[key], len(found) + 1, instalment.due, instalment.amount, instalment.paid_on,
                                instalment.paid_amount, instalment.payment_reference, instalment.note))
        source_rows[(spelled[key], len(found))] = number
    return ParsedPayments({ref: tuple(items) for ref, items in schedules.items()}, tuple(bad), count, first_rows,
                          source_rows)


def _cell(cells: Sequence[object], positions: Mapping[str, int], column: str) -> object:
    position = positions.get(column)
    if position is None or position >= len(cells):
        return None
    raw = cells[position]
    return raw.strip() if isinstance(raw, str) else raw


def _row(number: int, cells: Sequence[object], positions: Mapping[str, int], bad: list[BadCell]) -> Instalment | None:
    before = len(bad)
    values: dict[str, object] = {}
    for column in COLUMNS:
        raw = _cell(cells, positions, column)
        try:
            values[column] = _read(column, raw)
        except ValueNotUnderstood as error:
            bad.append(BadCell(number, column, cell_text(raw), error.expected))
            values[column] = None
    for column in REQUIRED:
        if column in values and values[column] in (None, "") and not any(c.row == number and c.column == column for c in bad[before:]):
            bad.append(BadCell(number, column, "", f"a {column.replace('_', ' ')} (every row needs one)"))
    if values.get("paid_amount") and values.get("paid_date") is None and not any(c.row == number for c in bad[before:]):
        bad.append(BadCell(number, "paid_date", "", "the date it was paid (a paid amount needs a paid date)"))
    if len(bad) > before:
        return None
    amount = values["amount"]
    paid_on = values["paid_date"]
    paid = values["paid_amount"]
    assert isinstance(amount, Decimal)
    if paid is None:
        paid = amount if paid_on is not None else ZERO  # a paid date alone means paid in full
    assert isinstance(paid, Decimal)
    due = values["due_date"]
    assert isinstance(due, date)
    return Instalment(
        str(values["reference"]), 0, due, amount, paid_on if isinstance(paid_on, date) else None, paid,
        str(values["payment_reference"] or ""), str(values["note"] or ""),
    )


def _read(column: str, raw: object) -> object:
    if column in ("due_date", "paid_date"):
        return parse_date(raw)
    if column in ("amount", "paid_amount"):
        amount = parse_money(raw)
        if amount is not None and (amount < 0 or amount >= MAX_AMOUNT):
            raise ValueNotUnderstood(raw, "an amount from £0 to under £1,000bn")
        return amount
    text = unescape_text(cell_text(raw))
    limit = MAX_PAYMENT_REFERENCE if column in ("reference", "payment_reference") else 2000
    if len(text) > limit:
        raise ValueNotUnderstood(raw, f"at most {limit} characters long (it has {len(text)})")
    return text


def check_against(parsed: ParsedPayments, agreements: Mapping[str, Agreement]) -> tuple[list[BadCell], dict[str, list[str]]]:
    """Refusals (unknown references) and flags (code → references) of a parsed sheet against the register.

    `agreements` is keyed by casefolded reference; schedules are renamed to the register's spelling.
    """
    refused: list[BadCell] = []
    flags: dict[str, list[str]] = {}
    for reference, schedule in parsed.schedules.items():
        agreement = agreements.get(reference.casefold())
        if agreement is None:
            refused.append(BadCell(parsed.first_rows.get(reference, 0), "reference", reference, UNKNOWN_REFERENCE))
            continue
        start = agreement.start_date
        if start is not None and any(i.paid_on is not None and i.paid_on < start for i in schedule):
            flags.setdefault(PAID_BEFORE_START, []).append(agreement.reference)
        if any(i.paid_amount > i.amount for i in schedule):
            flags.setdefault(OVERPAID, []).append(agreement.reference)
        if agreement.value is not None and schedule_total(schedule) > agreement.value and not any(i.note for i in schedule):
            flags.setdefault(OVER_VALUE, []).append(agreement.reference)
    refused.sort(key=lambda cell: cell.row)
    return refused, flags
