"""End to end through the real HTTP endpoint: Teams-shaped activities posted to /api/messages,
replies captured by the stand-in Bot Connector the SDK really calls over HTTP (`serviceUrl`).
The bot runs as `serve --local` does."""

from __future__ import annotations

import re

from conftest import NORTHSIDE_ID, PROVIDER_ID, STAFF_ID, STRANGER_ID, RunningBot
from teams_register import GRANTS_THIS_QUARTER, QUARTER_QUESTION, STAFF_EMAIL

from bot.answering import NOT_REGISTERED
from bot.cards import text as words
from bot.requests import NOT_A_VALID_BUTTON
from storage.conversations import list_conversations
from storage.db import create_engine, session_factory

CHANNEL = "19:contracts@thread.tacv2"


def shown(card: dict) -> str:
    """The words a card shows (text blocks, facts, button titles), Markdown escapes removed."""
    words_seen: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value"):
                if isinstance(node.get(key), str):
                    words_seen.append(re.sub(r"\\(.)", r"\1", node[key]))
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({key: value for key, value in card.items() if key != "actions"} | {"actions": card.get("actions", [])})
    return "\n".join(words_seen)


def references_in(card: dict) -> set[str]:
    text = shown(card)
    return {reference for reference in GRANTS_THIS_QUARTER | {"OPCC-2024-031"} if reference in text}


async def test_a_question_in_personal_chat_is_answered_with_a_card(local_bot: RunningBot) -> None:
    """Staff asking in a personal chat get one answer card stating the period it used."""
    response = await local_bot.post(local_bot.activities.personal(QUARTER_QUESTION))
    assert response.status in (200, 201)
    [reply] = local_bot.connector.sent
    [card] = reply.cards
    assert card["version"] == "1.5"
    assert "1 Oct – 31 Dec 2026" in shown(card)
    assert "22 grants" in shown(card)
    assert reply.conversation_id == f"a:personal-{STAFF_ID}"


async def test_show_more_sends_the_next_page_of_a_long_answer(local_bot: RunningBot) -> None:
    """The Show more button's data (a submit with no text) brings the rest of the list."""
    await local_bot.post(local_bot.activities.personal(QUARTER_QUESTION))
    first = local_bot.connector.sent[0].cards[0]
    [show_more] = [a for a in first.get("actions", []) if a.get("title") == words.SHOW_MORE]
    await local_bot.post(local_bot.activities.card_submit(show_more["data"]))
    second = local_bot.connector.sent[1].cards[0]
    assert references_in(first) | references_in(second) == GRANTS_THIS_QUARTER
    assert not references_in(first) & references_in(second)


async def test_a_forged_show_more_gets_a_polite_refusal(local_bot: RunningBot) -> None:
    """Card data the bot did not make is refused in words, not guessed at or crashed on."""
    for value in (
        {"action": "show_more", "question": QUARTER_QUESTION, "page": "2; drop table"},
        {"action": "show_more", "question": QUARTER_QUESTION, "page": -1},
        {"action": "delete_everything"},
        {"action": "show_more", "question": "x" * 5000, "page": 1},
        ["not", "an", "object"],
    ):
        response = await local_bot.post(local_bot.activities.card_submit(value))
        assert response.status in (200, 201)
    assert [s.text for s in local_bot.connector.sent] == [NOT_A_VALID_BUTTON] * 5


async def test_an_example_button_asks_its_question(local_bot: RunningBot) -> None:
    """An example-question button (messageBack: text and data) is answered like typing it."""
    activity = local_bot.activities.card_submit({"action": "ask", "question": QUARTER_QUESTION}, conversation_type="channel")
    activity["text"] = QUARTER_QUESTION  # a messageBack carries the text, without any @mention
    await local_bot.post(activity)
    [reply] = local_bot.connector.sent
    assert "22 grants" in shown(reply.cards[0])


async def test_a_channel_mention_is_answered_in_the_thread(local_bot: RunningBot) -> None:
    """@mentioning the bot in a channel gets an answer to the question without the mention."""
    await local_bot.post(local_bot.activities.channel("which grants expire this quarter?"))
    [reply] = local_bot.connector.sent
    assert reply.conversation_id.startswith(CHANNEL)
    assert "22 grants" in shown(reply.cards[0])


async def test_channel_chatter_without_a_mention_is_ignored(local_bot: RunningBot) -> None:
    """Messages in a channel that do not @mention the bot get no reply."""
    response = await local_bot.post(local_bot.activities.channel("lunch anyone?", mention=False))
    assert response.status in (200, 201)
    assert local_bot.connector.sent == []


async def test_a_group_chat_mention_is_answered(local_bot: RunningBot) -> None:
    """In a group chat the bot answers when @mentioned and keeps quiet otherwise."""
    await local_bot.post(local_bot.activities.group_chat("which grants expire this quarter?", mention=False))
    await local_bot.post(local_bot.activities.group_chat("which grants expire this quarter?"))
    [reply] = local_bot.connector.sent
    assert reply.conversation_id == "19:group-chat@thread.v2"
    assert "22 grants" in shown(reply.cards[0])


