"""Replacing posted decision cards after a decision made elsewhere.

Teams refreshes a Universal Actions card for the people who open it, but only for chats of up to
60 people and only when a client asks. A decision typed in a chat, or pressed on one copy of the
card (the channel's, or the contract manager's own), must also change every other copy already
posted, for everyone. So each one-alert message remembers where it went (`PostedCard`, written
with its delivery) and a decision queues one `card_update` item per copy about the end date it
decided, in the decision's own transaction. The outbox sender delivers them like any alert: once,
in order behind what came before for the same chat, retried on 429 and 5xx, reported in `status`
when the message is gone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.alerts import DECISION_OVERDUE, EXTENSION_DECISION
from storage.alerts_repo import EarlierDecision
from storage.models import OutboxItem, PostedCard

CARD_UPDATE = "card_update"
DECISION_CARD_RULES = (EXTENSION_DECISION, DECISION_OVERDUE)
UPDATE_MESSAGE = "Show the decision about {reference} on the card posted earlier."


def decision_json(decision: EarlierDecision) -> dict[str, Any]:
    """The decision as the update item carries it, for the card to show at send time."""
    return {
        "reference": decision.reference,
        "decision": decision.decision,
        "for_end_date": decision.for_end_date.isoformat() if decision.for_end_date else None,
        "decided_by": decision.decided_by,
        "decided_at": decision.decided_at.astimezone(UTC).isoformat(),
        "current_end": decision.current_end.isoformat() if decision.current_end else None,
    }


def decision_from_json(data: dict[str, Any]) -> EarlierDecision:
    """The decision an update item carries, back as the card builders take it."""

    def day(value: Any) -> date | None:
        return date.fromisoformat(value) if value else None

    return EarlierDecision(
        reference=str(data.get("reference", "")), decision=str(data.get("decision", "")),
        for_end_date=day(data.get("for_end_date")), decided_by=str(data.get("decided_by", "")),
        decided_at=datetime.fromisoformat(str(data["decided_at"])), current_end=day(data.get("current_end")),
    )


async def queue_card_updates(session: AsyncSession, decision: EarlierDecision, now: datetime) -> int:
    """One `card_update` outbox item for each posted decision card about the end date just decided.

    Cards about an earlier end date already show what became of it when refreshed; cards still
    waiting to be sent are built as the decision stands when they go. Returns how many were queued.
    """
    copies = (await session.execute(
        select(PostedCard, OutboxItem)
        .join(OutboxItem, OutboxItem.id == PostedCard.outbox_id)
        .where(PostedCard.reference == decision.reference, OutboxItem.rule.in_(DECISION_CARD_RULES),
               OutboxItem.due == decision.for_end_date)
        .order_by(PostedCard.id)
    )).all()
    stamp = decision.decided_at.astimezone(UTC).isoformat()
    for posted, original in copies:
        session.add(OutboxItem(
            idempotency_key=f"{CARD_UPDATE}:{original.id}:{stamp}", rule=CARD_UPDATE, reference=original.reference,
            due=original.due, audience=original.audience, recipient=original.recipient,
            payload={
                "message": UPDATE_MESSAGE.format(reference=original.reference),
                "update": {"conversation": posted.conversation_id, "activity": posted.activity_id},
                "decision": decision_json(decision),
                "original": {"id": original.id, "rule": original.rule, "payload": dict(original.payload or {})},
            },
            state="pending", attempts=0, claimed_by="", last_error="", created_at=now.astimezone(UTC),
        ))
    return len(copies)
