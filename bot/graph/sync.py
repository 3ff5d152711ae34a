"""Sync the register from Microsoft 365: read the list (or workbook), check every row, then write once.

A sync goes through the same import path as a CSV or XLSX file (`storage.register_import`):
the same validation and all-or-nothing rule, the same data-quality flags and audit entries,
attributed to the sync. Everything is read from Graph first; only when every item reads
cleanly is the register written, in one transaction together with the new delta link, so a
sync that fails part-way (a refused item, Graph gone, a token that cannot be renewed)
changes nothing and the next sync starts from the same place.

After the first full read only the list's changes are read (`/items/delta`): an item with
the `deleted` facet is flagged as removed from the register, never deleted; a delta with
nothing in it writes nothing to the register.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.graph.client import GraphClient, GraphRefused
from bot.graph.register_list import ListRead, ListReader, WorkbookReader
from bot.graph.register_source import RegisterSource
from domain.agreement import Agreement
from domain.list_fields import (
    ColumnPlan,
    ColumnsRefused,
    Lookups,
    lookup_ids,
    person_ids,
    plan_columns,
    read_column,
    row_cells,
    workbook_rows,
)
from domain.register_columns import BadCell, is_empty_row, map_headers
from domain.register_rows import ParsedRegister, RowParser, parse_rows
from storage.db import session_factory
from storage.models import AgreementRow, table_of
from storage.register_import import ImportSummary, ListItems, RegisterWriter, database_refusal, write_register
from storage.register_sync import SyncState, save_sync_state, sync_state

SYNC_ACTOR = "Microsoft 365 sync"
MAX_PROBLEMS = 50
QUOTE_AT_MOST = 80

if TYPE_CHECKING:  # imported when first needed at run time: the payments sync builds on this module
    from bot.graph.payments_sync import PaymentsSyncReport

AGREEMENTS = table_of(AgreementRow)
_running = asyncio.Lock()


@dataclass(frozen=True)
class SyncReport:
    """What one sync did: its counts, and for a refused or failed sync, why (safe to show)."""

    source: str
    outcome: str  # synced | unchanged | refused | failed
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    flagged_removed: int = 0
    refused: int = 0
    full: bool = False
    message: str = ""
    problems: tuple[str, ...] = ()
    finished_at: datetime | None = None
    data_quality: dict[str, int] = field(default_factory=dict)
    # The payments list's own sync (PAYMENTS_LIST), after the register's; None when there is none.
    payments: PaymentsSyncReport | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("synced", "unchanged")

    @property
    def counts(self) -> dict[str, int]:
        return {"added": self.added, "changed": self.changed, "unchanged": self.unchanged,
                "flagged_removed": self.flagged_removed, "refused": self.refused}

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "outcome": self.outcome, **self.counts, "full": self.full,
            "message": self.message, "problems": list(self.problems),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "data_quality": dict(self.data_quality),
            **({"payments": self.payments.as_json()} if self.payments is not None else {}),
        }

    def summary_line(self) -> str:
        """`Synced the list 'Register': 3 added, 1 changed, 96 unchanged, 0 flagged as removed.`"""
        if self.outcome == "failed":
            return f"Sync of {self.source} failed: {self.message} Nothing was changed."
        if self.outcome == "refused":
            items = "item" if self.refused == 1 else "items"
            return (f"Sync of {self.source} refused: {self.refused} {items} cannot be read. "
                    "Nothing was changed. Fix them in SharePoint and sync again.")
        if self.outcome == "unchanged":
            return f"{self.source[:1].upper()}{self.source[1:]} has not changed since the last sync: nothing to do."
        return (f"Synced {self.source}: {self.added} added, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.flagged_removed} flagged as removed from the register.")


async def sync_register(
    engine: AsyncEngine, source: RegisterSource, graph: GraphClient, *, today: date, actor: str = "",
    now: datetime | None = None,
) -> SyncReport:
    """Read `source` through Graph and bring the register up to date with it, or change nothing."""
    async with _running:
        started = now or datetime.now(UTC)
        async with session_factory(engine)() as session:
            state = await sync_state(session, source.key)
        try:
            report, state = await _sync(engine, source, graph, state, today=today, actor=_actor(actor), started=started)
        except GraphRefused as refused:
            report = SyncReport(source.label, "failed", message=_sentence(str(refused)))
        except ColumnsRefused as refused:
            report = SyncReport(source.label, "failed", message=str(refused))
        except (IntegrityError, DBAPIError) as error:
            report = SyncReport(source.label, "failed", message=database_refusal(error))
        finished = datetime.now(UTC)
        report = _finished(report, finished)
        if report.outcome != "synced":
            await _record(engine, state, report, started)
        if source.payments_list:
            report = replace(report, payments=await _payments(engine, source, graph, report, _actor(actor)))
        return report


async def _payments(
    engine: AsyncEngine, source: RegisterSource, graph: GraphClient, register: SyncReport, actor: str,
) -> PaymentsSyncReport:
    """The payments list, once the register it is checked against is up to date."""
    from bot.graph.payments_sync import PAYMENTS_WAIT, PaymentsSyncReport, sync_payments

    if not register.ok:
        return PaymentsSyncReport(source.payments_label, "skipped", message=PAYMENTS_WAIT)
    return await sync_payments(engine, source, graph, actor=actor)


def _actor(actor: str) -> str:
    return f"{SYNC_ACTOR} (asked by {actor})" if actor else SYNC_ACTOR


async def _sync(
    engine: AsyncEngine, source: RegisterSource, graph: GraphClient, state: SyncState, *, today: date, actor: str,
    started: datetime,
) -> tuple[SyncReport, SyncState]:
    async with graph.session() as http:
        if source.kind == "workbook":
            return await _sync_workbook(engine, source, WorkbookReader(graph, http, source), state, today, actor, started)
        reader = ListReader(graph, http, source)
        await reader.open(state.location if state.delta_link else "")
        read = await reader.read_changes(state.delta_link) if state.delta_link else None
        if read is None:  # the first sync, or the delta link expired (410): read everything
            return await _sync_everything(engine, source, reader, today=today, actor=actor, started=started)
        state = SyncState(source.key, location=reader.list_path, delta_link=read.delta_link or state.delta_link)
        if not read.items and not read.deleted:
            return SyncReport(source.label, "unchanged"), state
        plan = _plan(source, await reader.columns())
        fields = [item["fields"] for item in read.items]
        lookups = await _Resolver(reader, plan).lookups(fields)
    rows = [row_cells(plan, item_fields, lookups, source.zone) for item_fields in fields]
    kept = [(item, cells) for item, cells in zip(read.items, rows, strict=True) if not is_empty_row(cells)]
    parsed = parse_rows(plan.headers, ((n, cells) for n, (_, cells) in enumerate(kept, start=2)), first_imported=today)
    items = [item for item, _ in kept]
    problems = [_list_problem(cell, items, plan) for cell in parsed.bad_cells]
    if not problems:
        problems = await _taken_references(engine, parsed, items, read)
    if problems:
        return _refused(source, problems, False, len({p[0] for p in problems})), state
    links = ListItems(
        items={a.reference.casefold(): (str(i["id"]), str(i.get("eTag") or "")) for a, i in zip(parsed.agreements, items, strict=True)},
        deleted=frozenset(read.deleted), partial=True,
    )
    summary = await _write(engine, source, parsed, links, state, today=today, actor=actor, started=started,
                           digest=_digest(read))
    return _synced(source, summary, False), state


class _Refused(Exception):
    """Bad items were found while streaming: the transaction is rolled back and they are reported."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


