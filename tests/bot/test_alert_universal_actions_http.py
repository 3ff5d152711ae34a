"""Universal Actions on alert cards, through /api/messages: the card one person acts on becomes the outcome for everyone.

Two contract managers see the same "Decide whether to extend" card in the channel. Sam presses
Extend (an `Action.Execute`, answered in the invoke response); Kit's next view of the card (Teams'
automatic `refresh`) shows "Extended to … by Sam Staff, …" instead of the buttons, and a
"Let it end" Kit presses on a stale copy is refused with what Sam decided. One decision, one
audit entry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from card_reading import block_text
from conftest import STAFF_ID, RunningBot
from test_alert_decisions_http import END, KIT_ID, bot, extendable_url, reference, stored  # noqa: F401
from test_cards_schema import load_validator, without_teams_keys

from bot.cards.alerts import render
from domain.alerts import CHANNEL, DECISION_OVERDUE, Alert, idempotency_key
from notifications.actions import ALREADY_DECIDED_PREFIX
from storage import outbox
from storage.db import create_engine, session_factory


async def decision_card(running: RunningBot, ref: str) -> dict[str, Any]:
    """The channel's "Extension decision overdue" card for `ref`, as the sender renders it from the outbox."""
    alert = Alert(DECISION_OVERDUE, ref, END, CHANNEL, "60", idempotency_key(DECISION_OVERDUE, ref, "60", END, CHANNEL),
                  f"No decision yet on {ref}.", (("Reference", ref), ("Title", "Outreach service")), options_left=(1, 1))
    engine = create_engine(running.settings.database_url)
    try:
        async with session_factory(engine).begin() as session:
            await outbox.add_alerts(session, [alert], datetime(2026, 11, 20, 7, tzinfo=UTC))
        async with session_factory(engine)() as session:
            (entry,) = [e for e in await outbox.all_items(session) if e.reference == ref]
    finally:
        await engine.dispose()
    return render([entry])


def actions(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for key, value in node.items():
            if key not in ("data", "fallback"):
                found += actions(value)
    elif isinstance(node, list):
        for child in node:
            found += actions(child)
    return found


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    return next(a for a in actions(card["body"]) + actions(card.get("actions", [])) if a.get("title") == title)


async def execute(running: RunningBot, action: dict[str, Any], sender: str, trigger: str = "manual") -> dict[str, Any]:
    """Teams' `adaptiveCard/action` invoke for `action`, from `sender` in the channel; the bot's answer."""
    activity = running.activities.channel("", sender=sender)
    activity.update(type="invoke", name="adaptiveCard/action", text=None, value={
        "action": {"type": "Action.Execute", "verb": action["verb"], "data": action["data"]}, "trigger": trigger})
    response = await running.post(activity)
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    return body


def text_of(card: dict[str, Any]) -> str:
    return " ".join(block_text(b) for b in card["body"])


async def test_one_press_becomes_the_outcome_for_everyone_and_a_stale_press_is_refused(bot: RunningBot) -> None:  # noqa: F811
    """Sam extends; Kit's refreshed card shows it; Kit's stale Let it end changes nothing; one audit entry."""
    validator = load_validator("adaptive-card-1.5.json")
    ref = reference(0)
    card = await decision_card(bot, ref)
    validator.validate(without_teams_keys(card))
    extend = button(card, "Extend by 1 year")
    assert extend["type"] == "Action.Execute" and extend["fallback"]["type"] == "Action.Submit"

    answer = await execute(bot, extend, STAFF_ID)
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    outcome = answer["value"]
    validator.validate(without_teams_keys(outcome))
    assert "Extended to 31 Mar 2029 by Sam Staff, " in text_of(outcome)
    assert [a["title"] for a in actions(outcome.get("actions", []))] == ["Open agreement"]

    refreshed = await execute(bot, card["refresh"]["action"], KIT_ID, trigger="automatic")
    assert "Extended to 31 Mar 2029 by Sam Staff, " in text_of(refreshed["value"])
    assert "Let it end" not in str(refreshed["value"])

    stale = await execute(bot, button(card, "Let it end"), KIT_ID)
    words = text_of(stale["value"])
    assert "Extended to 31 Mar 2029 by Sam Staff" in words and ALREADY_DECIDED_PREFIX in words
    extended_to, decisions, audited = await stored(bot, ref)
    assert extended_to is not None and extended_to.isoformat() == "2029-03-31"
    assert decisions == ["extend"] and audited == ["extend"]


async def test_an_undecided_card_refreshes_to_itself_with_its_buttons(bot: RunningBot) -> None:  # noqa: F811
    """Nobody has decided yet: Teams' refresh gets the same card back, buttons and all."""
    card = await decision_card(bot, reference(1))
    refreshed = await execute(bot, card["refresh"]["action"], KIT_ID, trigger="automatic")
    assert refreshed["value"] == card


async def test_a_decision_typed_elsewhere_shows_on_the_card_too(bot: RunningBot) -> None:  # noqa: F811
    """Let it end pressed on the old Action.Submit card (no Universal Actions): the refreshed card shows it."""
    ref = reference(2)
    card = await decision_card(bot, ref)
    let_end = button(card, "Let it end")["fallback"]
    await bot.post(bot.activities.card_submit(let_end["data"], sender=KIT_ID))
    refreshed = await execute(bot, card["refresh"]["action"], STAFF_ID, trigger="automatic")
    assert "Ends on 31 Mar 2028: decided by Kit Staff, " in text_of(refreshed["value"])


async def test_providers_cannot_decide_from_a_card_or_refresh_one(bot: RunningBot) -> None:  # noqa: F811
    """A provider (not staff) pressing Extend is told so and nothing is recorded; a refresh shows them nothing."""
    from conftest import PROVIDER_ID

    ref = reference(3)
    card = await decision_card(bot, ref)
    answer = await execute(bot, button(card, "Extend by 1 year"), PROVIDER_ID)
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert answer["value"] == "Only commissioning staff can do that."
    # Nor can a provider's refresh (or a forged one naming any alert) show them a staff alert card.
    refreshed = await execute(bot, card["refresh"]["action"], PROVIDER_ID, trigger="automatic")
    assert refreshed == answer
    _, decisions, _ = await stored(bot, ref)
    assert decisions == []
