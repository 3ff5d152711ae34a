"""Import a register file: all or nothing, upsert by reference, every change audited.

A register import is trusted only if it is predictable: a file with one unreadable cell
changes nothing (the report names every bad cell), a good file creates new agreements,
updates changed ones with one audit entry per changed field, leaves unchanged ones alone,
and flags (never deletes) agreements the file no longer lists. The whole write is one
transaction, so a failure half-way leaves the register exactly as it was.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.agreement import Agreement, format_extension_options
from domain.data_quality import MISSING_FROM_LAST_IMPORT, problems
from domain.register_columns import COLUMNS, agreement_texts, format_kpis, plain_number
from domain.register_rows import ParsedRegister, parse_rows
from storage.agreements import PLAIN_FIELDS, load_agreements
from storage.bulk import bulk_insert
from storage.db import session_factory
from storage.models import AgreementRow, AuditEntry, Contact, ImportBatch, KpiRow, Provider, table_of
from storage.register_sheets import FileRefused, ImportRefused, open_register, read_bytes_sha256

__all__ = ["ImportRefused", "ImportSummary", "ListItems", "RegisterWriter", "import_register", "read_register", "write_register"]

# Rows written per round trip: large enough that the driver's executemany does the work, small
# enough that a chunk's parameters (and its `IN` list) stay well inside both databases' limits.
CHUNK = 2_000
ACTION_CREATE = "import_create"
ACTION_UPDATE = "import_update"
ACTION_MISSING = "import_flag_missing"
ACTION_REAPPEARED = "import_reappeared"
ACTION_REMOVED = "sync_flag_removed"
DATABASE_REFUSED = "The database refused the import ({reason}); nothing was changed. Try the import again."

AGREEMENTS = table_of(AgreementRow)
CONTACTS = table_of(Contact)
KPIS = table_of(KpiRow)
AUDIT = table_of(AuditEntry)
PROVIDERS = table_of(Provider)
IMPORT_BATCHES = table_of(ImportBatch)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, and the data-quality gaps in what it loaded."""

    filename: str
    batch_id: int
    rows: int
    created: int
    updated: int
    unchanged: int
    flagged_missing: int
    # data-quality code → references of the agreements with that problem
    problems: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # What the workbook's Payments sheet did, as sentences; empty when it has none.
    payments: list[str] = field(default_factory=list)

    @property
    def problem_counts(self) -> dict[str, int]:
        return {code: len(references) for code, references in self.problems.items() if references}


@dataclass(frozen=True)
class ListItems:
    """Where a synced register's rows came from: the list item behind each agreement.

    `items` maps a reference (casefolded) to its list item's (id, eTag). A delta is `partial`:
    agreements it does not mention are unchanged, not missing; `deleted` holds the ids of items
    the list no longer has, which are flagged as removed, never deleted.
    """

    items: dict[str, tuple[str, str]] = field(default_factory=dict)
    deleted: frozenset[str] = frozenset()
    partial: bool = False


def read_register(path: Path, *, today: date | None = None) -> ParsedRegister:
    """Parse a register file without touching the database; `ImportRefused` if it is unusable."""
    try:
        sheet = open_register(path)
        parsed = parse_rows(sheet.header, sheet.rows, first_imported=today)
    except FileRefused as refused:
        raise ImportRefused(reason=str(refused)) from None
    if parsed.bad_cells:
        raise ImportRefused(parsed.bad_cells)
    return parsed


async def import_register(engine: AsyncEngine, path: Path, *, today: date, actor: str = "") -> ImportSummary:
    """Load `path` into the register in one transaction, or raise `ImportRefused` and change nothing."""
    from storage.payments import has_payments_sheet, read_payments, write_payments

    path = Path(path)
    parsed = await asyncio.to_thread(read_register, path, today=today)
    payments = await asyncio.to_thread(read_payments, path) if has_payments_sheet(path) else None
    sha256 = await asyncio.to_thread(read_bytes_sha256, path)
    try:
        async with session_factory(engine)() as session, session.begin():
            summary = await write_register(session, parsed, source=path.name, sha256=sha256, today=today, actor=actor)
            if payments is not None:  # the workbook's Payments sheet, in the same all-or-nothing transaction
                paid = await write_payments(session, payments, source=f"{path.name} (Payments)", actor=actor,
                                            batch_id=summary.batch_id)
                summary = replace(summary, payments=paid.lines())
            return summary
    except (IntegrityError, DBAPIError) as error:
        raise ImportRefused(reason=database_refusal(error)) from None


async def write_register(
    session: AsyncSession, parsed: ParsedRegister, *, source: str, sha256: str, today: date, actor: str,
    items: ListItems | None = None,
) -> ImportSummary:
    """Write a parsed register inside the caller's transaction: the one write path of imports and syncs."""
    writer = RegisterWriter(session, today=today, actor=actor, items=items)
    return await writer.write(source, sha256, parsed)


