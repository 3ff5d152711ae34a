"""Write what the bot records back to the Microsoft 365 list, so the list stays the single source of truth.

`REGISTER_WRITEBACK` (off by default) says what goes where: the new current end date after an
extension (`extended_to`), the decision on how an agreement ends (`decision`), the latest
monitoring return's status (`return_status`). Each write is a `PATCH …/items/{id}/fields`
with `If-Match` on the eTag the item had when the bot last read it. A `412` means someone
changed the item in SharePoint since: the write is not forced, the person who acted is told,
and `status` lists it until a sync brings the new version in. Every attempt is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.graph.client import GraphClient, GraphRefused
from bot.graph.register_list import ListReader
from bot.graph.register_source import RegisterSource
from domain.alerts import EXTEND, LET_END, RECOMMISSION
from domain.list_fields import ListColumn, plan_columns, read_column
from storage.db import session_factory
from storage.models import AgreementRow, ExtensionDecision, RegisterWriteback
from storage.register_sync import list_item_of, log_writeback, recent_writeback_problems, set_list_item_etag
from storage.returns import returns_overview

DECISION_WORDS = {EXTEND: "Extend", RECOMMISSION: "Re-commission", LET_END: "Let it end"}
WRITE_PERMISSION = ("an administrator must grant the app Sites.ReadWrite.All, or a write grant on this site "
                    "with Sites.Selected, for the bot to write back to the list")
CONFLICT = ("Recorded here, but not written to the SharePoint list: {reference} was changed in SharePoint since the bot "
            "last read it. Sync the register, then check the list's {columns} column.")
FAILED = "Recorded here, but not written to the SharePoint list ({reason}). It is listed in `status`; try again later."
NO_ITEM = "not synced from the list"
NO_COLUMN = "REGISTER_WRITEBACK names {column!r}, which the list has no column called"


@dataclass(frozen=True)
class WritebackResult:
    """How one write-back went: written, skipped (nothing new, or not from the list), conflict or failed."""

    outcome: str
    message: str = ""

    @property
    def note(self) -> str:
        """What to add to the reply of the person who acted ("" when it went through or was not needed)."""
        return self.message if self.outcome in ("conflict", "failed") else ""


class WriteBack:
    """Writes the bot's records for one agreement to its list item, never over someone else's edit."""

    def __init__(self, engine: AsyncEngine, source: RegisterSource, graph: GraphClient) -> None:
        self.engine = engine
        self.source = source
        self.graph = graph
        # The list's path and columns, kept for the length of a batch of writes (else read per write).
        self._layout: tuple[str, list[ListColumn]] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.source.writeback) and self.source.kind == "list"

    async def push(self, reference: str, actor: str = "", *, return_status: str | None = None) -> WritebackResult:
        """Write the agreement's recorded values (those `REGISTER_WRITEBACK` names) to its list item."""
        if not self.enabled:
            return WritebackResult("skipped")
        async with session_factory(self.engine)() as session:
            item = await list_item_of(session, reference)
            recorded = await _recorded(session, reference)
            last = await _last_written(session, reference)
        if item is None:
            return WritebackResult("skipped", NO_ITEM)
        if return_status is not None:
            recorded["return_status"] = return_status
        try:
            async with self.graph.session() as http:
                list_path, columns = self._layout or await self._read_layout(http)
                values = self._values(recorded, columns)
                if not values or all(last.get(name) == value for name, value in values.items()):
                    return WritebackResult("skipped")
                answer = await self.graph.call(http, "PATCH", f"{list_path}/items/{item.item_id}/fields", values,
                                               headers={"If-Match": item.etag} if item.etag else None)
        except GraphRefused as refused:
            return await self._log(item.reference, item.item_id, {}, "failed", FAILED.format(reason=str(refused)), actor)
        if answer.status == 412:
            names = ", ".join(sorted(self._display_names(values, columns)))
            return await self._log(item.reference, item.item_id, values, "conflict",
                                   CONFLICT.format(reference=item.reference, columns=names), actor)
        if answer.status in (401, 403):
            return await self._log(item.reference, item.item_id, values, "failed", FAILED.format(reason=WRITE_PERMISSION), actor)
        if answer.status != 200:
            reason = f"Graph answered HTTP {answer.status}" + (f" ({answer.error_code})" if answer.error_code else "")
            return await self._log(item.reference, item.item_id, values, "failed", FAILED.format(reason=reason), actor)
        etag = answer.headers.get("ETag") or str(answer.body.get("@odata.etag") or "")
        async with session_factory(self.engine)() as session, session.begin():
            if etag:
                await set_list_item_etag(session, item.reference, etag)
            await log_writeback(session, reference=item.reference, item_id=item.item_id, values=values,
                                outcome="written", actor=actor)
        return WritebackResult("written")

    async def _read_layout(self, http: Any) -> tuple[str, list[ListColumn]]:
        reader = ListReader(self.graph, http, self.source)
        await reader.open()
        return reader.list_path, [read_column(c) for c in await reader.columns()]

    async def retry_pending(self, limit: int = 200) -> int:
        """After a sync (fresh eTags), try again the write-backs that were refused or failed; how many went through."""
        if not self.enabled:
            return 0
        async with session_factory(self.engine)() as session:
            pending = await recent_writeback_problems(session, limit=limit)
        results = [await self.push(entry.reference, entry.actor) for entry in pending]
        return sum(1 for result in results if result.outcome == "written")

    async def push_return_statuses(self, today: date) -> int:
        """Write each synced agreement's latest return status ("Q2 2026/27: submitted") where it changed."""
        if not self.enabled or "return_status" not in self.source.writeback:
            return 0
        async with session_factory(self.engine)() as session:
            latest: dict[str, str] = {}
            for status in await returns_overview(session, today):  # oldest due first: the last one wins
                latest[status.reference] = f"{status.period_label}: {status.state.replace('_', ' ')}"
        try:
            async with self.graph.session() as http:
                self._layout = await self._read_layout(http)
            results = [await self.push(reference, return_status=text) for reference, text in latest.items()]
        except GraphRefused:
            return 0
        finally:
            self._layout = None
        return sum(1 for result in results if result.outcome == "written")

    def _values(self, recorded: dict[str, Any], columns: list[ListColumn]) -> dict[str, Any]:
        """Field values for the PATCH: each recorded thing in its column, shaped for the column's type."""
        plan = plan_columns(columns, self.source.columns)
        by_field = {register_field: name for name, register_field in plan.fields.items()}
        by_any = {key.casefold(): column for column in columns for key in (column.name, column.display_name)}
        values: dict[str, Any] = {}
        for what, named in self.source.writeback.items():
            if what not in recorded:
                continue
            column = by_any.get(named.casefold()) if named else by_any.get(by_field.get(what, "").casefold())
            if column is None:
                if named:
                    raise GraphRefused(NO_COLUMN.format(column=named))
                continue
            values[column.name] = _shaped(recorded[what], column, ZoneInfo(self.source.timezone))
        return values

    @staticmethod
    def _display_names(values: dict[str, Any], columns: list[ListColumn]) -> set[str]:
        return {column.display_name for column in columns if column.name in values}

    async def _log(self, reference: str, item_id: str, values: dict[str, Any], outcome: str, message: str,
                   actor: str) -> WritebackResult:
        async with session_factory(self.engine)() as session, session.begin():
            await log_writeback(session, reference=reference, item_id=item_id, values=values, outcome=outcome,
                                message=message, actor=actor)
        return WritebackResult(outcome, message)