async def _sync_everything(
    engine: AsyncEngine, source: RegisterSource, reader: ListReader, *, today: date, actor: str, started: datetime,
) -> tuple[SyncReport, SyncState]:
    """A full read, each page converted, checked and written while the next one is on its way.

    All of it happens inside one transaction: a bad item anywhere (every one is still reported),
    or Graph failing part-way, rolls it all back, so the register is exactly as it was.
    """
    state = SyncState(source.key, location=reader.list_path, delta_link=await reader.latest_delta_link())
    plan = _plan(source, await reader.columns())
    resolver = _Resolver(reader, plan)
    parser = RowParser(map_headers(plan.headers), first_imported=today)
    links = ListItems()
    seen: list[dict[str, Any]] = []  # each kept item's id, link and eTag, for reports and the digest
    agreements: list[Agreement] = []
    digest = hashlib.sha256()
    try:
        async with session_factory(engine)() as session, session.begin():
            writer = RegisterWriter(session, today=today, actor=actor, items=links)
            await writer.begin(f"{source.label} on {source.site}", "", _parsed(parser, agreements))
            async for items in reader.pages():
                fresh = await _read_page(items, plan, resolver, parser, source, links, seen, digest)
                agreements.extend(fresh)
                if not parser.bad_cells:
                    await writer.add(fresh)
            problems = [_list_problem(cell, seen, plan) for cell in parser.bad_cells]
            if problems:
                raise _Refused(problems)
            summary = await writer.finish(_parsed(parser, agreements), sha256=digest.hexdigest())
            await save_sync_state(session, SyncState(
                source.key, location=state.location, delta_link=state.delta_link, started_at=started,
                finished_at=datetime.now(UTC), outcome="synced", counts=_counts(summary),
            ), batch_id=summary.batch_id)
    except _Refused as refused:
        return _refused(source, refused.problems, True, len({p[0] for p in refused.problems})), state
    return _synced(source, summary, True), state


