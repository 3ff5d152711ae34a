"""Sync payment schedules from a second Microsoft List (`PAYMENTS_LIST`), with the register's rules.

After the register syncs, the payments list is read in full (`/items?expand=fields`, following
`@odata.nextLink`; throttling and retries are the `GraphClient`'s), its columns matched as a
payments sheet's headers are, and its values read by column type (a date-only column is the
calendar date typed in `REGISTER_TIMEZONE`; a lookup column pointing at the register list gives
the looked-up reference). Then, exactly as `import-payments`:

- one unreadable cell, a missing reference, due date or amount, a paid amount with no paid date,
  or a reference the register does not have refuses the whole sync, naming the list item (and its
  link), the column's display name, the value and what was expected — nothing changes;
- a payment before the agreement starts, an overpaid instalment, or a schedule above the value
  with no note imports and is flagged.

The list's item ids and eTags are read with the items, so a list with nothing changed since the
last sync (the same items, the same eTags) writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.graph.client import GraphClient, GraphRefused
from bot.graph.register_list import ListReader
from bot.graph.register_source import RegisterSource
from bot.graph.sync import MAX_PROBLEMS, _quoted, _Resolver
from domain.list_fields import ColumnPlan, read_column, row_cells
from domain.payment_rows import PROBLEM_TEXT, ParsedPayments, parse_payment_rows, plan_payment_columns
from domain.register_columns import BadCell, is_empty_row
from storage.db import session_factory
from storage.models import ImportBatch, table_of
from storage.payment_list import write_payment_list
from storage.register_import import database_refusal
from storage.register_sheets import ImportRefused
from storage.register_sync import SyncState, save_sync_state, sync_state

BATCHES = table_of(ImportBatch)
PAYMENTS_WAIT = "the register sync did not go through, and payments are checked against the register. Fix the register first."
NO_COLUMN = "The payments list has no column for {column}: add one (a payments list needs reference, due date and amount)."


@dataclass(frozen=True)
class PaymentsSyncReport:
    """What one payments-list sync did, or why it changed nothing (safe to show)."""

    source: str
    outcome: str  # synced | unchanged | refused | failed | skipped
    instalments: int = 0
    agreements: int = 0
    changed: int = 0
    message: str = ""
    problems: tuple[str, ...] = ()
    flagged: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome in ("synced", "unchanged")

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "outcome": self.outcome, "instalments": self.instalments,
                "agreements": self.agreements, "changed": self.changed, "message": self.message,
                "problems": list(self.problems), "flagged": {code: list(refs) for code, refs in self.flagged.items()}}

    def summary_line(self) -> str:
        if self.outcome == "skipped":
            return f"{_capital(self.source)} was not synced: {self.message}"
        if self.outcome == "failed":
            return f"Sync of {self.source} failed: {self.message} No payments were changed."
        if self.outcome == "refused":
            return (f"Sync of {self.source} refused: {len(self.problems)} problems. No payments were changed. "
                    "Fix them in SharePoint and sync again.")
        if self.outcome == "unchanged":
            return f"{_capital(self.source)} has not changed since the last sync."
        line = (f"Synced {self.source}: {self.instalments} instalments for {self.agreements} agreements "
                f"({self.changed} schedules changed).")
        flags = "; ".join(f"{PROBLEM_TEXT.get(code, code)}: {', '.join(refs)}" for code, refs in self.flagged.items())
        return f"{line} Flagged, {flags}." if flags else line


async def sync_payments(
    engine: AsyncEngine, source: RegisterSource, graph: GraphClient, *, actor: str, now: datetime | None = None,
) -> PaymentsSyncReport:
    """Read the payments list and bring the stored schedules in line with it, or change nothing."""
    label = source.payments_label
    started = now or datetime.now(UTC)
    async with session_factory(engine)() as session:
        state = await sync_state(session, source.payments_key)
    try:
        report, digest, location = await _sync(engine, source, graph, state, actor=actor, started=started)
    except GraphRefused as refused:
        report, digest, location = PaymentsSyncReport(label, "failed", message=str(refused)), state.etag, state.location
    except (IntegrityError, DBAPIError) as error:
        report, digest, location = PaymentsSyncReport(label, "failed", message=database_refusal(error)), state.etag, state.location
    if report.outcome != "synced":
        async with session_factory(engine)() as session, session.begin():
            await save_sync_state(session, _state(source, location, digest if report.ok else state.etag, started, report))
    return report


def _state(source: RegisterSource, location: str, digest: str, started: datetime, report: PaymentsSyncReport) -> SyncState:
    return SyncState(source.payments_key, location=location, etag=digest, started_at=started,
                     finished_at=datetime.now(UTC), outcome=report.outcome,
                     message=report.message or "\n".join(report.problems[:5]),
                     counts={"instalments": report.instalments, "agreements": report.agreements, "changed": report.changed})


async def _sync(
    engine: AsyncEngine, source: RegisterSource, graph: GraphClient, state: SyncState, *, actor: str, started: datetime,
) -> tuple[PaymentsSyncReport, str, str]:
    label = source.payments_label
    async with graph.session() as http:
        reader = ListReader(graph, http, replace(source, list_name=source.payments_list))
        await reader.open(state.location)
        plan = plan_payment_columns(read_column(c) for c in await reader.columns())
        items: list[dict[str, Any]] = []
        digest = hashlib.sha256("\t".join(plan.headers).encode())
        async for page in reader.pages():
            for item in page:
                digest.update(f"{item.get('id')}\t{item.get('eTag')}\n".encode())
            items.extend(page)
        if digest.hexdigest() == state.etag and state.outcome in ("synced", "unchanged"):
            return PaymentsSyncReport(label, "unchanged"), state.etag, reader.list_path
        lookups = await _Resolver(reader, plan).lookups([item["fields"] for item in items])
    kept: list[dict[str, Any]] = []
    rows: list[tuple[int, list[object]]] = []
    for item in items:
        cells = row_cells(plan, item["fields"], lookups, source.zone)
        if not is_empty_row(cells):
            kept.append(item)
            rows.append((len(kept) + 1, cells))
    parsed = parse_payment_rows(plan.headers, rows)
    if parsed.bad_cells:
        return _refused(label, parsed.bad_cells, kept, plan), state.etag, reader.list_path
    links = _links(parsed, kept)
    try:
        async with session_factory(engine)() as session, session.begin():
            batch = await session.execute(insert(BATCHES).returning(BATCHES.c.id), [{
                "imported_at": started, "filename": f"{label} on {source.site}"[:500], "sha256": digest.hexdigest(),
                "actor": actor[:320]}])
            batch_id = int(batch.scalar_one())
            summary = await write_payment_list(session, parsed, links, source=label, actor=actor, batch_id=batch_id)
            report = PaymentsSyncReport(label, "synced", summary.instalments, summary.agreements, summary.changed,
                                        flagged=dict(summary.problems))
            await save_sync_state(session, _state(source, reader.list_path, digest.hexdigest(), started, report),
                                  batch_id=batch_id)
    except ImportRefused as refused:
        return _refused(label, refused.bad_cells, kept, plan), state.etag, reader.list_path
    return report, digest.hexdigest(), reader.list_path


def _links(parsed: ParsedPayments, items: list[dict[str, Any]]) -> dict[tuple[str, int], tuple[str, str]]:
    """(reference casefolded, instalment number) → (list item id, eTag) of the item it was read from."""
    links = {}
    for (reference, number), row in parsed.source_rows.items():
        item = items[row - 2]
        links[(reference.casefold(), number)] = (str(item.get("id") or ""), str(item.get("eTag") or ""))
    return links


def _refused(label: str, cells: Any, items: list[dict[str, Any]], plan: ColumnPlan) -> PaymentsSyncReport:
    problems = [_problem(cell, items, plan) for cell in cells]
    lines = tuple(problems[:MAX_PROBLEMS])
    if len(problems) > MAX_PROBLEMS:
        lines += (f"… and {len(problems) - MAX_PROBLEMS} more.",)
    return PaymentsSyncReport(label, "refused", problems=lines)


def _problem(cell: BadCell, items: list[dict[str, Any]], plan: ColumnPlan) -> str:
    """`List item 7 (https://…DispForm.aspx?ID=7), column 'Date paid': '31/02/2026' is not a date …`."""
    if cell.row < 2 or cell.row - 2 >= len(items):
        return NO_COLUMN.format(column=cell.column.replace("_", " "))
    item = items[cell.row - 2]
    where = f"List item {item.get('id')}" + (f" ({item['webUrl']})" if item.get("webUrl") else "")
    column = plan.display_name(cell.column)
    if cell.value == "":
        return f"{where}, column {column!r}: empty, but it needs {cell.expected}"
    return f"{where}, column {column!r}: {_quoted(cell.value)} is not {cell.expected}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