async def _recorded(session: Any, reference: str) -> dict[str, Any]:
    """What the bot has recorded about the agreement: its current end date and latest end decision."""
    row = (await session.execute(
        select(AgreementRow.id, AgreementRow.extended_to, AgreementRow.extension_options)
        .where(AgreementRow.reference == reference)
    )).first()
    if row is None:
        return {}
    recorded: dict[str, Any] = {"extended_to": row.extended_to, "extension_options": row.extension_options}
    decision = (await session.execute(
        select(ExtensionDecision.decision).where(ExtensionDecision.agreement_id == row.id)
        .order_by(ExtensionDecision.decided_at.desc(), ExtensionDecision.id.desc()).limit(1)
    )).scalar_one_or_none()
    if decision:
        recorded["decision"] = DECISION_WORDS.get(decision, decision)
    return recorded


async def _last_written(session: Any, reference: str) -> dict[str, Any]:
    values = (await session.execute(
        select(RegisterWriteback.values).where(RegisterWriteback.reference == reference)
        .where(RegisterWriteback.outcome == "written").order_by(RegisterWriteback.id.desc()).limit(1)
    )).scalar_one_or_none()
    return dict(values or {})


def _shaped(value: Any, column: ListColumn, zone: ZoneInfo) -> Any:
    """A date as SharePoint stores a date-only value (UTC instant of local midnight); text as text."""
    if value is None:
        return None
    if isinstance(value, date) and column.kind in ("date", "datetime"):
        return datetime.combine(value, datetime.min.time(), zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value
