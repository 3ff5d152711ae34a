"""Universal Actions on the return's summary card, through /api/messages: submitted once, shown as submitted.

Rae answers Safe Harbour's Q3 return and gets the summary card. Pressing Submit (an
`Action.Execute`, answered in the invoke response) records the return and the card becomes
"Submitted by Rae Returns, <today>". A second press is refused with who submitted it and when;
Teams' refresh shows the outcome; one submission, one audit entry, one channel notice. Northside
pressing Rae's card (or refreshing it) reaches nothing, and a card from before a query is stale.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from card_reading import texts
from test_cards_schema import load_validator, without_teams_keys
from test_checkin_http import BOT, NORTHSIDE_ID, PROVIDER_ID, STAFF_ID, TENANT, Bot, bot  # noqa: F401

from dialogs import checkin_text as say
from domain.values import format_date
from storage.db import create_engine
from storage.returns import ReturnsRepository

CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
ANSWERS = ("£20,000", "£150k", "green", "none", "Families supported to stay safe")


async def summary_card(bot: Bot) -> dict[str, Any]:  # noqa: F811
    """Rae checks in for OPCC-2024-031 and answers every question: the summary card she is shown."""
    await bot.texts(PROVIDER_ID, "check in for OPCC-2024-031")
    for answer in ANSWERS:
        await bot.texts(PROVIDER_ID, answer)
    sent = await bot.send(PROVIDER_ID, text="skip")
    assert sent[-1].text == say.SUMMARY_PROMPT
    return sent[-1].cards[0]


async def execute(bot: Bot, action: dict[str, Any], sender: str, *, trigger: str = "manual",  # noqa: F811
                  conversation: dict[str, Any] | None = None) -> dict[str, Any]:
    """Teams' `adaptiveCard/action` invoke for `action`, pressed (or refreshed) by `sender` in their own chat."""
    bot.count += 1
    activity = {
        "type": "invoke", "name": "adaptiveCard/action", "id": f"i-{bot.count}", "serviceUrl": bot.connector.url,
        "channelId": "msteams", "from": {"id": sender, "name": "Someone", "aadObjectId": f"aad-{sender}"},
        "conversation": conversation or {"conversationType": "personal", "id": f"a:personal-{sender}"},
        "recipient": BOT, "channelData": {"tenant": {"id": TENANT}}, "locale": "en-GB", "replyToId": "card-1",
        "value": {"action": {"type": "Action.Execute", "verb": action["verb"], "data": action["data"]}, "trigger": trigger},
    }
    async with bot.http.post(f"{bot.url}/api/messages", json=activity) as response:
        assert response.status == 200
        body = await response.json()
    assert body["statusCode"] == 200
    return body


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    return next(a for a in card.get("actions", []) if a["title"] == title)


def words(card: dict[str, Any]) -> str:
    return " ".join(texts(card["body"]))


def titles(card: dict[str, Any]) -> list[str]:
    return [a["title"] for a in card.get("actions", [])]


async def stored(register_url: str) -> tuple[str, list[str], list[str]]:
    """Safe Harbour's OPCC-2024-031 return: its state, its submissions in the audit, the channel notices queued."""
    from sqlalchemy import select

    from storage.db import session_factory
    from storage.models import OutboxItem

    engine = create_engine(register_url)
    try:
        repo = ReturnsRepository(engine)
        (ret,) = [r for r in await repo.returns_of(["Safe Harbour"]) if r.reference == "OPCC-2024-031"]
        trail = [e.action for e in await repo.audit_trail(ret.reference) if e.field == "state" and e.action == "return_submitted"]
        async with session_factory(engine)() as session:
            notices = [o.rule for o in (await session.scalars(select(OutboxItem))).all() if o.rule == "return_submitted"]
    finally:
        await engine.dispose()
    return ret.state, trail, notices


def submitted_today() -> str:
    """How the card names Rae's submission: the register's contact name and today's date in London."""
    return f"Submitted by Rae Returns, {format_date(datetime.now(ZoneInfo('Europe/London')).date())}"


