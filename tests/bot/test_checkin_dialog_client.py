"""The check-in dialog on its own, through botbuilder-testing's DialogTestClient."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from botbuilder.core import ConversationState, Middleware, TurnContext
from botbuilder.dialogs import DialogTurnStatus
from botbuilder.testing import DialogTestClient
from returns_chat import SAFE
from returns_data import TODAY, add_agreements
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cards import checkin as checkin_cards
from dialogs.checkin import CheckinDialog
from dialogs.state_storage import SqlStorage
from dialogs.turn import set_turn
from storage.returns import ReturnsRepository


class AsProvider(Middleware):
    """What the handler does before any dialog runs: say who is speaking."""

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]) -> None:
        set_turn(context, SAFE, context.activity.text)
        await logic()


async def test_the_dialog_alone_asks_saves_and_ends_with_the_return_id(engine: AsyncEngine) -> None:
    """Started with a reference and period, it asks the KPIs first and ends on submit with the return id."""
    await add_agreements(engine)
    repo = ReturnsRepository(engine)
    client = DialogTestClient(
        "msteams",
        CheckinDialog(repo, checkin_cards, lambda: TODAY),
        initial_dialog_options={"reference": "OPCC-2023-014", "period": "Q2 2026/27"},
        middlewares=[AsProvider()],
        conversation_state=ConversationState(SqlStorage(engine)),
    )
    reply = await client.send_activity("hi")
    assert reply.text.startswith("Monitoring return for OPCC-2023-014")
    assert client.get_next_reply().text == "How many referrals in Q2 2026/27? The target is 120."
    for text in ("130", "310", "£25,000", "£50,000", "green", "none", "Clients felt safer", "skip"):
        await client.send_activity(text)
    assert client.dialog_turn_result.status == DialogTurnStatus.Waiting
    await client.send_activity("submit")
    assert client.dialog_turn_result.status == DialogTurnStatus.Complete
    submitted = await repo.load(client.dialog_turn_result.result)
    assert submitted.state == "submitted" and submitted.answers["rag"] == "Green"
