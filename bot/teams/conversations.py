"""What the bot learns about a conversation and the person in it, from each activity.

- `tenant_of`: the Microsoft Entra tenant, read from `channelData.tenant.id` — under
  `CloudAdapter` `conversation.tenant_id` is always None (docs/teams-sdk.md trap 2).
- `conversation_record`: the conversation reference to store for proactive alerts, with the
  tenant id, conversation type, user id and email.
- `MemberDirectory`: a Teams user's email (or UPN). Activities carry only ids and a display
  name, so the email comes from the Bot Connector (`GET /v3/conversations/{id}/members/{id}`),
  remembered for a while so that each question does not cost a second round trip.
- `ConversationBook`: stores references, skipping the write when nothing changed recently.
- `thread_of`: whose follow-up context a message is read in — the full conversation id (a
  channel thread's own, `…;messageid=…`) and the sender's Entra object id (else their Teams id).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.answering import Thread
from bot.teams.replies import model_json
from storage.conversations import ConversationRecord, channel_conversation_id, mark_blocked, save_conversation

log = logging.getLogger(__name__)

EMAIL_TTL_SECONDS = 15 * 60
REFERENCE_REFRESH_SECONDS = 10 * 60


def tenant_of(activity: Activity) -> str:
    """The tenant id Teams sent in `channelData.tenant.id`, or "" when there is none."""
    data = activity.channel_data
    if isinstance(data, dict):
        tenant = data.get("tenant")
        if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
            return tenant["id"]
    conversation = activity.conversation
    return (getattr(conversation, "tenant_id", None) or "") if conversation else ""


def conversation_type(activity: Activity) -> str:
    """`personal`, `groupChat` or `channel`."""
    kind = activity.conversation.conversation_type if activity.conversation else None
    return kind or "personal"


def conversation_record(activity: Activity, user_email: str = "") -> ConversationRecord:
    """The reference to store for this activity's conversation (a channel, never one thread)."""
    reference = model_json(TurnContext.get_conversation_reference(activity))
    conversation_id = channel_conversation_id(activity.conversation.id)
    reference.setdefault("conversation", {})["id"] = conversation_id
    tenant = tenant_of(activity)
    if tenant:
        reference["conversation"]["tenantId"] = tenant
    reference.pop("activityId", None)
    sender = activity.from_property
    return ConversationRecord(
        conversation_id=conversation_id,
        reference=reference,
        tenant_id=tenant,
        conversation_type=conversation_type(activity),
        user_id=(sender.id if sender and sender.id else ""),
        user_email=user_email.strip().lower(),
    )


def thread_of(activity: Activity) -> Thread | None:
    """The (conversation, person) a question's context belongs to, or None when either is unknown."""
    conversation = activity.conversation.id if activity.conversation else ""
    sender = activity.from_property
    person = (getattr(sender, "aad_object_id", None) or sender.id or "") if sender else ""
    if not conversation or not person:
        return None
    return Thread(conversation_id=conversation[:500], user_id=person[:300])


class TtlCache:
    """A small least-recently-used map whose entries expire."""

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self._ttl, self._size = ttl, size
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, key: str) -> Any | None:
        item = self._items.get(key)
        if item is None or item[0] < time.monotonic():
            self._items.pop(key, None)
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, key: str, value: Any) -> None:
        self._items[key] = (time.monotonic() + self._ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class MemberDirectory:
    """Finds the email of the person who sent an activity."""

    def __init__(self, ttl: float = EMAIL_TTL_SECONDS) -> None:
        self._emails = TtlCache(ttl)

    async def email_of_sender(self, turn_context: TurnContext) -> str:
        """The sender's email or UPN, lower-cased; "" when Teams will not say (logged)."""
        activity = turn_context.activity
        sender = activity.from_property
        if sender is None or not sender.id:
            return ""
        key = f"{tenant_of(activity)}|{sender.id}"
        cached = self._emails.get(key)
        if cached is not None:
            return cached
        try:
            member = await TeamsInfo.get_member(turn_context, sender.id)
        except Exception as error:  # noqa: BLE001 - the connector may be down; the caller degrades
            log.warning("Could not look up the sender's email: %s", type(error).__name__)
            return ""
        email = (getattr(member, "email", None) or getattr(member, "user_principal_name", None) or "").strip().lower()
        if email:
            self._emails.put(key, email)
        return email


class ConversationBook:
    """Stores conversation references, at most once per conversation per few minutes if unchanged."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], refresh: float = REFERENCE_REFRESH_SECONDS) -> None:
        self._sessions = sessions
        self._recent = TtlCache(refresh)

    async def remember(self, record: ConversationRecord) -> None:
        fingerprint = (record.user_id, record.user_email, record.tenant_id, str(sorted(record.reference.items())))
        if self._recent.get(record.conversation_id) == fingerprint:
            return
        async with self._sessions.begin() as session:
            await save_conversation(session, record)
        self._recent.put(record.conversation_id, fingerprint)

    async def forget(self, conversation_id: str) -> None:
        """The app was removed from this conversation."""
        conversation_id = channel_conversation_id(conversation_id)
        async with self._sessions.begin() as session:
            await mark_blocked(session, conversation_id)
        self._recent.put(conversation_id, ())  # the next activity from it stores it afresh