async def test_help_and_a_bare_mention_show_the_help_card(local_bot: RunningBot) -> None:
    """`help` in a personal chat and an empty @mention in a channel both show help."""
    await local_bot.post(local_bot.activities.personal("help"))
    await local_bot.post(local_bot.activities.channel(""))
    assert len(local_bot.connector.sent) == 2
    for reply in local_bot.connector.sent:
        assert words.HELP_TITLE in shown(reply.cards[0])


async def test_installing_the_app_sends_one_welcome_card(local_bot: RunningBot) -> None:
    """installationUpdate and conversationUpdate both arrive on install; one welcome is sent."""
    await local_bot.post(local_bot.activities.installation("add"))
    personal_install = local_bot.activities.installation("add")
    update = dict(personal_install, type="conversationUpdate", membersAdded=[{"id": personal_install["recipient"]["id"]}])
    update.pop("action")
    await local_bot.post(update)
    [welcome] = local_bot.connector.sent
    assert words.WELCOME_TITLE in shown(welcome.cards[0])


async def test_adding_the_bot_to_a_team_welcomes_the_channel(local_bot: RunningBot) -> None:
    """conversationUpdate with the bot among membersAdded sends the welcome card there."""
    await local_bot.post(local_bot.activities.bot_added_to_team())
    [welcome] = local_bot.connector.sent
    assert welcome.conversation_id == "19:team@thread.tacv2"
    assert words.WELCOME_TITLE in shown(welcome.cards[0])


async def test_a_provider_sees_only_its_own_agreements(local_bot: RunningBot) -> None:
    """A provider contact asking the same question sees its own grant and nobody else's."""
    await local_bot.post(local_bot.activities.personal(QUARTER_QUESTION, sender=PROVIDER_ID))
    await local_bot.post(local_bot.activities.personal(QUARTER_QUESTION, sender=NORTHSIDE_ID))
    safe_harbour, northside = (s.cards[0] for s in local_bot.connector.sent)
    assert references_in(safe_harbour) == {"OPCC-2023-014"}
    assert references_in(northside) == {"OPCC-2024-077"}


async def test_a_provider_cannot_page_into_other_providers_data(local_bot: RunningBot) -> None:
    """Show more data sent by a provider is answered from the provider's own view only."""
    value = {"action": "show_more", "question": QUARTER_QUESTION, "page": 1}
    await local_bot.post(local_bot.activities.card_submit(value, sender=PROVIDER_ID))
    [reply] = local_bot.connector.sent
    assert not references_in(reply.cards[0]) - {"OPCC-2023-014"}


async def test_someone_not_in_the_register_gets_help_only(local_bot: RunningBot) -> None:
    """An unknown user (not staff, not a provider contact) gets help text, not register data."""
    await local_bot.post(local_bot.activities.personal(QUARTER_QUESTION, sender=STRANGER_ID))
    [reply] = local_bot.connector.sent
    assert reply.text == NOT_REGISTERED
    assert words.HELP_TITLE in shown(reply.cards[0])
    for register_text in ("Safe Harbour", "Youth diversion", "Borough crime prevention", "400,000"):
        assert register_text not in shown(reply.cards[0])


async def test_conversation_references_are_stored_for_alerts(local_bot: RunningBot) -> None:
    """Installs and messages store the conversation reference with tenant, type and email."""
    await local_bot.post(local_bot.activities.installation("add"))
    await local_bot.post(local_bot.activities.channel("help"))
    engine = create_engine(local_bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            stored = {record.conversation_id: record for record in await list_conversations(session)}
    finally:
        await engine.dispose()
    personal = stored[f"a:personal-{STAFF_ID}"]
    assert personal.conversation_type == "personal"
    assert personal.tenant_id == local_bot.activities.tenant
    assert personal.user_email == STAFF_EMAIL
    assert personal.reference["serviceUrl"] == local_bot.connector.url
    assert personal.reference["conversation"]["id"] == f"a:personal-{STAFF_ID}"
    channel = stored[CHANNEL]
    assert channel.conversation_type == "channel"
    assert channel.reference["conversation"]["id"] == CHANNEL


async def test_removing_the_app_marks_the_conversation_blocked(local_bot: RunningBot) -> None:
    """After an uninstall, alerts must not go to that conversation any more."""
    await local_bot.post(local_bot.activities.installation("add"))
    await local_bot.post(local_bot.activities.installation("remove"))
    engine = create_engine(local_bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            assert await list_conversations(session) == []
            assert len(await list_conversations(session, include_blocked=True)) == 1
    finally:
        await engine.dispose()


async def test_replies_reuse_one_connection_to_the_connector(local_bot: RunningBot) -> None:
    """Consecutive replies go over one kept-alive connection, not a new one (and TLS handshake) each."""
    for _ in range(3):
        await local_bot.post(local_bot.activities.personal("help"))
    peers = {s.peer for s in local_bot.connector.sent}
    assert len(local_bot.connector.sent) == 3 and len(peers) == 1


async def test_a_question_about_monitoring_returns_is_answered_from_the_returns(local_bot: RunningBot) -> None:
    """'Which returns are overdue?' reaches the monitoring overview, not 'I didn't understand'."""
    await local_bot.post(local_bot.activities.personal("which returns are overdue?"))
    [reply] = local_bot.connector.sent
    [card] = reply.cards
    assert "monitoring returns overdue" in shown(card)
    assert "didn't understand" not in shown(card)
