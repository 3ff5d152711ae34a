"""Chatting with the bot through Microsoft 365 Agents Playground, a Microsoft-written local Teams.

The bot runs as `serve --local` does (no credentials, no staff list, so the playground's mocked
user counts as staff) on the test register; the playground is started by the test with Node from
the machine and no internet. On CI a missing `node_modules` fails the run: `npm ci` installs it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from playground import Playground, require_playground, start_playground
from teams_register import GRANTS_THIS_QUARTER, QUARTER_QUESTION, TODAY

from bot.app import create_app
from bot.cards import text as words
from bot.settings import Settings

pytestmark = pytest.mark.playground


@pytest.fixture
async def playground(register_url: str, tmp_path) -> AsyncIterator[Playground]:  # type: ignore[no-untyped-def]
    require_playground()
    app = create_app(Settings(database_url=register_url), local=True, today=lambda: TODAY)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    running = await start_playground(f"http://127.0.0.1:{server.port}/api/messages", tmp_path / "playground.log")
    yield running
    await running.stop()
    await running.http.close()
    await server.close()


def cards_in(reply: dict) -> list[dict]:
    return [a["content"] for a in reply.get("attachments") or [] if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]


def card_words(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False).replace("\\\\", "")


async def test_a_personal_chat_question_gets_an_answer_card(playground: Playground) -> None:
    """The playground's user asks in the personal chat and sees the answer card."""
    [reply] = await playground.say(playground.personal_chat, QUARTER_QUESTION)
    [card] = cards_in(reply)
    assert "22 grants" in card_words(card)
    assert "1 Oct – 31 Dec 2026" in card_words(card)


async def test_show_more_on_the_card_brings_the_next_page(playground: Playground) -> None:
    """Pressing Show more (an Action.Submit) in the playground sends the rest of the list."""
    [first] = await playground.say(playground.personal_chat, QUARTER_QUESTION)
    card = cards_in(first)[0]
    [show_more] = [a for a in card.get("actions", []) if a.get("title") == words.SHOW_MORE]
    [second] = await playground.submit(playground.personal_chat, playground.message_id_of(first), show_more["data"])
    seen = {r for r in GRANTS_THIS_QUARTER if r in card_words(card) or r in card_words(cards_in(second)[0])}
    assert seen == GRANTS_THIS_QUARTER


async def test_a_channel_mention_is_answered(playground: Playground) -> None:
    """@mentioning the bot in the team's General channel gets the answer card."""
    [reply] = await playground.say(playground.channel, QUARTER_QUESTION, mention_bot=True)
    assert "22 grants" in card_words(cards_in(reply)[0])


async def test_installing_the_app_sends_one_welcome_card(playground: Playground) -> None:
    """The playground's install sends installationUpdate and conversationUpdate; one welcome comes back."""
    [welcome] = await playground.install(playground.personal_chat)
    assert words.WELCOME_TITLE in card_words(cards_in(welcome)[0])


async def test_help_in_the_personal_chat_shows_the_help_card(playground: Playground) -> None:
    """Typing help shows what can be asked."""
    [reply] = await playground.say(playground.personal_chat, "help")
    assert words.HELP_TITLE in card_words(cards_in(reply)[0])


@pytest.fixture
async def synced_playground(register_url: str, tmp_path, m365, monkeypatch) -> AsyncIterator[Playground]:  # type: ignore[no-untyped-def]
    """The bot in local mode with the app's credentials for Graph, its register kept as a (stand-in) Microsoft List."""
    from sync_fixtures import LIST, SITE

    from bot.settings import Secret

    require_playground()
    for name, value in {
        "REGISTER_SITE": SITE, "REGISTER_LIST": LIST, "REGISTER_SYNC_EVERY": "0", "GRAPH_BASE_URL": m365.sharepoint.url,
        "ENTRA_AUTHORITY_HOST": m365.entra.url, "REQUESTS_CA_BUNDLE": str(m365.trusting.verify),
    }.items():
        monkeypatch.setenv(name, value)
    m365.make_register([{"reference": "OPCC-2026-950", "kind": "grant", "title": "Street outreach – Croydon",
                         "provider": "Safer London", "value": "45000", "end_date": "2027-03-31"}])
    settings = Settings(database_url=register_url, app_id="sync-app-id", app_password=Secret("stand-in-sync-client-secret"),
                        app_tenant_id="tenant-1")
    app = create_app(settings, local=True, today=lambda: TODAY)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    running = await start_playground(f"http://127.0.0.1:{server.port}/api/messages", tmp_path / "playground.log")
    yield running
    await running.stop()
    await running.http.close()
    await server.close()


async def test_sync_the_register_from_the_playground_then_ask_about_what_it_brought(synced_playground: Playground) -> None:
    """Typed in the playground's chat, the sync answers with its counts; the new agreement is then known."""
    replies = await synced_playground.say(synced_playground.personal_chat, "sync the register")
    texts = [r.get("text") or "" for r in replies]
    assert any(t.startswith("Synced the list 'Commissioning register': 1 added") for t in texts), texts
    [answer] = await synced_playground.say(synced_playground.personal_chat, "tell me about OPCC-2026-950")
    assert "Street outreach" in card_words(cards_in(answer)[0])
