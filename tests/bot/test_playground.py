"""Chatting with the bot through Microsoft 365 Agents Playground, a Microsoft-written local Teams.

The bot runs as `serve --local` does (no credentials, no staff list, so the playground's mocked
user counts as staff) on the test register; the playground is started by the test with Node from
the machine and no internet. On CI a missing `node_modules` fails the run: `npm ci` installs it.

The playground always sends as its one current user (Alex Wilber, alexw@example.com), whatever
`from` a request names. Making Alex a provider's contact in the register makes Alex that provider
(local mode counts the register's contacts as providers), so check-in is driven as a provider
would; with the plain register Alex is staff and assesses.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestServer
from card_reading import block_text
from conftest import import_into
from playground import Playground, require_playground, start_playground
from teams_register import COLUMNS, GRANTS_THIS_QUARTER, QUARTER_QUESTION, ROWS, SAFE_HARBOUR_CONTACT, TODAY

from bot.app import create_app
from bot.cards import text as words
from bot.settings import Settings
from dialogs import checkin_text as say
from domain.returns import CASE_STUDY, OUTCOMES, RAG, RISKS, SPEND_IN_PERIOD, SPEND_TO_DATE
from domain.values import format_date
from storage.db import create_engine
from storage.returns import ReturnsRepository

pytestmark = pytest.mark.playground


@asynccontextmanager
async def bot_in_playground(database_url: str, today: date, log: Path) -> AsyncIterator[Playground]:
    """The bot as `serve --local` runs it on `database_url`, with the playground talking to it."""
    require_playground()
    app = create_app(Settings(database_url=database_url), local=True, today=lambda: today)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    running = await start_playground(f"http://127.0.0.1:{server.port}/api/messages", log)
    try:
        yield running
    finally:
        await running.stop()
        await running.http.close()
        await server.close()


@pytest.fixture
async def playground(register_url: str, tmp_path) -> AsyncIterator[Playground]:  # type: ignore[no-untyped-def]
    async with bot_in_playground(register_url, TODAY, tmp_path / "playground.log") as running:
        yield running


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


# The playground's own user (Alex Wilber) as Safe Harbour's contact in the register: in local mode
# the register's contacts are providers, everyone else staff, so Alex checks in as a provider.
PLAYGROUND_USER_EMAIL = "alexw@example.com"
# After Q3 2026/27 (Oct–Dec) has ended: the register owes its first returns.
AFTER_Q3 = date(2027, 1, 20)


@pytest.fixture
def provider_register_url(db_url: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The test register with Safe Harbour's contact changed to the playground's user."""
    rows = [[*row[:10], "Alex Wilber", PLAYGROUND_USER_EMAIL, row[12]] if row[11] == SAFE_HARBOUR_CONTACT else row for row in ROWS]
    path = tmp_path / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([COLUMNS, *rows])
    import_into(db_url, path)
    return db_url


@pytest.fixture
async def provider_playground(provider_register_url: str, tmp_path) -> AsyncIterator[Playground]:  # type: ignore[no-untyped-def]
    async with bot_in_playground(provider_register_url, AFTER_Q3, tmp_path / "playground.log") as running:
        yield running


async def test_a_provider_checks_in_through_the_prompts_and_submits_from_the_summary_card(
    provider_playground: Playground, provider_register_url: str
) -> None:
    """Alex (Safe Harbour's contact) types "check in", answers each prompt and presses Submit on the summary:
    the card becomes "Submitted by Alex Wilber, <today>", a second press changes nothing, and the return waits
    for assessment, submitted once."""
    pg = provider_playground
    chat = pg.personal_chat
    [choose] = await pg.say(chat, "check in")
    assert choose["text"].startswith("Which agreement is this return for?") and "2. OPCC-2024-031" in choose["text"]
    prompts = [[r.get("text") for r in await pg.say(chat, typed)][-1] for typed in (
        "2", "£20,000", "£150k", "green", "none", "Families supported to stay safe")]
    assert prompts == [
        "How much did you spend in Q3 2026/27? For example £12,500, 12.5k or 12500.",
        "How much have you spent in total since the agreement started, up to 31 Dec 2026?",
        say.ASK_RAG, say.ASK_RISKS, say.ASK_OUTCOMES, say.ASK_CASE_STUDY,
    ]
    [summary] = await pg.say(chat, "skip")
    assert summary["text"] == say.SUMMARY_PROMPT
    [card] = cards_in(summary)
    assert "Families supported to stay safe" in card_words(card) and "£150,000" in card_words(card)
    [submit] = [a for a in card["actions"] if a["title"] == "Submit"]
    card_id = await pg.card_message_id(chat, card)

    submitted = f"Submitted by Alex Wilber, {format_date(datetime.now(ZoneInfo('Europe/London')).date())}"
    pressed = await pg.execute(chat, card_id, submit)
    assert submitted in card_words(pressed["value"]) and "Submit" not in [a["title"] for a in pressed["value"].get("actions", [])]
    again = await pg.execute(chat, card_id, submit)
    assert f"Nothing changed: this return was already submitted. {submitted}." in card_words(again["value"])
    refreshed = await pg.execute(chat, card_id, card["refresh"]["action"])
    assert submitted in card_words(refreshed["value"])

    engine = create_engine(provider_register_url)
    try:
        repo = ReturnsRepository(engine)
        waiting = await repo.awaiting_assessment()
        trail = await repo.audit_trail("OPCC-2024-031")
    finally:
        await engine.dispose()
    assert [(r.reference, r.submitted_by) for r in waiting] == [("OPCC-2024-031", PLAYGROUND_USER_EMAIL)]
    assert [e.action for e in trail if e.field == "state"] == ["return_submitted"]


