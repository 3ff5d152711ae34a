"""A provider's first chat gets their own welcome; "what's due" lists the returns they owe."""

from __future__ import annotations

import json
from datetime import date

import pytest
from card_reading import block_text, fact_rows
from conftest import PROVIDER_ID, STAFF_ID, RunningBot
from returns_chat import MANAGER, NOT_MINE, SAFE, ReturnsChat
from returns_data import add_agreements, agreement
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cards.provider_welcome import due_card, provider_welcome_card
from dialogs.provider_home import DueReturn
from domain.monitoring import MonitoringPeriod


def words(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False).replace("\\\\", "")


async def install(bot: RunningBot, sender: str) -> dict:
    activity = bot.activities.installation(sender=sender)
    conversation = activity["conversation"]["id"]
    before = len(bot.connector.sent_to(conversation))
    await bot.post(activity)
    (sent,) = bot.connector.sent_to(conversation)[before:]
    return sent.cards[0]


async def test_a_provider_installing_the_app_gets_their_own_welcome(local_bot: RunningBot) -> None:
    """What they can type, the agreements they report on and the next return, not the staff welcome."""
    card = await install(local_bot, PROVIDER_ID)
    text = words(card)
    assert block_text(card["body"][0]) == "Welcome, Safe Harbour"
    buttons = [item["actions"][0]["data"]["question"] for item in card["body"][2]["items"]]
    assert buttons == ["check in", "my returns", "what's due"]
    assert [title for title, _ in fact_rows(card)] == ["OPCC-2023-014", "OPCC-2024-031"]
    assert "Next return due" in text and "Q3 2026/27 return, due 15 Jan 2027 (not open yet)" in text
    assert "which grants expire this quarter?" not in text  # the staff welcome's examples


async def test_staff_still_get_the_register_welcome(local_bot: RunningBot) -> None:
    card = await install(local_bot, STAFF_ID)
    assert "which grants expire this quarter?" in words(card)
    assert not block_text(card["body"][0]).startswith("Welcome, ")


@pytest.fixture
async def chat(engine: AsyncEngine) -> ReturnsChat:
    await add_agreements(engine)
    return ReturnsChat(engine)


async def test_whats_due_lists_the_returns_a_provider_can_send_oldest_first(chat: ReturnsChat) -> None:
    """Q1 is overdue and Q2 due on both Safe Harbour agreements; each can be started from the card."""
    (reply,) = await chat.say("What's due?")
    assert reply.card is not None
    rows = [e["items"] for e in reply.card["body"][1:]]
    lines = [block_text(row[0]) for row in rows]
    assert block_text(reply.card["body"][0]) == "4 returns to send"
    assert [row[1]["actions"][0]["title"] for row in rows] == [
        "Start OPCC-2023-014 Q1 2026/27", "Start OPCC-2024-031 Q1 2026/27", "Start OPCC-2023-014 Q2 2026/27",
        "Start OPCC-2024-031 Q2 2026/27",
    ]
    assert lines[0].startswith("OPCC-2023-014 Independent sexual violence advisers: Q1 2026/27 return, due 15 Jul 2026 (overdue)")
    assert lines[-1].startswith("OPCC-2024-031 Domestic abuse outreach: Q2 2026/27 return, due 15 Oct 2026")
    start = rows[0][1]["actions"][0]["data"]
    assert start == {"action": "start_return", "reference": "OPCC-2023-014", "period": "Q1 2026/27"}
    assert (await chat.say(value=start))[-1].text == "How many referrals in Q1 2026/27? The target is 120."


async def test_whats_due_from_staff_is_a_register_question(chat: ReturnsChat) -> None:
    assert await chat.last("what's due", who=MANAGER) == NOT_MINE


def test_the_welcome_card_says_when_nothing_is_due_and_shows_register_text_as_typed() -> None:
    """A title like `**bold** <at>Everyone</at>` is a literal run: no mention entity, no Markdown block."""
    hostile = agreement(title="**bold** <at>Everyone</at>")
    card = provider_welcome_card([SAFE.providers[0]], [hostile], [])
    text = words(card)
    assert "No returns are due right now." in text and "entities" not in text and '"TextBlock"' not in text
    assert ("OPCC-2023-014", "**bold** <at>Everyone</at>") in fact_rows(card)
    period = MonitoringPeriod("Q2 2026/27", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15))
    due = due_card([DueReturn(hostile, period, "in_progress")])
    line, button = due["body"][1]["items"]
    assert button["actions"][0]["title"] == "Continue OPCC-2023-014 Q2 2026/27"
    assert block_text(line).startswith("OPCC-2023-014 **bold** <at>Everyone</at>: Q2 2026/27 return")
