"""Drive the return dialogs as Teams users would, through botbuilder's TestAdapter.

`ReturnsChat` wires the real `ReturnsConversation` (database state storage, repository,
cards) behind a TestAdapter; `say` sends one message (text or card data) as a given user
and returns the bot's replies. A message the return dialogs do not take gets the reply
`NOT_MINE`, standing in for the handler's register answer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from returns_data import NORTHSIDE, SAFE_HARBOUR, TODAY
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cards import checkin as checkin_cards
from dialogs.returns_conversation import ReturnsConversation
from dialogs.state_storage import SqlStorage
from dialogs.turn import COMMISSIONER, PROVIDER, Participant
from storage.returns import ReturnsRepository

NOT_MINE = "(not a return message)"
SAFE = Participant("returns@safeharbour.org.uk", PROVIDER, (SAFE_HARBOUR,))
NORTH = Participant("data@northside.org.uk", PROVIDER, (NORTHSIDE,))
MANAGER = Participant("cm@opcc.gov.uk", COMMISSIONER)
STRANGER = Participant("someone@example.com", "unknown")


class Reply:
    """One bot message: its text and the Adaptive Card it carried, if any."""

    def __init__(self, activity: Activity) -> None:
        self.text = activity.text or ""
        cards = [a.content for a in activity.attachments or [] if a.content_type == "application/vnd.microsoft.card.adaptive"]
        self.card: dict[str, Any] | None = cards[0] if cards else None

    def __repr__(self) -> str:
        return f"Reply({self.text!r}{', card' if self.card else ''})"


class ReturnsChat:
    def __init__(self, engine: AsyncEngine, today: date = TODAY, conversation: str = "personal-chat") -> None:
        self.engine = engine
        self.repo = ReturnsRepository(engine)
        self.bot = ReturnsConversation(SqlStorage(engine), self.repo, checkin_cards, lambda: today)
        self.participants: dict[str, Participant] = {}
        self.adapter = TestAdapter(self._logic)
        self.adapter.template.channel_id = "msteams"
        self.adapter.template.conversation = ConversationAccount(id=conversation)

    async def _logic(self, context: TurnContext) -> None:
        participant = self.participants[context.activity.from_property.id]
        if not await self.bot.handle(context, participant, context.activity.text):
            await context.send_activity(NOT_MINE)

    async def say(self, text: str | None = None, *, value: dict[str, Any] | None = None, who: Participant = SAFE) -> list[Reply]:
        """Send one message as `who` and return every reply the bot sent in that turn."""
        self.participants[who.actor] = who
        self.adapter.activity_buffer.clear()
        activity = Activity(
            type=ActivityTypes.message, text=text, value=value, from_property=ChannelAccount(id=who.actor, name=who.actor)
        )
        await self.adapter.receive_activity(activity)
        replies = [Reply(a) for a in self.adapter.activity_buffer if a.type == ActivityTypes.message]
        self.adapter.activity_buffer.clear()
        return replies

    async def last(self, text: str | None = None, **kwargs: Any) -> str:
        """The text of the last reply to this message."""
        replies = await self.say(text, **kwargs)
        assert replies, f"no reply to {text!r}"
        return replies[-1].text