async def _read_page(
    items: list[dict[str, Any]], plan: ColumnPlan, resolver: _Resolver, parser: RowParser, source: RegisterSource,
    links: ListItems, seen: list[dict[str, Any]], digest: Any,
) -> list[Agreement]:
    """One page of items → agreements (bad cells collected in `parser`), each linked to its item."""
    fields = [item["fields"] for item in items]
    lookups = await resolver.lookups(fields)
    fresh: list[Agreement] = []
    for item, item_fields in zip(items, fields, strict=True):
        item_id, etag = str(item.get("id") or ""), str(item.get("eTag") or "")
        digest.update(f"{item_id}\t{etag}\n".encode())
        cells = row_cells(plan, item_fields, lookups, source.zone)
        if is_empty_row(cells):
            continue
        seen.append({"id": item_id, "webUrl": item.get("webUrl"), "eTag": etag})
        agreement = parser.parse(len(seen) + 1, cells)
        if agreement is not None:
            links.items[agreement.reference.casefold()] = (item_id, etag)
            fresh.append(agreement)
    return fresh


def _parsed(parser: RowParser, agreements: list[Agreement]) -> ParsedRegister:
    """The register read so far, as the writer needs it (its columns and kept note lines)."""
    return ParsedRegister(tuple(agreements), tuple(parser.bad_cells), parser.rows,
                          frozenset(parser.header.columns.values()), parser.kept_lines)


def _plan(source: RegisterSource, columns: list[dict[str, Any]]) -> ColumnPlan:
    return plan_columns((read_column(c) for c in columns), source.columns, ignored=source.written_columns)


class _Resolver:
    """People and lookup values, each fetched once per sync, page by page as items need them."""

    def __init__(self, reader: ListReader, plan: ColumnPlan) -> None:
        self.reader = reader
        self.plan = plan
        self.people: dict[str, str] = {}
        self.values: dict[tuple[str, str], str] = {}

    async def lookups(self, fields: list[dict[str, Any]]) -> Lookups:
        new_people = person_ids(self.plan, fields) - self.people.keys()
        if new_people:
            self.people.update(await self.reader.people(new_people))
        new_values = lookup_ids(self.plan, fields) - self.values.keys()
        if new_values:
            wanted = {key: _lookup_column(self.plan, key[0]) for key in new_values}
            self.values.update(await self.reader.lookup_values(wanted))
        return Lookups(self.people, self.values)


def _counts(summary: ImportSummary) -> dict[str, int]:
    return {"added": summary.created, "changed": summary.updated, "unchanged": summary.unchanged,
            "flagged_removed": summary.flagged_missing, "refused": 0}


async def _sync_workbook(
    engine: AsyncEngine, source: RegisterSource, reader: WorkbookReader, state: SyncState, today: date, actor: str,
    started: datetime,
) -> tuple[SyncReport, SyncState]:
    book = await reader.read(state.etag)
    state = SyncState(source.key, etag=book.etag)
    if book.unchanged:
        return SyncReport(source.label, "unchanged"), state
    cells = workbook_rows(book.rows, book.formats)
    parsed = parse_rows(book.header, ((n, row) for n, row in enumerate(cells, start=2)), first_imported=today)
    problems = [(str(cell.row), _workbook_problem(cell, source)) for cell in parsed.bad_cells]
    if problems:
        return _refused(source, problems, True, len({p[0] for p in problems})), state
    summary = await _write(engine, source, parsed, ListItems(), state, today=today, actor=actor, started=started,
                           digest=hashlib.sha256(json.dumps([book.header, book.rows], default=str).encode()).hexdigest())
    return _synced(source, summary, True), state


async def _write(
    engine: AsyncEngine, source: RegisterSource, parsed: ParsedRegister, links: ListItems, state: SyncState, *,
    today: date, actor: str, started: datetime, digest: str,
) -> ImportSummary:
    """The register and the new delta link (or eTag) in one transaction."""
    async with session_factory(engine)() as session, session.begin():
        summary = await write_register(session, parsed, source=f"{source.label} on {source.site}", sha256=digest,
                                       today=today, actor=actor, items=links)
        await save_sync_state(session, SyncState(
            source.key, location=state.location, delta_link=state.delta_link, etag=state.etag, started_at=started,
            finished_at=datetime.now(UTC), outcome="synced", counts=_counts(summary),
        ), batch_id=summary.batch_id)
    return summary


