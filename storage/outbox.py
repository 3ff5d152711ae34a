"""The alert outbox: alerts written once by a sweep, claimed by one sender, delivered once.

Life of an item: `pending` → `claimed` (by one worker, with a lease) → `delivered`; or back
to `failed` with a `next_attempt_at` after a transient error (then claimable again), or
`dead` when it can never be delivered (the bot was removed from that chat). A worker that
crashes leaves `claimed` rows behind; once their lease is older than `lease`, the next
claim returns them to the queue, so nothing is lost.

Exactly one worker claims an item, however many replicas share the database:
- PostgreSQL: claims are serialised by a transaction-scoped advisory lock and rows are taken
  with `SELECT … FOR UPDATE SKIP LOCKED`;
- SQLite: one conditional `UPDATE … WHERE state IN ('pending','failed') … RETURNING`, which
  takes SQLite's write lock as its first step.
Per recipient, items are delivered in the order they were written: an item is claimable only
when no earlier item for the same recipient is claimed or waiting for a retry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from domain.alerts import CHANNEL, Alert
from storage.models import OutboxItem, PostedCard, table_of

PENDING = "pending"
CLAIMED = "claimed"
DELIVERED = "delivered"
FAILED = "failed"
DEAD = "dead"
STATES: tuple[str, ...] = (PENDING, CLAIMED, DELIVERED, FAILED, DEAD)
CLAIMABLE: tuple[str, ...] = (PENDING, FAILED)
# Audiences other parts of the bot have used for the contracts channel.
CHANNEL_RECIPIENTS: frozenset[str] = frozenset({"", CHANNEL, "contracts_channel"})

DEFAULT_LEASE = timedelta(minutes=5)
# Any constant works; it only has to be the same in every replica.
CLAIM_LOCK_ID = 7_305_162_024
INSERT_CHUNK = 2000


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stored(moment: datetime) -> datetime:
    """UTC, so SQLite's text comparison and PostgreSQL's timestamptz agree."""
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row as the sender sees it."""

    id: int
    idempotency_key: str
    rule: str
    reference: str
    due: date | None
    audience: str
    recipient: str
    payload: dict[str, Any] = field(hash=False)
    state: str = PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_by: str = ""
    last_error: str = ""
    created_at: datetime | None = None

    @property
    def to_channel(self) -> bool:
        return self.recipient in CHANNEL_RECIPIENTS or self.audience in ("contracts_channel",)

    @property
    def queue(self) -> str:
        """Items for the same queue are delivered in order: the channel, or one person."""
        return CHANNEL if self.to_channel else self.recipient


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        idempotency_key=row.idempotency_key,
        rule=row.rule,
        reference=row.reference,
        due=row.due,
        audience=row.audience,
        recipient=row.recipient,
        payload=dict(row.payload or {}),
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=utc(row.next_attempt_at),
        claimed_by=row.claimed_by,
        last_error=row.last_error,
        created_at=utc(row.created_at),
    )


def alert_payload(alert: Alert) -> dict[str, Any]:
    """What the card is built from at send time."""
    payload: dict[str, Any] = {
        "message": alert.message, "details": [list(pair) for pair in alert.details], "threshold": alert.threshold,
    }
    if alert.options_left:
        payload["options_left"] = list(alert.options_left)
    return payload


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def add_alerts(session: AsyncSession, alerts: Sequence[Alert], now: datetime) -> int:
    """Write alerts to the outbox; a key already there is left alone. Returns how many were new.

    `INSERT … ON CONFLICT (idempotency_key) DO NOTHING` on both databases, so two sweeps at
    the same moment (several replicas) write each alert once. A first sweep of a large register
    writes 100,000 rows or more, so the rows go to the driver's own bulk path with each column
    converted once by its SQLAlchemy type (the columns every new row shares are constants):
    SQLite's `executemany` (whose row count leaves out keys already there) and, on PostgreSQL,
    one `INSERT … SELECT FROM unnest(…) RETURNING` per chunk.
    """
    if not alerts:
        return 0
    connection = await session.connection()
    dialect = connection.dialect
    columns = table_of(OutboxItem).c

    def converter(name: str) -> Callable[[Any], Any]:
        return columns[name].type.bind_processor(dialect) or _as_is

    due, payload, created = converter("due"), converter("payload"), converter("created_at")
    moment = created(_stored(now))
    added = 0
    for start in range(0, len(alerts), INSERT_CHUNK):
        rows = [
            (alert.idempotency_key, alert.rule, alert.reference, due(alert.due), alert.audience, alert.recipient,
             payload(alert_payload(alert)))
            for alert in alerts[start:start + INSERT_CHUNK]
        ]
        if dialect.name == "postgresql":
            found = await connection.exec_driver_sql(_POSTGRESQL_INSERT, (*map(list, zip(*rows, strict=True)), moment))
            added += len(found.all())
        else:
            result = await connection.exec_driver_sql(_SQLITE_INSERT, [(*row, moment) for row in rows])
            added += result.rowcount
    return added


