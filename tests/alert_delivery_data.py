"""Outbox items and stored conversations for delivery tests, written straight to a test database.

Each alert is an expiry alert for its own reference (`REF-0001`…), so the stand-in connector can
tell from a card's headings exactly which alerts arrived, how often and in what order.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.alerts import CHANNEL, CONTRACT_MANAGER, Alert, idempotency_key
from storage import outbox
from storage.alerts_repo import set_alert_channel
from storage.conversations import ConversationRecord, save_conversation
from storage.db import session_factory

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
CHANNEL_ID = "19:contracts@thread.tacv2"
TENANT = "tenant-1"


def reference(url: str, conversation_id: str, kind: str, user_id: str = "29:staff") -> dict[str, Any]:
    return {
        "bot": {"id": "28:commissioning-bot", "name": "Commissioning"},
        "user": {"id": user_id, "name": "Someone"},
        "conversation": {"id": conversation_id, "conversationType": kind, "tenantId": TENANT},
        "channelId": "msteams",
        "serviceUrl": url,
    }


async def add_conversation(engine: AsyncEngine, url: str, conversation_id: str, kind: str, email: str = "",
                           user_id: str = "29:staff") -> None:
    async with session_factory(engine).begin() as session:
        await save_conversation(session, ConversationRecord(
            conversation_id, reference(url, conversation_id, kind, user_id), TENANT, kind, user_id, email,
        ))


async def make_alert_channel(engine: AsyncEngine, url: str) -> None:
    await add_conversation(engine, url, CHANNEL_ID, "channel")
    async with session_factory(engine).begin() as session:
        assert await set_alert_channel(session, CHANNEL_ID, True, NOW)


def alert(n: int, recipient: str = CHANNEL) -> Alert:
    audience = CHANNEL if recipient == CHANNEL else CONTRACT_MANAGER
    ref, due = f"REF-{n:04d}", date(2027, 1, 1) + timedelta(days=n)
    return Alert("expiry", ref, due, audience, "30", idempotency_key("expiry", ref, "30", due, audience),
                 f"Alert number {n}", (("Reference", ref),), recipient)


async def write(engine: AsyncEngine, alerts: list[Alert]) -> None:
    async with session_factory(engine).begin() as session:
        await outbox.add_alerts(session, alerts, NOW)


def heading(n: int) -> str:
    return f"Agreement ending soon: REF-{n:04d}"
