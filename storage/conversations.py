"""Where the bot can speak later: stored Bot Framework conversation references.

The bot stores one row per conversation (a personal chat, a group chat, a team channel) on
every install and message, so alerts can be delivered proactively. The reference itself is
the SDK's `ConversationReference.serialize()` dict; this module never imports botbuilder.
A channel thread's id (`19:…@thread.tacv2;messageid=…`) is stored as the channel's id, so a
channel has one row however many threads people post in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationRef


@dataclass(frozen=True)
class ConversationRecord:
    """What is stored about one conversation."""

    conversation_id: str
    reference: dict[str, Any] = field(hash=False, compare=True)
    tenant_id: str = ""
    conversation_type: str = "personal"
    user_id: str = ""
    user_email: str = ""
    is_alert_channel: bool = False
    blocked: bool = False


def channel_conversation_id(conversation_id: str) -> str:
    """`19:abc@thread.tacv2;messageid=123` → `19:abc@thread.tacv2`: the channel, not one thread."""
    return conversation_id.split(";messageid=", 1)[0]


async def save_conversation(session: AsyncSession, record: ConversationRecord, *, now: datetime | None = None) -> None:
    """Insert or refresh a conversation's reference; an activity from it means the bot may speak there.

    The stored user id and email are one person's, seen together in the same member lookup,
    because personal alerts are delivered to that user id when that email is due one. So a new
    sender replaces both; a sender whose email could not be looked up this time keeps the email
    only if they are the person it was stored for, and otherwise leaves no email at all (in a
    shared channel, the last sender is often not the person the email belongs to). An email
    with no user id is never stored. `is_alert_channel` (set by administrators) is kept.
    """
    moment = now or datetime.now(UTC)
    email = record.user_email if record.user_id else ""
    values = {
        "conversation_id": record.conversation_id,
        "tenant_id": record.tenant_id,
        "conversation_type": record.conversation_type,
        "user_id": record.user_id,
        "user_email": email,
        "reference": record.reference,
        "is_alert_channel": record.is_alert_channel,
        "blocked": False,
        "updated_at": moment,
    }
    refreshed: dict[str, Any] = {
        key: values[key] for key in ("tenant_id", "conversation_type", "reference", "blocked", "updated_at")
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ConversationRef).values(**values)
    if record.user_id:
        refreshed["user_id"] = statement.excluded.user_id
        refreshed["user_email"] = (
            statement.excluded.user_email
            if email
            else case((ConversationRef.user_id == statement.excluded.user_id, ConversationRef.user_email), else_="")
        )
    statement = statement.on_conflict_do_update(index_elements=["conversation_id"], set_=refreshed)
    await session.execute(statement)


async def mark_blocked(session: AsyncSession, conversation_id: str, *, now: datetime | None = None) -> None:
    """The app was removed from this conversation: alerts must stop going there."""
    await session.execute(
        update(ConversationRef)
        .where(ConversationRef.conversation_id == conversation_id)
        .values(blocked=True, updated_at=now or datetime.now(UTC))
    )


def _to_record(row: ConversationRef) -> ConversationRecord:
    return ConversationRecord(
        conversation_id=row.conversation_id,
        reference=dict(row.reference),
        tenant_id=row.tenant_id,
        conversation_type=row.conversation_type,
        user_id=row.user_id,
        user_email=row.user_email,
        is_alert_channel=row.is_alert_channel,
        blocked=row.blocked,
    )


async def find_conversation(session: AsyncSession, conversation_id: str) -> ConversationRecord | None:
    row = await session.scalar(
        select(ConversationRef).where(ConversationRef.conversation_id == channel_conversation_id(conversation_id))
    )
    return _to_record(row) if row else None


async def list_conversations(session: AsyncSession, *, include_blocked: bool = False) -> Sequence[ConversationRecord]:
    """Every stored conversation (those the app was removed from only when asked for)."""
    query = select(ConversationRef).order_by(ConversationRef.id)
    if not include_blocked:
        query = query.where(ConversationRef.blocked.is_(False))
    return [_to_record(row) for row in await session.scalars(query)]


async def personal_conversation_for(session: AsyncSession, email: str) -> ConversationRecord | None:
    """The personal chat with the person whose email this is, if the app is installed for them."""
    row = await session.scalar(
        select(ConversationRef)
        .where(
            ConversationRef.user_email == email.strip().lower(),
            ConversationRef.conversation_type == "personal",
            ConversationRef.blocked.is_(False),
        )
        .order_by(ConversationRef.updated_at.desc())
        .limit(1)
    )
    return _to_record(row) if row else None