@pytest.fixture
async def staff_playground(register_url: str, tmp_path) -> AsyncIterator[Playground]:  # type: ignore[no-untyped-def]
    """The playground's user as staff (not a contact in the register), with Safe Harbour's Q3 return submitted."""
    require_playground()
    engine = create_engine(register_url)
    try:
        repo = ReturnsRepository(engine)
        ret = await repo.open_return("OPCC-2024-031", date(2026, 10, 1), SAFE_HARBOUR_CONTACT, AFTER_Q3)
        for key, value in {SPEND_IN_PERIOD: "20000.00", SPEND_TO_DATE: "150000.00", RAG: "Amber", RISKS: "",
                           OUTCOMES: "Families supported to stay safe", CASE_STUDY: ""}.items():
            await repo.save_answer(ret.id, key, value, SAFE_HARBOUR_CONTACT)
        await repo.submit(ret.id, SAFE_HARBOUR_CONTACT)
    finally:
        await engine.dispose()
    app = create_app(Settings(database_url=register_url), local=True, today=lambda: AFTER_Q3)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    running = await start_playground(f"http://127.0.0.1:{server.port}/api/messages", tmp_path / "playground.log")
    yield running
    await running.stop()
    await running.http.close()
    await server.close()


async def test_staff_assess_a_waiting_return_on_the_one_card_form(staff_playground: Playground, register_url: str) -> None:
    """Alex (staff here) lists the returns awaiting assessment, opens Safe Harbour's, presses Query with no
    comment (the form comes back saying what to fix, the rating kept), then Accept: the card shows the decision."""

    pg = staff_playground
    chat = pg.personal_chat
    [waiting] = await pg.say(chat, "returns awaiting assessment")
    [listing] = cards_in(waiting)
    assert block_text(listing["body"][0]) == "Returns awaiting assessment: 1" and "OPCC-2024-031" in card_words(listing)
    [assess] = [a for item in listing["body"] if item.get("type") == "Container" for e in item["items"]
                if e.get("type") == "ActionSet" for a in e["actions"]]
    replies = await pg.submit(chat, pg.message_id_of(waiting), assess["data"])
    [form] = [c for r in replies for c in cards_in(r)]
    assert "Assess Q3 2026/27 return" in card_words(form)
    form_id = await pg.card_message_id(chat, form)
    [query] = [a for a in form["actions"] if a["title"] == "Query"]
    refused = await pg.execute(chat, form_id, query, {"rating": "Good", "comment": ""})
    assert say.QUERY_NEEDS_COMMENT in card_words(refused["value"])
    assert next(e for e in refused["value"]["body"] if e.get("id") == "rating")["value"] == "Good"
    [accept] = [a for a in refused["value"]["actions"] if a["title"] == "Accept"]
    decided = await pg.execute(chat, form_id, accept, {"rating": "Good", "comment": ""})
    assert "Accepted by alexw@example.com, " in card_words(decided["value"]) and ", rated Good" in card_words(decided["value"])
    assert "actions" not in decided["value"]

    engine = create_engine(register_url)
    try:
        (ret,) = await ReturnsRepository(engine).returns_of(["Safe Harbour"], ["accepted"])
    finally:
        await engine.dispose()
    assert (ret.reference, ret.rating, ret.assessed_by) == ("OPCC-2024-031", "Good", PLAYGROUND_USER_EMAIL)
