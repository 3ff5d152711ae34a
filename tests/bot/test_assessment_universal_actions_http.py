"""Universal Actions on the assessment card, through /api/messages: one decision, shown to everyone.

Sam opens the assessment card for Safe Harbour's return and presses Accept (an `Action.Execute`
answered in the invoke response) with a rating: the card becomes "Accepted by Sam Staff, …".
Kit's next view of the same card (Teams' automatic `refresh`) shows that outcome, and a Query
Kit presses on a stale copy is refused with what Sam decided. One decision, one audit entry.
A press with a field missing comes back as the form, filled in, saying what to fix; a provider's
forged press records nothing.
"""

from __future__ import annotations

from typing import Any

from card_reading import block_text
from test_cards_schema import load_validator, without_teams_keys
from test_checkin_http import BOT, PROVIDER_ID, STAFF_ID, TENANT, Bot, bot  # noqa: F401

from dialogs import checkin_text as say
from storage.db import create_engine
from storage.returns import ReturnsRepository

KIT_ID = "29:staff-kit"
CARD = "application/vnd.microsoft.card.adaptive"


async def submitted(bot: Bot) -> int:  # noqa: F811
    """Rae checks in for OPCC-2024-031 and submits; the return's id."""
    await bot.texts(PROVIDER_ID, "check in for OPCC-2024-031")
    for answer in ("£20,000", "£150k", "green", "none", "Families supported to stay safe", "skip", "submit"):
        await bot.texts(PROVIDER_ID, answer)
    return 1


async def assessment_card(bot: Bot, return_id: int) -> dict[str, Any]:  # noqa: F811
    sent = await bot.send(STAFF_ID, value={"action": "assess_return", "return_id": return_id})
    return sent[-1].cards[0]


async def execute(bot: Bot, action: dict[str, Any], sender: str, inputs: dict[str, Any] | None = None,  # noqa: F811
                  trigger: str = "manual") -> dict[str, Any]:
    """Teams' `adaptiveCard/action` invoke: the action's data with the card's inputs merged in, as Teams sends it."""
    bot.count += 1
    activity = {
        "type": "invoke", "name": "adaptiveCard/action", "id": f"i-{bot.count}", "serviceUrl": bot.connector.url,
        "channelId": "msteams", "from": {"id": sender, "name": "Someone", "aadObjectId": f"aad-{sender}"},
        "conversation": {"conversationType": "channel", "isGroup": True, "id": "19:contracts@thread.tacv2"},
        "recipient": BOT, "channelData": {"tenant": {"id": TENANT}}, "locale": "en-GB", "replyToId": "card-1",
        "value": {"action": {"type": "Action.Execute", "verb": action["verb"], "data": {**action["data"], **(inputs or {})}},
                  "trigger": trigger},
    }
    async with bot.http.post(f"{bot.url}/api/messages", json=activity) as response:
        assert response.status == 200
        body = await response.json()
    assert body["statusCode"] == 200
    return body


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    return next(a for a in card["actions"] if a["title"] == title)


def words(card: dict[str, Any]) -> str:
    return " ".join(block_text(e) for e in card["body"])


async def state_and_audit(bot: Bot, register_url: str, return_id: int) -> tuple[str, list[str]]:  # noqa: F811
    engine = create_engine(register_url)
    try:
        repo = ReturnsRepository(engine)
        ret = await repo.load(return_id)
        trail = [e.action for e in await repo.audit_trail(ret.reference) if e.field == "state" and e.action != "return_submitted"]
    finally:
        await engine.dispose()
    return ret.state, trail


async def test_accept_becomes_the_outcome_for_everyone_and_a_stale_query_is_refused(bot: Bot, register_url: str) -> None:  # noqa: F811
    """Sam accepts; Kit's refreshed card shows it; Kit's stale Query changes nothing; one audit entry."""
    bot.connector.add_member(KIT_ID, "Kit Staff", "kit.staff@mopac.example")
    validator = load_validator("adaptive-card-1.5.json")
    rid = await submitted(bot)
    card = await assessment_card(bot, rid)
    validator.validate(without_teams_keys(card))
    accept = button(card, "Accept")
    assert accept["type"] == "Action.Execute" and accept["fallback"]["type"] == "Action.Submit"

    answer = await execute(bot, accept, STAFF_ID, {"rating": "Good", "comment": ""})
    assert answer["type"] == CARD
    validator.validate(without_teams_keys(answer["value"]))
    assert "Accepted by Sam Staff, " in words(answer["value"]) and ", rated Good" in words(answer["value"])
    assert "actions" not in answer["value"]

    refreshed = await execute(bot, card["refresh"]["action"], KIT_ID, trigger="automatic")
    assert "Accepted by Sam Staff, " in words(refreshed["value"]) and "actions" not in refreshed["value"]

    stale = await execute(bot, button(card, "Query"), KIT_ID, {"rating": "Inadequate", "comment": "Explain the spend"})
    assert "Nothing changed: this return was already assessed. Accepted by Sam Staff" in words(stale["value"])
    assert await state_and_audit(bot, register_url, rid) == ("accepted", ["return_accepted"])