def _as_is(value: Any) -> Any:
    return value


_NEW_ROW = (
    "INSERT INTO outbox (idempotency_key, rule, reference, due, audience, recipient, payload, state, attempts, "
    "next_attempt_at, claimed_by, claimed_at, delivered_at, last_error, created_at) "
)
_SQLITE_INSERT = (
    _NEW_ROW + f"VALUES (?, ?, ?, ?, ?, ?, ?, '{PENDING}', 0, NULL, '', NULL, NULL, '', ?) "
    "ON CONFLICT (idempotency_key) DO NOTHING"
)
_POSTGRESQL_INSERT = (
    _NEW_ROW + f"SELECT k, r, f, d, a, p, j::json, '{PENDING}', 0, NULL, '', NULL, NULL, '', $8 "
    "FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::date[], $5::varchar[], $6::varchar[], $7::text[]) "
    "AS t(k, r, f, d, a, p, j) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)


async def existing_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these idempotency keys the outbox already holds (in any state)."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), INSERT_CHUNK):
        chunk = wanted[start:start + INSERT_CHUNK]
        found.update(await session.scalars(select(OutboxItem.idempotency_key).where(OutboxItem.idempotency_key.in_(chunk))))
    return found


async def all_keys(session: AsyncSession) -> set[str]:
    """Every idempotency key in the outbox: what has been decided already, whatever its state."""
    connection = await session.connection()
    return set((await connection.execute(select(OutboxItem.idempotency_key))).scalars().all())


def _queue_of(item: Any) -> Any:
    """SQL for `OutboxEntry.queue`: every channel spelling is one queue."""
    return func.coalesce(
        func.nullif(func.nullif(func.nullif(item.recipient, "contracts_channel"), CHANNEL), ""), CHANNEL
    )


def _claimable(now: datetime, limit: int) -> Any:
    """Ids that may be claimed now, oldest first, keeping each queue in order."""
    candidate = aliased(OutboxItem)
    earlier = aliased(OutboxItem)
    waiting = or_(
        earlier.state == CLAIMED,
        and_(earlier.state.in_(CLAIMABLE), earlier.next_attempt_at.is_not(None), earlier.next_attempt_at > now),
    )
    blocked = exists().where(_queue_of(earlier) == _queue_of(candidate), earlier.id < candidate.id, waiting)
    return (
        select(candidate.id)
        .where(
            candidate.state.in_(CLAIMABLE),
            or_(candidate.next_attempt_at.is_(None), candidate.next_attempt_at <= now),
            ~blocked,
        )
        .order_by(candidate.id)
        .limit(limit)
    )


async def release_stale(session: AsyncSession, now: datetime, lease: timedelta = DEFAULT_LEASE) -> int:
    """Claims older than the lease belong to a worker that died: queue them again."""
    # An UPDATE without RETURNING gives a `CursorResult`; `Session.execute` is typed as `Result`.
    result = cast(CursorResult[Any], await session.execute(
        update(OutboxItem)
        .where(OutboxItem.state == CLAIMED, OutboxItem.claimed_at < _stored(now - lease))
        .values(state=PENDING, claimed_by="", claimed_at=None)
        .execution_options(synchronize_session=False)
    ))
    return result.rowcount or 0


async def claim(
    sessions: async_sessionmaker[AsyncSession], worker: str, *, now: datetime, limit: int = 100,
    lease: timedelta = DEFAULT_LEASE,
) -> list[OutboxEntry]:
    """Claim up to `limit` deliverable items for `worker`, in id order. No item goes to two workers."""
    moment = _stored(now)
    async with sessions.begin() as session:
        postgres = _dialect(session) == "postgresql"
        if postgres:
            await session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": CLAIM_LOCK_ID})
        # SQLite: this UPDATE is the transaction's first statement, so it takes the write lock
        # at once and every later statement sees a settled database.
        await release_stale(session, now, lease)
        if postgres:
            ids = list(await session.scalars(_claimable(moment, limit).with_for_update(skip_locked=True)))
            if not ids:
                return []
            claimed = update(OutboxItem).where(OutboxItem.id.in_(ids), OutboxItem.state.in_(CLAIMABLE))
        else:
            claimed = update(OutboxItem).where(
                OutboxItem.id.in_(_claimable(moment, limit).scalar_subquery()), OutboxItem.state.in_(CLAIMABLE)
            )
        statement = (
            claimed.values(state=CLAIMED, claimed_by=worker, claimed_at=moment)
            .returning(*OutboxItem.__table__.columns)
            .execution_options(synchronize_session=False)
        )
        rows = (await session.execute(statement)).all()
    return sorted((_entry(row) for row in rows), key=lambda entry: entry.id)


async def renew(sessions: async_sessionmaker[AsyncSession], ids: Sequence[int], worker: str, now: datetime) -> set[int]:
    """Still working on these: keep the lease fresh. Returns the ids this worker still holds —
    any missing were taken back after the lease ran out and must not be sent by this worker."""
    if not ids:
        return set()
    async with sessions.begin() as session:
        rows = await session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(list(ids)), OutboxItem.state == CLAIMED, OutboxItem.claimed_by == worker)
            .values(claimed_at=_stored(now))
            .returning(OutboxItem.id)
            .execution_options(synchronize_session=False)
        )
        return {row[0] for row in rows}


