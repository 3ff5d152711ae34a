"""What the database remembers about syncing the register from Microsoft 365.

One row per source (a list or a workbook): the delta link (or the workbook's eTag) to read
from next time, and how the last sync went, for `status` and the schedule. The delta link is
saved in the same transaction as the register rows it brought, so a sync that fails part-way
leaves both exactly as they were. Write-back attempts are logged here too, so a conflict
(`412`, someone changed the item in SharePoint) shows in `status` instead of being lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AgreementRow, RegisterSync, RegisterWriteback, table_of

SYNCS = table_of(RegisterSync)
WRITEBACKS = table_of(RegisterWriteback)
AGREEMENTS = table_of(AgreementRow)


@dataclass(frozen=True)
class SyncState:
    """The stored state of one source; an empty one before its first sync."""

    source: str
    location: str = ""
    delta_link: str = ""
    etag: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: str = ""
    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)


async def sync_state(session: AsyncSession, source: str) -> SyncState:
    """The state of `source`, or an empty state if it has never been synced."""
    row = (await session.execute(select(SYNCS).where(SYNCS.c.source == source))).mappings().first()
    if row is None:
        return SyncState(source)
    return SyncState(
        source=source, location=row["location"] or "", delta_link=row["delta_link"] or "", etag=row["etag"] or "",
        started_at=_aware(row["started_at"]), finished_at=_aware(row["finished_at"]),
        outcome=row["outcome"] or "", message=row["message"] or "", counts=dict(row["counts"] or {}),
    )


async def latest_sync(session: AsyncSession) -> SyncState | None:
    """The most recently finished sync of any source (for `status`), or `None`."""
    row = (await session.execute(
        select(SYNCS.c.source).where(SYNCS.c.finished_at.is_not(None)).order_by(SYNCS.c.finished_at.desc()).limit(1)
    )).first()
    return await sync_state(session, row[0]) if row else None


async def save_sync_state(session: AsyncSession, state: SyncState, *, batch_id: int | None = None) -> None:
    """Insert or replace the stored state of `state.source` (inside the caller's transaction)."""
    values: dict[str, Any] = {
        "location": state.location[:500], "delta_link": state.delta_link, "etag": state.etag[:200], "started_at": state.started_at,
        "finished_at": state.finished_at, "outcome": state.outcome[:20], "message": state.message,
        "counts": dict(state.counts), "batch_id": batch_id,
    }
    result = await session.execute(update(SYNCS).where(SYNCS.c.source == state.source).values(**values))
    if not getattr(result, "rowcount", 0):
        await session.execute(insert(SYNCS).values(source=state.source[:500], **values))


@dataclass(frozen=True)
class ListItemRef:
    """The list item behind an agreement, as last read."""

    reference: str
    item_id: str
    etag: str


async def list_item_of(session: AsyncSession, reference: str) -> ListItemRef | None:
    """The list item an agreement was synced from (exact reference, any case), or `None`."""
    row = (await session.execute(
        select(AGREEMENTS.c.reference, AGREEMENTS.c.list_item_id, AGREEMENTS.c.list_item_etag)
        .where(func.lower(AGREEMENTS.c.reference) == reference.strip().lower())
    )).first()
    if row is None or not row[1]:
        return None
    return ListItemRef(row[0], row[1], row[2] or "")


async def set_list_item_etag(session: AsyncSession, reference: str, etag: str) -> None:
    """After a write-back the item has a new eTag; remember it so the next write is not refused."""
    await session.execute(update(AGREEMENTS).where(AGREEMENTS.c.reference == reference).values(list_item_etag=etag[:200]))


async def log_writeback(
    session: AsyncSession, *, reference: str, item_id: str, values: dict[str, Any], outcome: str, message: str = "",
    actor: str = "", now: datetime | None = None,
) -> None:
    """Record one write-back attempt: written, conflict (412) or failed."""
    await session.execute(insert(WRITEBACKS).values(
        at=now or datetime.now(UTC), reference=reference[:100], list_item_id=item_id[:100], values=values,
        outcome=outcome[:20], message=message, actor=actor[:320],
    ))


@dataclass(frozen=True)
class WritebackEntry:
    at: datetime
    reference: str
    outcome: str
    message: str
    actor: str


async def recent_writeback_problems(session: AsyncSession, limit: int = 5) -> list[WritebackEntry]:
    """Agreements whose latest write-back did not go through (a conflict or a failure), newest first."""
    latest = select(func.max(WRITEBACKS.c.id)).group_by(WRITEBACKS.c.reference).scalar_subquery()
    rows = await session.execute(
        select(WRITEBACKS.c.at, WRITEBACKS.c.reference, WRITEBACKS.c.outcome, WRITEBACKS.c.message, WRITEBACKS.c.actor)
        .where(WRITEBACKS.c.id.in_(latest)).where(WRITEBACKS.c.outcome != "written")
        .order_by(WRITEBACKS.c.id.desc()).limit(limit)
    )
    return [WritebackEntry(_aware(at), ref, outcome, message, actor) for at, ref, outcome, message, actor in rows]


def _aware(moment: datetime | None) -> Any:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
