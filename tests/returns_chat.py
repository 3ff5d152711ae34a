"""Drive the return dialogs as Teams users would, through botbuilder's TestAdapter.

`ReturnsChat` wires the real `ReturnsConversation` (database state storage, repository,
cards) behind a TestAdapter; `say` sends one message (text or card data) as a given user
and returns the bot's replies. A message the return dialogs do not take gets the reply
`NOT_MINE`, standing in for the handler's register answer; a register question typed
mid-dialog is answered by the real `Assistant` over the test database's register, as the
handler does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from returns_data import NORTHSIDE, SAFE_HARBOUR, TODAY
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.answering import Assistant
from bot.cards import checkin as checkin_cards
from bot.requests import Ask
from bot.roles import StaffRule
from bot.teams.handler import reply_activity
from dialogs.returns_conversation import ReturnsConversation
from dialogs.state_storage import SqlStorage
from dialogs.turn import COMMISSIONER, PROVIDER, Participant
from storage.db import session_factory
from storage.register_cache import RegisterCache
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
        self.today = today
        self.assistant = Assistant(RegisterCache(session_factory(engine)), StaffRule(domains=frozenset({"opcc.gov.uk"})), lambda: today)
        self.adapter = TestAdapter(self._logic)
        self.adapter.template.channel_id = "msteams"
        self.adapter.template.conversation = ConversationAccount(id=conversation)

    async def _logic(self, context: TurnContext) -> None:
        participant = self.participants[context.activity.from_property.id]
        if not await self.bot.handle(context, participant, context.activity.text, self._questions(context, participant)):
            await context.send_activity(NOT_MINE)

    def _questions(self, context: TurnContext, participant: Participant):  # type: ignore[no-untyped-def]
        """The register's own answer to a question typed mid-dialog, as the handler gives it (a card)."""

        async def answer(question: str) -> bool:
            caller = await self.assistant.caller(participant.actor)
            reply = await self.assistant.respond(Ask(question), caller)
            if reply.answer is None or not reply.answer.understood:
                return False
            await context.send_activity(reply_activity(reply, self.today))
            return True

        return answer

    async def assessment_press(self, return_id: int, **fields: Any) -> dict[str, Any]:
        """What the assessment card's Accept or Query sends for the return as it now stands (its round included)."""
        from dialogs.intents import submission_round

        ret = await self.repo.load(return_id)
        return {"action": "assess_decision", "return_id": return_id, "round": submission_round(ret.submitted_at), **fields}

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
