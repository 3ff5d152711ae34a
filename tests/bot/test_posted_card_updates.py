"""Posted decision cards replaced in place after a decision made elsewhere, through /api/messages.

The "Decision overdue" card for one agreement is in the contracts channel and in Sam's own chat.
Sam types "extend … by 1 year" (or presses Extend on one copy): every posted copy is replaced
with the outcome (Update Activity, `PUT …/activities/{id}`) for everyone, by the running bot's
own sender, woken by the decision. A copy someone deleted is reported in words in `status`;
the chat itself stays open for the next alert. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from card_reading import block_text
from conftest import STAFF_ID, Activities, RunningBot, _running, settings_for
from stand_ins.connector import Sent, StandInConnector
from teams_register import STAFF_EMAIL, TODAY
from test_alert_decisions_http import END, KIT_ID, extendable_url, reference, stored, typed  # noqa: F401
from test_alert_universal_actions_http import button, execute

from bot.app import create_app
from bot.cards.alerts import render
from bot.settings import Settings
from bot.teams.proactive import make_send
from domain.alerts import CHANNEL, CONTRACT_MANAGER, DECISION_OVERDUE, Alert, idempotency_key
from notifications.config import AlertSettings
from notifications.sender import OutboxSender
from notifications.undelivered import card_gone
from storage import outbox
from storage.conversations import find_conversation
from storage.db import create_engine, session_factory
from storage.posted_cards import CARD_UPDATE

CHANNEL_ID = "19:contracts@thread.tacv2"


@pytest.fixture
async def bot(extendable_url: str, connector: StandInConnector) -> AsyncIterator[RunningBot]:  # noqa: F811
    """The bot with its sender idle for a minute between passes: only a decision's wake-up makes it send now."""
    connector.add_member(KIT_ID, "Kit Staff", "kit.staff@mopac.example")
    settings = settings_for(extendable_url)
    app = create_app(settings, local=True, today=lambda: TODAY,
                     alert_settings=AlertSettings(send_interval=60.0, catch_up_delay=3600.0))
    async for running in _running(app, activities=Activities(connector.url), connector=connector, settings=settings):
        yield running


def overdue(ref: str, recipient: str) -> Alert:
    audience = CHANNEL if recipient == CHANNEL else CONTRACT_MANAGER
    return Alert(DECISION_OVERDUE, ref, END, audience, "60", idempotency_key(DECISION_OVERDUE, ref, "60", END, audience),
                 f"No decision yet on {ref}.", (("Reference", ref), ("Title", "Outreach service")),
                 recipient=recipient, options_left=(1, 1))


async def post_cards(running: RunningBot, ref: str) -> dict[str, Sent]:
    """The decision card for `ref` posted to the channel and to Sam's chat; the posted messages by chat."""
    await running.post(running.activities.channel("send alerts here"))
    await running.post(running.activities.personal("hello"))  # Sam's own chat is known to the bot
    engine = create_engine(running.settings.database_url)
    try:
        async with session_factory(engine).begin() as session:
            await outbox.add_alerts(session, [overdue(ref, CHANNEL), overdue(ref, STAFF_EMAIL)], datetime.now(UTC))
        before = len(running.connector.sent)
        sender = OutboxSender(session_factory(engine), make_send(CloudAdapter(ConfigurationBotFrameworkAuthentication(
            Settings())), ""), render)
        report = await sender.drain()
    finally:
        await engine.dispose()
    assert report.delivered == 2 and report.messages == 2
    posted = {s.conversation_id: s for s in running.connector.sent[before:] if s.cards}
    assert len(posted) == 2 and CHANNEL_ID in posted
    return posted


async def updates(running: RunningBot, count: int) -> list[Sent]:
    """The first `count` replacements the connector took, waiting up to 15 s for the bot's sender."""
    for _ in range(150):
        if len(running.connector.updated) >= count:
            break
        await asyncio.sleep(0.1)
    return running.connector.updated


def text_of(sent: Sent) -> str:
    return " ".join(block_text(b) for card in sent.cards for b in card["body"])


async def update_items(running: RunningBot) -> list[outbox.OutboxEntry]:
    engine = create_engine(running.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return [e for e in await outbox.all_items(session) if e.rule == CARD_UPDATE]
    finally:
        await engine.dispose()


async def test_a_typed_decision_replaces_every_posted_copy_of_the_card(bot: RunningBot) -> None:
    """Sam types the decision: the channel's card and his own both show the outcome, no buttons; one audit entry."""
    ref = reference(10)
    posted = await post_cards(bot, ref)
    reply = await typed(bot, f"extend {ref} by 1 year")
    assert reply.startswith(f"Recorded: {ref} is extended to 31 Mar 2029")
    replaced = await updates(bot, 2)
    assert sorted((u.conversation_id, u.reply_to_id) for u in replaced) == sorted(
        (chat, sent.activity_id) for chat, sent in posted.items())
    for update in replaced:
        words = text_of(update)
        assert "Extended to 31 Mar 2029 by Sam Staff, " in words, words
        assert "Let it end" not in str(update.cards) and "Re-commission" not in str(update.cards)
        assert update.cards[0]["refresh"]["action"]["data"]["reference"] == ref
    assert await stored(bot, ref) == (END.replace(year=2029), ["extend"], ["extend"])
    assert {item.state for item in await update_items(bot)} == {"delivered"}


async def test_a_press_on_one_copy_replaces_the_other(bot: RunningBot) -> None:
    """Kit presses Let it end on the channel's card: Sam's copy in his own chat shows it too."""
    ref = reference(11)
    posted = await post_cards(bot, ref)
    (card,) = posted[CHANNEL_ID].cards
    answer = await execute(bot, button(card, "Let it end"), KIT_ID)
    assert "Ends on 31 Mar 2028: decided by Kit Staff" in str(answer["value"])
    replaced = await updates(bot, 2)
    assert {u.conversation_id for u in replaced} == set(posted)
    assert all("Ends on 31 Mar 2028: decided by Kit Staff, " in text_of(u) for u in replaced), [text_of(u) for u in replaced]
    assert await stored(bot, ref) == (None, ["end"], ["end"])


async def test_a_deleted_copy_is_reported_in_words_and_the_chat_stays_open(bot: RunningBot) -> None:
    """Someone deleted the channel's card: Teams answers 404 to the update; status says so; the chat is not closed."""
    ref = reference(12)
    posted = await post_cards(bot, ref)
    bot.connector.delete(posted[CHANNEL_ID].activity_id)
    assert (await typed(bot, f"re-commission {ref}")).startswith("Recorded:")
    replaced = await updates(bot, 1)
    for _ in range(150):
        items = await update_items(bot)
        if all(item.state in ("delivered", "dead") for item in items):
            break
        await asyncio.sleep(0.1)
    (sams_chat,) = [chat for chat in posted if chat != CHANNEL_ID]
    assert [u.conversation_id for u in replaced] == [sams_chat]
    by_state = {item.state: item for item in items}
    assert set(by_state) == {"delivered", "dead"}
    assert by_state["dead"].last_error == card_gone(404)
    assert "HTTP" not in by_state["dead"].last_error
    engine = create_engine(bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            channel = await find_conversation(session, CHANNEL_ID)
    finally:
        await engine.dispose()
    assert channel is not None and not channel.blocked


async def test_no_copy_posted_means_nothing_to_replace(bot: RunningBot) -> None:
    """A decision on an agreement whose card was never posted queues no updates."""
    ref = reference(13)
    assert (await typed(bot, f"let {ref} end", sender=STAFF_ID)).startswith("Recorded:")
    assert await update_items(bot) == []