async def test_submit_on_the_card_becomes_the_outcome_and_a_second_press_is_refused(bot: Bot, register_url: str) -> None:  # noqa: F811
    """Two presses of Submit: one submission, one audit entry, one channel notice; the card shows who and when."""
    validator = load_validator("adaptive-card-1.5.json")
    card = await summary_card(bot)
    validator.validate(without_teams_keys(card))
    submit = button(card, "Submit")
    assert submit["type"] == "Action.Execute" and submit["fallback"]["type"] == "Action.Submit"

    first = await execute(bot, submit, PROVIDER_ID)
    assert first["type"] == CARD
    validator.validate(without_teams_keys(first["value"]))
    assert submitted_today() in words(first["value"])
    assert "Submit" not in titles(first["value"])

    second = await execute(bot, submit, PROVIDER_ID)
    assert f"Nothing changed: this return was already submitted. {submitted_today()}." in words(second["value"])
    assert "Submit" not in titles(second["value"])

    refreshed = await execute(bot, card["refresh"]["action"], PROVIDER_ID, trigger="automatic")
    assert submitted_today() in words(refreshed["value"]) and "Submit" not in titles(refreshed["value"])
    assert await stored(register_url) == ("submitted", ["return_submitted"], ["return_submitted"])


async def test_after_submitting_from_the_card_the_chat_is_no_longer_waiting_at_the_summary(bot: Bot) -> None:  # noqa: F811
    """The check-in that showed the summary ends with the submission: "submit" typed later is not taken as its reply."""
    card = await summary_card(bot)
    await execute(bot, button(card, "Submit"), PROVIDER_ID)
    replies = await bot.texts(PROVIDER_ID, "submit")
    summary_replies = [say.SUMMARY_PROMPT, say.ALREADY_SUBMITTED.format(period="Q3 2026/27", reference="OPCC-2024-031")]
    assert replies and not set(replies) & set(summary_replies)


async def test_an_unsubmitted_summary_refreshes_to_itself(bot: Bot) -> None:  # noqa: F811
    """Nothing submitted yet: Teams' refresh gets the summary back, Submit and all."""
    card = await summary_card(bot)
    refreshed = await execute(bot, card["refresh"]["action"], PROVIDER_ID, trigger="automatic")
    assert refreshed["value"] == card


async def test_another_provider_pressing_raes_card_is_refused_and_sees_nothing(bot: Bot, register_url: str) -> None:  # noqa: F811
    """Nia (Northside) and Sam (staff) press Rae's Submit and refresh it: refused in words, nothing recorded or shown."""
    card = await summary_card(bot)
    for someone in (NORTHSIDE_ID, STAFF_ID):
        assert await execute(bot, button(card, "Submit"), someone) == {"statusCode": 200, "type": MESSAGE, "value": say.RETURN_NOT_YOURS}
        refreshed = await execute(bot, card["refresh"]["action"], someone, trigger="automatic")
        assert refreshed == {"statusCode": 200, "type": MESSAGE, "value": say.RETURN_NOT_YOURS}
    assert await stored(register_url) == ("in_progress", [], [])
    assert submitted_today() in words((await execute(bot, button(card, "Submit"), PROVIDER_ID))["value"])


async def test_a_card_from_before_a_query_is_stale(bot: Bot, register_url: str) -> None:  # noqa: F811
    """Rae submits, Sam queries it: her old card shows the query, and its Submit is refused, not a resubmission."""
    card = await summary_card(bot)
    await execute(bot, button(card, "Submit"), PROVIDER_ID)
    assessment = (await bot.send(STAFF_ID, value={"action": "assess_return", "return_id": 1}))[-1].cards[0]
    query = button(assessment, "Query")
    query = {**query, "data": {**query["data"], "rating": "Requires improvement", "comment": "Please explain the spend"}}
    channel = {"conversationType": "channel", "isGroup": True, "id": "19:contracts@thread.tacv2"}
    assert "Queried by Sam Staff" in words((await execute(bot, query, STAFF_ID, conversation=channel))["value"])

    refreshed = (await execute(bot, card["refresh"]["action"], PROVIDER_ID, trigger="automatic"))["value"]
    assert submitted_today() in words(refreshed) and "Queried by Sam Staff" in words(refreshed)
    assert titles(refreshed) == ["Open my return"]
    stale = await execute(bot, button(card, "Submit"), PROVIDER_ID)
    assert "Nothing changed: this return was already submitted." in words(stale["value"])
    assert await stored(register_url) == ("queried", ["return_submitted"], ["return_submitted"])
