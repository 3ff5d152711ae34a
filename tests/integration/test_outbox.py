"""The outbox on SQLite and PostgreSQL: written once, claimed by one worker, in order per chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.alerts import CHANNEL, CONTRACT_MANAGER, Alert, idempotency_key
from storage import outbox
from storage.db import create_engine, session_factory
from storage.models import OutboxItem

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)


def alert(n: int, recipient: str = CHANNEL) -> Alert:
    audience = CHANNEL if recipient == CHANNEL else CONTRACT_MANAGER
    due = date(2027, 1, 1) + timedelta(days=n)
    return Alert("expiry", f"REF-{n:04d}", due, audience, "30", idempotency_key("expiry", f"REF-{n:04d}", "30", due, audience),
                 f"Alert {n}", (("Reference", f"REF-{n:04d}"),), recipient)


async def write(engine: AsyncEngine, alerts: list[Alert]) -> int:
    async with session_factory(engine).begin() as session:
        return await outbox.add_alerts(session, alerts, NOW)


async def test_writing_the_same_alert_twice_keeps_one_row(engine: AsyncEngine) -> None:
    """The second write of a key is a no-op, on both databases."""
    assert await write(engine, [alert(1), alert(2)]) == 2
    assert await write(engine, [alert(2), alert(3)]) == 1
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxItem)) == 3


async def test_a_claimed_item_goes_to_one_worker_only(engine: AsyncEngine) -> None:
    """Two workers claiming at once share the items (one chat each here) without overlap."""
    await write(engine, [alert(n, f"person{n}@opcc.example.gov.uk") for n in range(60)])
    sessions = session_factory(engine)
    first, second = await asyncio.gather(
        outbox.claim(sessions, "worker-a", now=NOW, limit=40), outbox.claim(sessions, "worker-b", now=NOW, limit=40)
    )
    ids_a, ids_b = {e.id for e in first}, {e.id for e in second}
    assert not ids_a & ids_b
    assert len(ids_a | ids_b) == 60
    assert {e.claimed_by for e in first} == {"worker-a"}


async def test_a_chat_busy_with_one_worker_is_left_to_that_worker(engine: AsyncEngine) -> None:
    """While one worker holds a chat's earlier alerts, another cannot take its later ones."""
    await write(engine, [alert(n) for n in range(10)])
    sessions = session_factory(engine)
    first = await outbox.claim(sessions, "worker-a", now=NOW, limit=4)
    assert await outbox.claim(sessions, "worker-b", now=NOW, limit=10) == []
    await outbox.mark_delivered(sessions, [e.id for e in first], NOW)
    rest = await outbox.claim(sessions, "worker-b", now=NOW, limit=10)
    assert [e.reference for e in rest] == [f"REF-{n:04d}" for n in range(4, 10)]


async def test_a_crashed_workers_claims_return_after_the_lease(engine: AsyncEngine) -> None:
    """Claimed and never finished: after the lease the items are claimable again, not lost."""
    await write(engine, [alert(1), alert(2)])
    sessions = session_factory(engine)
    assert len(await outbox.claim(sessions, "dead-worker", now=NOW)) == 2
    assert await outbox.claim(sessions, "other", now=NOW + timedelta(minutes=1)) == []
    later = await outbox.claim(sessions, "other", now=NOW + outbox.DEFAULT_LEASE + timedelta(seconds=1))
    assert [e.reference for e in later] == ["REF-0001", "REF-0002"]


async def test_items_for_one_chat_wait_behind_an_earlier_one_waiting_to_retry(engine: AsyncEngine) -> None:
    """Order per conversation: nothing overtakes an item that is waiting for its retry."""
    await write(engine, [alert(1), alert(2), alert(3, "jo@opcc.example.gov.uk")])
    sessions = session_factory(engine)
    claimed = await outbox.claim(sessions, "w", now=NOW, limit=1)
    assert [e.reference for e in claimed] == ["REF-0001"]
    await outbox.mark_retry(sessions, [claimed[0].id], at=NOW + timedelta(minutes=5), error="429")
    now_claimable = await outbox.claim(sessions, "w", now=NOW + timedelta(seconds=1))
    assert [e.reference for e in now_claimable] == ["REF-0003"]
    await outbox.mark_delivered(sessions, [now_claimable[0].id], NOW)
    after_wait = await outbox.claim(sessions, "w", now=NOW + timedelta(minutes=6))
    assert [e.reference for e in after_wait] == ["REF-0001", "REF-0002"]


async def test_delivered_and_dead_items_are_never_claimed_again(engine: AsyncEngine) -> None:
    """Once delivered (or given up on), an item stays that way."""
    await write(engine, [alert(1), alert(2)])
    sessions = session_factory(engine)
    one, two = await outbox.claim(sessions, "w", now=NOW)
    await outbox.mark_delivered(sessions, [one.id], NOW)
    await outbox.mark_dead(sessions, [two.id], error="blocked")
    assert await outbox.claim(sessions, "w", now=NOW + timedelta(hours=1)) == []
    async with sessions() as session:
        backlog = await outbox.backlog(session)
    assert backlog.counts["delivered"] == 1 and backlog.counts["dead"] == 1 and backlog.waiting == 0


async def test_three_workers_on_separate_connections_claim_each_item_exactly_once(db_url: str) -> None:
    """Like three replicas: separate engines race to claim 300 items; each is claimed once."""
    engines = [create_engine(db_url) for _ in range(3)]
    try:
        await write(engines[0], [alert(n, f"p{n % 25}@opcc.example.gov.uk") for n in range(300)])
        seen: list[int] = []

        async def worker(index: int) -> None:
            sessions = session_factory(engines[index])
            while True:
                batch = await outbox.claim(sessions, f"w{index}", now=NOW, limit=17)
                if not batch:
                    async with sessions() as session:
                        if (await outbox.backlog(session)).counts["pending"] == 0:
                            return
                    await asyncio.sleep(0.01)
                    continue
                seen.extend(e.id for e in batch)
                await outbox.mark_delivered(sessions, [e.id for e in batch], NOW)

        await asyncio.wait_for(asyncio.gather(*(worker(i) for i in range(3))), timeout=120)
        assert len(seen) == 300
        assert len(set(seen)) == 300
    finally:
        for engine in engines:
            await engine.dispose()