async def _record(engine: AsyncEngine, state: SyncState, report: SyncReport, started: datetime) -> None:
    """Remember an unchanged, refused or failed sync for `status`; a refused one keeps the old delta link."""
    async with session_factory(engine)() as session, session.begin():
        stored = await sync_state(session, state.source)
        keep_position = report.outcome != "unchanged"
        await save_sync_state(session, SyncState(
            state.source, location=stored.location if keep_position else state.location,
            delta_link=stored.delta_link if keep_position else state.delta_link,
            etag=stored.etag if keep_position else state.etag,
            started_at=started, finished_at=report.finished_at, outcome=report.outcome,
            message=report.message or "\n".join(report.problems[:5]), counts=report.counts,
        ))


def _synced(source: RegisterSource, summary: ImportSummary, full: bool) -> SyncReport:
    return SyncReport(
        source.label, "synced", added=summary.created, changed=summary.updated, unchanged=summary.unchanged,
        flagged_removed=summary.flagged_missing, full=full, data_quality=summary.problem_counts,
    )


def _refused(source: RegisterSource, problems: Sequence[tuple[str, str]], full: bool, items: int) -> SyncReport:
    lines = tuple(text for _, text in problems[:MAX_PROBLEMS])
    if len(problems) > MAX_PROBLEMS:
        lines += (f"… and {len(problems) - MAX_PROBLEMS} more.",)
    return SyncReport(source.label, "refused", refused=items, full=full, problems=lines)


def _finished(report: SyncReport, at: datetime) -> SyncReport:
    return SyncReport(**{**report.__dict__, "finished_at": at})


def _lookup_column(plan: ColumnPlan, list_id: str) -> str:
    return next((c.lookup_column for c in plan.columns if c.kind == "lookup" and c.lookup_list_id == list_id), "Title")


def _quoted(value: str) -> str:
    return repr(value if len(value) <= QUOTE_AT_MOST else value[:QUOTE_AT_MOST] + "…")


def _list_problem(cell: BadCell, items: Sequence[dict[str, Any]], plan: ColumnPlan) -> tuple[str, str]:
    """`List item 17 (https://…DispForm.aspx?ID=17), column 'End date': '2027-02-30' is not a date …`."""
    column = plan.display_name(cell.column)
    if cell.row < 2 or cell.row - 2 >= len(items):
        return "header", f"The list has no column for {cell.column}: add one, or map a column to it in REGISTER_COLUMNS."
    item = items[cell.row - 2]
    where = f"List item {item.get('id')}" + (f" ({item['webUrl']})" if item.get("webUrl") else "")
    if cell.value == "":
        return str(item.get("id")), f"{where}, column {column!r}: empty, but it needs {cell.expected}"
    return str(item.get("id")), f"{where}, column {column!r}: {_quoted(cell.value)} is not {cell.expected}"


def _workbook_problem(cell: BadCell, source: RegisterSource) -> str:
    where = f"Workbook {source.workbook}" + (f", table {source.table}" if source.table else "")
    if cell.value == "":
        return f"{where}, row {cell.row}, column {cell.column}: empty, but it needs {cell.expected}"
    return f"{where}, row {cell.row}, column {cell.column}: {_quoted(cell.value)} is not {cell.expected}"


async def _taken_references(
    engine: AsyncEngine, parsed: ParsedRegister, items: Sequence[dict[str, Any]], read: ListRead,
) -> list[tuple[str, str]]:
    """In a delta, an item must not take a reference another (still present) list item holds."""
    if not parsed.agreements:
        return []
    wanted = {a.reference.casefold(): str(i["id"]) for a, i in zip(parsed.agreements, items, strict=True)}
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(AGREEMENTS.c.reference, AGREEMENTS.c.list_item_id)
            .where(func.lower(AGREEMENTS.c.reference).in_([key.lower() for key in wanted]))
        )
    problems = []
    for reference, holder in rows:
        item_id = wanted.get(reference.casefold())
        if holder and item_id and holder != item_id and holder not in read.deleted:
            problems.append((item_id, f"List item {item_id}, column reference: {reference!r} is not "
                                      f"a unique reference (list item {holder} has it too)"))
    return problems


def _digest(read: ListRead) -> str:
    """What was read, for the import batch: the items' ids and eTags (each eTag names one version)."""
    digest = hashlib.sha256()
    for item in read.items:
        digest.update(f"{item.get('id')}\t{item.get('eTag')}\n".encode())
    for item_id in sorted(read.deleted):
        digest.update(f"{item_id}\tdeleted\n".encode())
    return digest.hexdigest()


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


__all__ = ["SyncReport", "sync_register"]
