"""Crashes and replicas: kill -9 a sender mid-batch, or run three at once on one database.

The senders are real `commissioning-bot sweep --deliver` processes talking to the stand-in
Bot Connector over HTTP through botbuilder, with no app id (docs/teams-sdk.md trap 10).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from alert_delivery_data import CHANNEL, CHANNEL_ID, add_conversation, alert, heading, make_alert_channel, write
from returns_data import add_agreements, agreement
from sqlalchemy.ext.asyncio import AsyncEngine
from stand_ins.connector_faults import FaultyConnector

from storage import outbox
from storage.db import session_factory

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [f"cm{p}@opcc.example.gov.uk" for p in range(5)]


@pytest.fixture
async def connector() -> AsyncIterator[FaultyConnector]:
    stand_in = await FaultyConnector().start()
    yield stand_in
    await stand_in.stop()


def sender_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    env.update({"ALERT_CLAIM_LEASE": "2", "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"})
    return env


async def start_sender(db_url: str, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sweep", "--db", db_url, *extra,
        cwd=ROOT, env=sender_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def prepare(engine: AsyncEngine, url: str, count: int) -> dict[str, list[str]]:
    """`count` alerts spread over the channel and five people; the headings each chat should get."""
    await make_alert_channel(engine, url)
    for p, email in enumerate(PEOPLE):
        await add_conversation(engine, url, f"a:personal-{p}", "personal", email, f"29:cm{p}")
    recipients = [CHANNEL] + PEOPLE
    await write(engine, [alert(n, recipients[n % 6]) for n in range(count)])
    expected: dict[str, list[str]] = {CHANNEL_ID: [heading(n) for n in range(0, count, 6)]}
    for p in range(5):
        expected[f"a:personal-{p}"] = [heading(n) for n in range(p + 1, count, 6)]
    return expected


def assert_exactly_once_in_order(connector: FaultyConnector, expected: dict[str, list[str]]) -> None:
    counts = Counter((r.conversation_id, h) for r in connector.received for h in r.headings)
    assert [h for h, c in counts.items() if c > 1] == [], "duplicated"
    assert sum(len(v) for v in expected.values()) == len(counts), "lost"
    for conversation_id, headings in expected.items():
        assert connector.headings_to(conversation_id) == headings


async def test_kill_9_mid_batch_then_restart_loses_and_repeats_nothing(engine: AsyncEngine, db_url: str,
                                                                        connector: FaultyConnector) -> None:
    """The sender is killed while the connector hangs mid-batch; a new one finishes the job exactly."""
    expected = await prepare(engine, connector.url, 90)
    connector.stall_after(30)
    first = await start_sender(db_url, "--deliver-only", "--no-batching", "--wait", "60")
    for _ in range(600):
        if connector.stalled and connector.stalled_requests:
            break
        await asyncio.sleep(0.05)
    assert connector.stalled, "the first sender never got going"
    await asyncio.sleep(0.5)  # what was recorded is answered and committed; the rest hangs
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert first.returncode == -signal.SIGKILL
    async with session_factory(engine)() as session:
        counts = (await outbox.backlog(session)).counts
    assert counts["delivered"] == 30 and counts["claimed"] > 0  # killed with alerts in hand
    connector.unstall()
    second = await start_sender(db_url, "--deliver-only", "--no-batching", "--wait", "60")
    _, err = await asyncio.wait_for(second.communicate(), timeout=120)
    assert second.returncode == 0, err.decode()
    assert_exactly_once_in_order(connector, expected)
    async with session_factory(engine)() as session:
        counts = (await outbox.backlog(session)).counts
    assert counts["delivered"] == 90 and counts["claimed"] == counts["pending"] == 0


def delivered_count(stderr: bytes) -> int:
    match = re.search(r"Delivered (\d+) alerts", stderr.decode())
    assert match, stderr.decode()
    return int(match.group(1))


async def test_three_processes_sweeping_at_once_deliver_each_alert_exactly_once(engine: AsyncEngine, db_url: str,
                                                                               connector: FaultyConnector) -> None:
    """Three bot processes sweep the same register at the same moment and deliver from one database."""
    await make_alert_channel(engine, connector.url)
    for p, email in enumerate(PEOPLE):
        await add_conversation(engine, connector.url, f"a:personal-{p}", "personal", email, f"29:cm{p}")
    today = date(2026, 11, 18)
    await add_agreements(engine, tuple(
        agreement(f"REF-{n:04d}", kind="contract", end_date=today + timedelta(days=10 + 2 * n), monitoring="none",
                  contract_manager=PEOPLE[n % 5])
        for n in range(80)
    ))
    senders = [await start_sender(db_url, "--today", today.isoformat(), "--deliver", "--batch-size", "7",
                                  "--no-batching", "--wait", "60") for _ in range(3)]
    results = await asyncio.wait_for(asyncio.gather(*(s.communicate() for s in senders)), timeout=240)
    for process, (_, err) in zip(senders, results, strict=True):
        assert process.returncode == 0, err.decode()
    async with session_factory(engine)() as session:
        items = await outbox.all_items(session)
    assert len(items) == 160 and {item.state for item in items} == {"delivered"}
    chats = {CHANNEL: CHANNEL_ID, **{email: f"a:personal-{p}" for p, email in enumerate(PEOPLE)}}
    expected: dict[str, list[str]] = {}
    for item in items:  # in id order: the order each chat must see them in
        expected.setdefault(chats[item.queue], []).append(f"Agreement ending soon: {item.reference}")
    assert_exactly_once_in_order(connector, expected)
    shares = [delivered_count(err) for _, err in results]
    assert sum(shares) == 160
    assert sum(1 for share in shares if share) >= 2, f"one process did all the work: {shares}"
