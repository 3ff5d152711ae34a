"""Benchmark: 1,000 alert messages to 100 conversations through a connector enforcing Teams' limits.

Batching is switched off so every alert is its own message. The stand-in connector answers
429 with `Retry-After` to anything over 7 in 1 s or 8 in 2 s per conversation, or 50 in 1 s
overall. The minimum those limits allow is 1,000 / 50 = 20 s; the result is reported as a
ratio to it (target ≤ 1.3), with lost and duplicated counts (both must be 0).

    .venv/bin/python bench/alert_delivery.py [--db URL] [--messages 1000] [--conversations 100]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication  # noqa: E402
from sqlalchemy import delete  # noqa: E402
from stand_ins.connector_faults import FaultyConnector  # noqa: E402

from bot.cards.alerts import render  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.teams.proactive import make_send  # noqa: E402
from domain.alerts import CONTRACT_MANAGER, Alert, idempotency_key  # noqa: E402
from notifications.sender import OutboxSender, SenderOptions  # noqa: E402
from storage import outbox  # noqa: E402
from storage.conversations import ConversationRecord, save_conversation  # noqa: E402
from storage.db import create_engine, session_factory, upgrade  # noqa: E402
from storage.models import ConversationRef, OutboxItem  # noqa: E402

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
TEAMS_APP_LIMIT_PER_SECOND = 50


async def prepare(url: str, connector_url: str, messages: int, conversations: int):  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        # A clean slate, so the benchmark can be run again on the same database.
        await session.execute(delete(OutboxItem))
        await session.execute(delete(ConversationRef))
        for c in range(conversations):
            reference = {
                "bot": {"id": "28:bot", "name": "Commissioning"}, "user": {"id": f"29:u{c}"},
                "conversation": {"id": f"a:chat-{c}", "conversationType": "personal", "tenantId": "t"},
                "channelId": "msteams", "serviceUrl": connector_url,
            }
            await save_conversation(session, ConversationRecord(f"a:chat-{c}", reference, "t", "personal", f"29:u{c}",
                                                                f"person{c}@opcc.example.gov.uk"))
        alerts = []
        for n in range(messages):
            ref, due = f"REF-{n:05d}", date(2027, 1, 1) + timedelta(days=n % 300)
            alerts.append(Alert("expiry", ref, due, CONTRACT_MANAGER, "30",
                                idempotency_key("expiry", ref, "30", due, CONTRACT_MANAGER), f"Alert {n}",
                                (("Reference", ref),), f"person{n % conversations}@opcc.example.gov.uk"))
        await outbox.add_alerts(session, alerts, NOW)
    return engine


async def main(url: str | None, messages: int, conversations: int) -> int:
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=32))
    connector = await FaultyConnector(enforce_limits=True, retry_after="1").start()
    with tempfile.TemporaryDirectory() as tmp:
        engine = await prepare(url or f"sqlite:///{tmp}/bench.db", connector.url, messages, conversations)
        adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Settings()))
        sender = OutboxSender(session_factory(engine), make_send(adapter, ""), render,
                              options=SenderOptions(batching=False, batch_size=messages))
        started = time.monotonic()
        report = await sender.drain()
        elapsed = time.monotonic() - started
        await engine.dispose()
    await connector.stop()
    received = Counter(connector.all_headings())
    expected = {f"Agreement ending soon: REF-{n:05d}" for n in range(messages)}
    lost = len(expected - set(received))
    duplicated = sum(count - 1 for count in received.values() if count > 1)
    minimum = messages / TEAMS_APP_LIMIT_PER_SECOND
    print(f"database: {'PostgreSQL' if url and url.startswith('postgres') else 'SQLite'}")
    print(f"messages: {messages} to {conversations} conversations, batching off")
    print(f"delivered: {report.delivered}; lost: {lost}; duplicated: {duplicated}; 429s from the connector: {connector.throttled}")
    print(f"time: {elapsed:.2f} s; minimum the limits allow: {minimum:.1f} s; ratio: {elapsed / minimum:.3f}")
    print(f"throughput: {messages / elapsed:.1f} messages/s")
    return 0 if lost == 0 and duplicated == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--conversations", type=int, default=100)
    options = parser.parse_args()
    sys.exit(asyncio.run(main(options.db, options.messages, options.conversations)))
