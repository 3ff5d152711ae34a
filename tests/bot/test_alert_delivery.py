"""Delivering alerts through the real botbuilder HTTP path to a stand-in Bot Connector.

No app id, so authentication is off (docs/teams-sdk.md trap 10) and the stored references' serviceUrl
points at the local stand-in. Every alert must arrive exactly once, in order per conversation,
whatever the connector does: 429 with Retry-After, 500, slow answers, dropped connections.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from alert_delivery_data import CHANNEL, CHANNEL_ID, add_conversation, alert, heading, make_alert_channel, write
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from sqlalchemy.ext.asyncio import AsyncEngine
from stand_ins.connector_faults import FaultyConnector

from bot.cards.alerts import render
from bot.settings import Settings
from bot.teams.proactive import make_send
from notifications.rate_limit import RateLimiter
from notifications.sender import NO_ALERT_CHANNEL, OutboxSender, SenderOptions
from notifications.undelivered import TOO_BIG
from notifications.undelivered import blocked as blocked_words
from storage import outbox
from storage.conversations import find_conversation, personal_conversation_for
from storage.db import session_factory

FAST = SenderOptions(backoff_base=0.05, backoff_cap=2.0, max_inline_wait=5.0, idle_interval=0.1)


@pytest.fixture
async def connector() -> AsyncIterator[FaultyConnector]:
    stand_in = await FaultyConnector().start()
    yield stand_in
    await stand_in.stop()


def sender(engine: AsyncEngine, options: SenderOptions = FAST, **kwargs: object) -> OutboxSender:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Settings()))
    return OutboxSender(session_factory(engine), make_send(adapter, ""), render, options=options, **kwargs)  # type: ignore[arg-type]


async def states(engine: AsyncEngine) -> dict[str, int]:
    async with session_factory(engine)() as session:
        return (await outbox.backlog(session)).counts


async def test_channel_alerts_arrive_once_as_one_digest_card(engine: AsyncEngine, connector: FaultyConnector) -> None:
    """45 alerts for the channel arrive as one digest card listing each alert once, most urgent first."""
    await make_alert_channel(engine, connector.url)
    await write(engine, [alert(n) for n in reversed(range(45))])
    report = await sender(engine).drain()
    assert report.delivered == 45 and report.messages == 1
    (received,) = connector.to(CHANNEL_ID)
    assert received.digest_references == [f"REF-{n:04d}" for n in range(45)]
    assert (await states(engine))["delivered"] == 45


async def test_every_alert_arrives_once_in_order_despite_connector_faults(engine: AsyncEngine, connector: FaultyConnector) -> None:
    """429 with Retry-After, 500s, slow answers and dropped connections: nothing lost, nothing twice."""
    connector.retry_after = "0.2"
    connector.slow_seconds = 0.3
    await make_alert_channel(engine, connector.url)
    people = [f"cm{p}@opcc.example.gov.uk" for p in range(4)]
    for p, email in enumerate(people):
        await add_conversation(engine, connector.url, f"a:personal-{p}", "personal", email, f"29:cm{p}")
    alerts = [alert(n, CHANNEL if n % 5 == 0 else people[n % 4]) for n in range(60)]
    await write(engine, alerts)
    for kind, times in (("429", 4), ("500", 3), ("slow", 3), ("drop", 3)):
        connector.fail_next(kind, times)
    report = await sender(engine, SenderOptions(**{**FAST.__dict__, "batching": False})).drain()
    assert report.delivered == 60
    assert sorted(connector.all_headings()) == sorted(heading(n) for n in range(60))
    assert connector.headings_to(CHANNEL_ID) == [heading(n) for n in range(60) if n % 5 == 0]
    for p in range(4):
        assert connector.headings_to(f"a:personal-{p}") == [heading(n) for n in range(60) if n % 5 and n % 4 == p]


async def test_a_long_retry_after_hands_the_item_back_and_later_ones_wait(engine: AsyncEngine, connector: FaultyConnector) -> None:
    """Retry-After of an hour: the alert waits for its time and nothing overtakes it."""
    connector.retry_after = "3600"
    await make_alert_channel(engine, connector.url)
    await write(engine, [alert(1), alert(2)])
    connector.fail_next("429")
    report = await sender(engine, SenderOptions(**{**FAST.__dict__, "batching": False, "backoff_cap": 7200})).drain()
    assert report.retry_later == 1 and connector.received == []
    counts = await states(engine)
    assert counts["failed"] == 1 and counts["pending"] == 1
    later = sender(engine, SenderOptions(**{**FAST.__dict__, "batching": False}), clock=lambda: datetime.now(UTC) + timedelta(hours=2))
    await later.drain()
    assert connector.headings_to(CHANNEL_ID) == [heading(1), heading(2)]


async def test_a_blocked_conversation_stops_alerts_there(engine: AsyncEngine, connector: FaultyConnector) -> None:
    """403 MessageWritesBlocked: the chat is marked blocked, its alerts dead, no retries."""
    await add_conversation(engine, connector.url, "a:personal-jo", "personal", "jo@opcc.example.gov.uk", "29:jo")
    await write(engine, [alert(n, "jo@opcc.example.gov.uk") for n in range(3)])
    connector.fail_next("blocked", conversation="a:personal-jo")
    report = await sender(engine).drain()
    assert report.dead == 3 and connector.received == []
    assert connector.requests == 1
    async with session_factory(engine)() as session:
        record = await find_conversation(session, "a:personal-jo")
    assert record is not None and record.blocked
    assert (await states(engine))["dead"] == 3
    async with session_factory(engine)() as session:
        reasons = {item.last_error for item in await outbox.waiting_items(session)}
    assert reasons == {blocked_words(403, datetime.now(UTC))}
    assert "HTTP" not in next(iter(reasons)) and "removed from this chat or blocked" in next(iter(reasons))


async def test_a_deleted_chat_is_explained_in_plain_words(engine: AsyncEngine, connector: FaultyConnector) -> None:
    """404 from Teams: "The chat no longer exists…" with the day and what to do, never "(403) … HTTP 404"."""
    await make_alert_channel(engine, connector.url)
    await write(engine, [alert(1)])
    connector.fail_next("gone", conversation=CHANNEL_ID)
    report = await sender(engine).drain()
    assert report.dead == 1
    async with session_factory(engine)() as session:
        (item,) = await outbox.waiting_items(session)
    assert item.last_error.startswith("The chat no longer exists: it was deleted, or the bot was removed from it, on or before ")
    assert "send alerts here" in item.last_error and "HTTP" not in item.last_error and "403" not in item.last_error


async def test_a_message_too_big_for_teams_is_explained(engine: AsyncEngine, connector: FaultyConnector) -> None:
    """Teams' 413 MessageSizeTooBig is not retried and says what it means."""
    await make_alert_channel(engine, connector.url)
    huge = alert(1)
    await write(engine, [huge])
    big_card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "x" * 60_000}]}
    report = await OutboxSender(session_factory(engine), make_send(CloudAdapter(ConfigurationBotFrameworkAuthentication(
        Settings())), ""), lambda _: big_card, options=FAST).drain()  # type: ignore[arg-type]
    assert report.dead == 1 and connector.received == [] and len(connector.too_big) == 1
    async with session_factory(engine)() as session:
        (item,) = await outbox.waiting_items(session)
    assert item.last_error == TOO_BIG