@dataclass(frozen=True)
class PostedAt:
    """Where the connector put a one-alert message: its conversation and the new activity's id."""

    conversation_id: str
    activity_id: str


async def mark_delivered(
    sessions: async_sessionmaker[AsyncSession], ids: Sequence[int], now: datetime, *, posted: PostedAt | None = None,
) -> None:
    """The connector accepted the message carrying these items. A message of one alert also
    remembers where it was `posted`, so its card can be replaced after a decision made elsewhere."""
    async with sessions.begin() as session:
        rows = await session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(list(ids)))
            .values(state=DELIVERED, delivered_at=_stored(now), next_attempt_at=None, last_error="",
                    attempts=OutboxItem.attempts + 1)
            .returning(OutboxItem.id, OutboxItem.reference)
            .execution_options(synchronize_session=False)
        )
        delivered = rows.all()
        if posted is not None and posted.activity_id and len(delivered) == 1:
            item_id, reference = delivered[0]
            session.add(PostedCard(outbox_id=item_id, reference=reference, conversation_id=posted.conversation_id,
                                   activity_id=posted.activity_id, posted_at=_stored(now)))


async def mark_retry(
    sessions: async_sessionmaker[AsyncSession], ids: Sequence[int], *, at: datetime, error: str, count_attempt: bool = True
) -> None:
    """Try again at `at`. `count_attempt=False` when nothing was sent (no conversation yet)."""
    values: dict[str, Any] = {
        "state": FAILED, "next_attempt_at": _stored(at), "claimed_by": "", "claimed_at": None, "last_error": error[:1000],
    }
    if count_attempt:
        values["attempts"] = OutboxItem.attempts + 1
    async with sessions.begin() as session:
        await session.execute(
            update(OutboxItem).where(OutboxItem.id.in_(list(ids))).values(**values).execution_options(synchronize_session=False)
        )


async def mark_dead(sessions: async_sessionmaker[AsyncSession], ids: Sequence[int], *, error: str) -> None:
    """Never deliverable (the bot was removed there, or the message was refused): stop trying."""
    async with sessions.begin() as session:
        await session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(list(ids)))
            .values(state=DEAD, claimed_by="", claimed_at=None, last_error=error[:1000], attempts=OutboxItem.attempts + 1)
            .execution_options(synchronize_session=False)
        )


async def release(sessions: async_sessionmaker[AsyncSession], ids: Sequence[int]) -> None:
    """Give claimed items back untouched (the worker is stopping)."""
    if ids:
        async with sessions.begin() as session:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_(list(ids)), OutboxItem.state == CLAIMED)
                .values(state=PENDING, claimed_by="", claimed_at=None)
                .execution_options(synchronize_session=False)
            )


@dataclass(frozen=True)
class Backlog:
    """What is waiting in the outbox, for `/healthz` and `status`."""

    counts: dict[str, int]
    oldest_waiting: datetime | None

    @property
    def waiting(self) -> int:
        return sum(self.counts.get(state, 0) for state in (PENDING, CLAIMED, FAILED))


async def backlog(session: AsyncSession) -> Backlog:
    rows = (await session.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state))).all()
    oldest = await session.scalar(
        select(func.min(OutboxItem.created_at)).where(OutboxItem.state.in_((PENDING, CLAIMED, FAILED)))
    )
    counts = {state: 0 for state in STATES}
    counts.update({state: count for state, count in rows})
    return Backlog(counts, utc(oldest))


async def waiting_items(session: AsyncSession, limit: int = 50) -> list[OutboxEntry]:
    """Items not yet delivered (and dead ones), oldest first, for people to read."""
    rows = await session.scalars(
        select(OutboxItem).where(OutboxItem.state.in_((PENDING, CLAIMED, FAILED, DEAD))).order_by(OutboxItem.id).limit(limit)
    )
    return [_entry(row) for row in rows]


async def all_items(session: AsyncSession) -> list[OutboxEntry]:
    rows = await session.scalars(select(OutboxItem).order_by(OutboxItem.id))
    return [_entry(row) for row in rows]


async def item(session: AsyncSession, item_id: int) -> OutboxEntry | None:
    """One item by id: an alert card's refresh rebuilds the card it was from this."""
    row = await session.get(OutboxItem, item_id)
    return _entry(row) if row is not None else None