def database_refusal(error: Exception) -> str:
    """A database error as a sentence for people, never with the SQL or its parameters."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200]
    return DATABASE_REFUSED.format(reason=reason)


@dataclass
class _Existing:
    id: int
    reference: str
    missing: bool
    item_id: str | None = None
    item_etag: str = ""


class RegisterWriter:
    """The write half of an import, inside the caller's transaction."""

    def __init__(self, session: AsyncSession, *, today: date, actor: str, items: ListItems | None = None) -> None:
        self.session = session
        self.items = items
        self.today = today
        self.actor = actor
        self.now = datetime.now(UTC)
        self.batch_id = 0
        self.audit: list[dict[str, Any]] = []
        self.counts = {"created": 0, "updated": 0, "unchanged": 0, "flagged_missing": 0}
        self.problems: dict[str, list[str]] = {}

    async def write(self, filename: str, sha256: str, parsed: ParsedRegister) -> ImportSummary:
        """The whole register at once: what a file import does."""
        await self.begin(filename, sha256, parsed)
        for chunk in _chunks(parsed.agreements, CHUNK):
            await self.add(chunk)
        return await self.finish(parsed)

    async def begin(self, filename: str, sha256: str, parsed: ParsedRegister) -> None:
        """Start the batch; `parsed` may still be filling (a sync streams pages into it) but knows its columns."""
        self.parsed = parsed
        self.filename = filename
        self.batch_id = await self._start_batch(filename, sha256)
        self.existing = await self._existing()
        rows = await self.session.execute(select(PROVIDERS.c.id, PROVIDERS.c.name, PROVIDERS.c.org_id))
        self.known_providers = {name: (id_, org_id) for id_, name, org_id in rows}

    async def add(self, agreements: Sequence[Agreement]) -> None:
        """Write some of the register's agreements (at most `CHUNK` at a time)."""
        for chunk in _chunks(agreements, CHUNK):
            providers = await self._providers(chunk)
            await self._write_chunk(chunk, self.existing, providers)

    async def finish(self, parsed: ParsedRegister, *, sha256: str = "") -> ImportSummary:
        """Flag what the source no longer lists, write the audit, close the batch: the summary."""
        self.parsed = parsed
        existing = self.existing
        await self._note_items(existing)
        await self._flag_missing(self._absent(existing))
        await self._flush_audit()
        await self._finish_batch(len(parsed.agreements), sha256)
        return ImportSummary(
            filename=self.filename,
            batch_id=self.batch_id,
            rows=len(parsed.agreements),
            problems={code: tuple(references) for code, references in self.problems.items()},
            created=self.counts["created"], updated=self.counts["updated"], unchanged=self.counts["unchanged"],
            flagged_missing=self.counts["flagged_missing"],
        )

    def _absent(self, existing: dict[str, _Existing]) -> list[_Existing]:
        """Agreements the source no longer lists: all unseen ones for a file, deleted items for a delta.

        A list item whose reference was changed in SharePoint leaves its old reference behind,
        so that one is absent too.
        """
        seen = {agreement.reference.casefold() for agreement in self.parsed.agreements}
        if self.items is None or not self.items.partial:
            return [row for key, row in existing.items() if key not in seen]
        renamed = {item_id for item_id, _ in self.items.items.values()}
        return [
            row for key, row in existing.items()
            if key not in seen and row.item_id and (row.item_id in self.items.deleted or row.item_id in renamed)
        ]

    async def _note_items(self, existing: dict[str, _Existing]) -> None:
        """Remember each agreement's list item id and eTag (no audit: it is bookkeeping, not register data).

        New and changed agreements got theirs with the row; this catches unchanged rows whose item
        changed only outside the register's columns (a new eTag, needed for write-back's If-Match).
        """
        if self.items is None:
            return
        changed = [
            {"_reference": found.reference, "list_item_id": item_id, "list_item_etag": etag[:200]}
            for key, (item_id, etag) in self.items.items.items()
            if (found := existing.get(key)) is not None and (found.item_id, found.item_etag) != (item_id, etag[:200])
        ]
        for chunk in _chunks(changed, CHUNK):
            await self.session.execute(
                update(AGREEMENTS).where(AGREEMENTS.c.reference == bindparam("_reference"))
                .values(list_item_id=bindparam("list_item_id"), list_item_etag=bindparam("list_item_etag")),
                list(chunk),
            )

    async def _start_batch(self, filename: str, sha256: str) -> int:
        result = await self.session.execute(
            insert(IMPORT_BATCHES).returning(IMPORT_BATCHES.c.id),
            [{"imported_at": self.now, "filename": filename[:500], "sha256": sha256, "actor": self.actor[:320]}],
        )
        return int(result.scalar_one())

    async def _finish_batch(self, rows: int, sha256: str = "") -> None:
        digest = {"sha256": sha256} if sha256 else {}
        await self.session.execute(
            update(IMPORT_BATCHES).where(IMPORT_BATCHES.c.id == self.batch_id).values(rows=rows, **self.counts, **digest)
        )

    async def _existing(self) -> dict[str, _Existing]:
        result = await self.session.execute(select(
            AGREEMENTS.c.id, AGREEMENTS.c.reference, AGREEMENTS.c.missing_from_last_import,
            AGREEMENTS.c.list_item_id, AGREEMENTS.c.list_item_etag,
        ))
        return {
            ref.casefold(): _Existing(id_, ref, bool(missing), item_id, etag or "")
            for id_, ref, missing, item_id, etag in result
        }

    async def _providers(self, agreements: Iterable[Agreement]) -> dict[str, int]:
        """Provider ids by name, creating providers the register has not seen before.

        A provider's organisation identifier is the first one the register gives it; a provider
        the database knows without one gets it filled in.
        """
        known = self.known_providers
        org_ids: dict[str, str] = {}
        for agreement in agreements:
            if not org_ids.get(agreement.provider):
                org_ids[agreement.provider] = agreement.provider_id
        new = [{"name": name, "org_id": org_id} for name, org_id in org_ids.items() if name not in known]
        if new:
            created = await self.session.execute(insert(PROVIDERS).returning(PROVIDERS.c.id, PROVIDERS.c.name), new)
            for id_, name in created:
                known[name] = (id_, org_ids[name])
        created_names = {item["name"] for item in new}
        filled = {
            name: org_id for name, org_id in org_ids.items()
            if org_id and not known[name][1] and name not in created_names
        }
        if filled:
            await self.session.execute(
                update(PROVIDERS).where(PROVIDERS.c.id == bindparam("_id")).values(org_id=bindparam("org_id")),
                [{"_id": known[name][0], "org_id": org_id} for name, org_id in filled.items()],
            )
            known.update({name: (known[name][0], org_id) for name, org_id in filled.items()})
        return {name: id_ for name, (id_, _) in known.items()}

    async def _write_chunk(
        self, chunk: Sequence[Agreement], existing: dict[str, _Existing], providers: dict[str, int]
    ) -> None:
        current = await self._load([existing[a.reference.casefold()].id for a in chunk if a.reference.casefold() in existing])
        to_create: list[Agreement] = []
        to_update: list[tuple[int, Agreement, Agreement | None]] = []
        seen_ids: list[int] = []
        for agreement in chunk:
            found = existing.get(agreement.reference.casefold())
            if found is None:
                to_create.append(agreement)
                self._note_problems(agreement)
                continue
            seen_ids.append(found.id)
            old = current[found.id]
            agreement = self.parsed.merged(old, agreement)
            changes = _changes(old, agreement)
            self._note_problems(agreement)
            if found.missing:
                self._audit(ACTION_REAPPEARED, agreement.reference, MISSING_FROM_LAST_IMPORT, "yes", "no")
            for column, before, after in changes:
                self._audit(ACTION_UPDATE, agreement.reference, column, before, after)
            if changes or found.missing:
                to_update.append((found.id, agreement, old))
                self.counts["updated"] += 1
            else:
                self.counts["unchanged"] += 1
        await self._create(to_create, providers)
        await self._update(to_update, providers)
        if seen_ids:
            await self.session.execute(
                update(AGREEMENTS).where(AGREEMENTS.c.id.in_(seen_ids)).values(last_import_batch_id=self.batch_id)
            )
        if len(self.audit) >= 5_000:
            await self._flush_audit()

    async def _load(self, ids: list[int]) -> dict[int, Agreement]:
        """The register's current agreements for `ids`."""
        return await load_agreements(self.session, ids)

    async def _create(self, agreements: list[Agreement], providers: dict[str, int]) -> None:
        if not agreements:
            return
        values = [
            {"list_item_id": None, "list_item_etag": "", **self._row_values(agreement, providers),
             "first_imported": self.today, "created_at": self.now}
            for agreement in agreements
        ]
        # The driver's executemany returns no rows, so the new ids are read back by reference.
        await bulk_insert(self.session, AGREEMENTS, values)
        references = [agreement.reference for agreement in agreements]
        result = await self.session.execute(
            select(AGREEMENTS.c.id, AGREEMENTS.c.reference).where(AGREEMENTS.c.reference.in_(references))
        )
        ids = {reference: id_ for id_, reference in result}
        await self._insert_children([(ids[a.reference], a) for a in agreements])
        for agreement in agreements:
            self._audit(ACTION_CREATE, agreement.reference, "", "", agreement.title)
        self.counts["created"] += len(agreements)

    async def _update(self, items: list[tuple[int, Agreement, Agreement | None]], providers: dict[str, int]) -> None:
        if not items:
            return
        values = [{**self._row_values(agreement, providers), "_id": id_} for id_, agreement, _ in items]
        columns: dict[str, BindParameter[Any]] = {name: bindparam(name) for name in values[0] if name != "_id"}
        await self.session.execute(update(AGREEMENTS).where(AGREEMENTS.c.id == bindparam("_id")).values(columns), values)
        replace = [
            (id_, agreement)
            for id_, agreement, old in items
            if old is None
            or (old.contact_name, old.contact_email) != (agreement.contact_name, agreement.contact_email)
            or format_kpis(old.kpis) != format_kpis(agreement.kpis)
        ]
        if replace:
            ids = [id_ for id_, _ in replace]
            await self.session.execute(delete(CONTACTS).where(CONTACTS.c.agreement_id.in_(ids)))
            await self.session.execute(delete(KPIS).where(KPIS.c.agreement_id.in_(ids)))
            await self._insert_children(replace)

    async def _insert_children(self, items: list[tuple[int, Agreement]]) -> None:
        contacts = [
            {"agreement_id": id_, "role": "provider_contact", "name": a.contact_name, "email": a.contact_email}
            for id_, a in items
            if a.contact_name or a.contact_email
        ]
        kpis = [
            {"agreement_id": id_, "position": position, "name": kpi.name, "target": plain_number(kpi.target)}
            for id_, a in items
            for position, kpi in enumerate(a.kpis)
        ]
        await bulk_insert(self.session, CONTACTS, contacts)
        await bulk_insert(self.session, KPIS, kpis)

    def _row_values(self, agreement: Agreement, providers: dict[str, int]) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(agreement, name) for name in PLAIN_FIELDS}
        if self.items is not None and (item := self.items.items.get(agreement.reference.casefold())):
            values.update(list_item_id=item[0], list_item_etag=item[1][:200])
        values.update(
            reference=agreement.reference,
            provider_id=providers[agreement.provider],
            provider_org_id=agreement.provider_id,
            extension_options=_extension_text(agreement.extension_options),
            extra=dict(agreement.extra),
            missing_from_last_import=False,
            last_import_batch_id=self.batch_id,
            updated_at=self.now,
        )
        return values

    async def _flag_missing(self, absent: list[_Existing]) -> None:
        newly = [row for row in absent if not row.missing]
        self.counts["flagged_missing"] = len(absent)
        for chunk in _chunks(newly, CHUNK):
            await self.session.execute(
                update(AGREEMENTS)
                .where(AGREEMENTS.c.id.in_([row.id for row in chunk]))
                .values(missing_from_last_import=True, updated_at=self.now)
            )
        action = ACTION_REMOVED if self.items is not None else ACTION_MISSING
        for row in newly:
            self._audit(action, row.reference, MISSING_FROM_LAST_IMPORT, "no", "yes")
        for row in absent:
            self.problems.setdefault(MISSING_FROM_LAST_IMPORT, []).append(row.reference)

    def _note_problems(self, agreement: Agreement) -> None:
        for problem in problems(agreement, self.today):
            self.problems.setdefault(problem.code, []).append(agreement.reference)

    def _audit(self, action: str, reference: str, column: str, before: str, after: str) -> None:
        self.audit.append({
            "at": self.now, "actor": self.actor[:320], "action": action, "reference": reference,
            "field": column[:100], "old_value": before, "new_value": after, "batch_id": self.batch_id,
        })

    async def _flush_audit(self) -> None:
        if self.audit:
            await bulk_insert(self.session, AUDIT, self.audit)
            self.audit = []


# Everything a register file sets; not the import bookkeeping (first_imported, missing flag).
_compared = attrgetter(*COLUMNS)


def _changes(old: Agreement, new: Agreement) -> list[tuple[str, str, str]]:
    """(column, old text, new text) for every cell that differs, in register column order."""
    if _compared(new) == _compared(old):
        return []  # the common case on re-import, decided without formatting every cell
    before = agreement_texts(old)
    after = agreement_texts(new)
    return [
        (column, before.get(column, ""), after.get(column, ""))
        for column in COLUMNS
        if before.get(column, "") != after.get(column, "")
    ]


@functools.lru_cache(maxsize=256)
def _extension_text(options: tuple[int, ...]) -> str:
    """A register repeats a handful of extension patterns: each formatted once."""
    return format_extension_options(options)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