async def test_without_an_alert_channel_alerts_wait_and_say_why(engine: AsyncEngine, connector: FaultyConnector) -> None:
    """Nothing is lost before someone types "send alerts here": the alert waits, with the reason."""
    await write(engine, [alert(1)])
    report = await sender(engine).drain()
    assert report.waiting_for_recipient == 1
    async with session_factory(engine)() as session:
        (item,) = await outbox.waiting_items(session)
    assert item.state == "failed" and item.last_error == NO_ALERT_CHANNEL and item.attempts == 0
    await make_alert_channel(engine, connector.url)
    await sender(engine, clock=lambda: datetime.now(UTC) + timedelta(hours=2)).drain()
    assert connector.headings_to(CHANNEL_ID) == [heading(1)]


async def test_a_person_seen_only_in_a_channel_gets_a_new_personal_chat(engine: AsyncEngine, connector: FaultyConnector) -> None:
    """The bot creates the personal chat (create_conversation), sends there, and remembers it."""
    await add_conversation(engine, connector.url, "19:general@thread.tacv2", "channel", "sam@opcc.example.gov.uk", "29:sam")
    await write(engine, [alert(1, "sam@opcc.example.gov.uk"), alert(2, "sam@opcc.example.gov.uk")])
    report = await sender(engine, SenderOptions(**{**FAST.__dict__, "batching": False})).drain()
    assert report.delivered == 2
    assert len(connector.created) == 1
    assert connector.created[0]["members"][0]["id"] == "29:sam"
    assert connector.headings_to("a:personal-29:sam") == [heading(1), heading(2)]
    async with session_factory(engine)() as session:
        stored = await personal_conversation_for(session, "sam@opcc.example.gov.uk")
    assert stored is not None and stored.conversation_id == "a:personal-29:sam"


async def test_sends_keep_within_teams_rate_limits(engine: AsyncEngine, connector: FaultyConnector) -> None:
    """120 messages to 12 chats through a connector enforcing Teams' limits: no 429, near the minimum time."""
    connector.enforce_limits = True
    people = [f"p{p}@opcc.example.gov.uk" for p in range(12)]
    for p, email in enumerate(people):
        await add_conversation(engine, connector.url, f"a:personal-{p}", "personal", email, f"29:p{p}")
    await write(engine, [alert(n, people[n % 12]) for n in range(120)])
    started = time.monotonic()
    report = await sender(engine, SenderOptions(**{**FAST.__dict__, "batching": False}), limiter=RateLimiter()).drain()
    elapsed = time.monotonic() - started
    assert report.delivered == 120
    assert connector.throttled == 0
    assert len(connector.all_headings()) == 120
    # 10 messages per chat need at least 2 s (8 in 2 s); all 120 at 50/s need 2.4 s.
    assert 2.0 <= elapsed < 6.0