async def test_an_unassessed_card_refreshes_to_the_form(bot: Bot) -> None:  # noqa: F811
    """Nobody has decided yet: Teams' refresh gets the form back, buttons and all."""
    rid = await submitted(bot)
    card = await assessment_card(bot, rid)
    refreshed = await execute(bot, card["refresh"]["action"], STAFF_ID, trigger="automatic")
    assert refreshed["value"] == card


async def test_query_without_a_rating_comes_back_filled_in_then_accept_is_saved(bot: Bot, register_url: str) -> None:  # noqa: F811
    """The reported trip, as Universal Actions: the form comes back in place with the comment kept."""
    rid = await submitted(bot)
    card = await assessment_card(bot, rid)
    again = await execute(bot, button(card, "Query"), STAFF_ID, {"comment": "Please explain the spend"})
    form = again["value"]
    assert say.FORM_NEEDS_RATING in words(form)
    assert next(e for e in form["body"] if e.get("id") == "comment")["value"] == "Please explain the spend"
    assert await state_and_audit(bot, register_url, rid) == ("submitted", [])
    done = await execute(bot, button(form, "Accept"), STAFF_ID, {"rating": "Approaching target", "comment": "Please explain the spend"})
    assert "Accepted by Sam Staff, " in words(done["value"])
    assert await state_and_audit(bot, register_url, rid) == ("accepted", ["return_accepted"])


async def test_a_providers_forged_assessment_press_records_nothing(bot: Bot, register_url: str) -> None:  # noqa: F811
    """Rae sends a well-formed Accept for her own return: refused in words, and the return still waits."""
    rid = await submitted(bot)
    card = await assessment_card(bot, rid)
    answer = await execute(bot, button(card, "Accept"), PROVIDER_ID, {"rating": "Good"})
    assert answer == {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": say.STAFF_ONLY}
    refreshed = await execute(bot, card["refresh"]["action"], PROVIDER_ID, trigger="automatic")
    assert refreshed["value"] == say.STAFF_ONLY
    assert await state_and_audit(bot, register_url, rid) == ("submitted", [])


async def channel_notice(register_url: str) -> dict[str, Any]:
    """The card queued for the contracts channel when the return was submitted."""
    from sqlalchemy import select

    from storage.db import session_factory
    from storage.models import OutboxItem

    engine = create_engine(register_url)
    try:
        async with session_factory(engine)() as session:
            (item,) = [o for o in (await session.scalars(select(OutboxItem))).all() if o.rule == "return_submitted"]
    finally:
        await engine.dispose()
    return item.payload["card"]


async def test_the_channel_notice_shows_the_assessment_once_made(bot: Bot, register_url: str) -> None:  # noqa: F811
    """Before anyone assesses, the channel's notice refreshes with Assess; after Sam accepts, everyone's
    notice shows "Accepted by Sam Staff, …" instead; a provider's refresh of it shows nothing."""
    bot.connector.add_member(KIT_ID, "Kit Staff", "kit.staff@mopac.example")
    rid = await submitted(bot)
    notice = await channel_notice(register_url)
    load_validator("adaptive-card-1.5.json").validate(without_teams_keys(notice))
    before = await execute(bot, notice["refresh"]["action"], KIT_ID, trigger="automatic")
    assert [a["title"] for a in before["value"]["actions"]] == ["Assess"]
    card = await assessment_card(bot, rid)
    await execute(bot, button(card, "Accept"), STAFF_ID, {"rating": "Good", "comment": ""})
    after = await execute(bot, notice["refresh"]["action"], KIT_ID, trigger="automatic")
    assert "Accepted by Sam Staff, " in words(after["value"]) and "actions" not in after["value"]
    assert (await execute(bot, notice["refresh"]["action"], PROVIDER_ID))["value"] == say.STAFF_ONLY
