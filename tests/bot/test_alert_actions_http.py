"""Choosing the alert channel and acting on alert cards, through the real HTTP endpoint.

Staff type "send alerts here" in a channel (mentioning the bot) or press an alert card's
buttons; providers and strangers are refused. Runs as `serve --local` does.
"""

from __future__ import annotations

from datetime import date

from conftest import PROVIDER_ID, RunningBot

from bot.requests import ACTION_DECIDE, ACTION_SNOOZE
from notifications.actions import ALERTS_HERE, ALERTS_STOPPED, NOT_A_CHANNEL, STAFF_ONLY, UNKNOWN_AGREEMENT
from storage import alerts_repo
from storage.alerts_repo import alert_channel
from storage.db import create_engine, session_factory

CHANNEL = "19:contracts@thread.tacv2"


async def current_alert_channel(bot: RunningBot) -> str | None:
    engine = create_engine(bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            record = await alert_channel(session)
    finally:
        await engine.dispose()
    return record.conversation_id if record else None


async def test_staff_choose_the_alert_channel_and_can_stop_it(local_bot: RunningBot) -> None:
    """ "@Commissioning send alerts here" makes this channel the alert channel; "stop alerts here" undoes it."""
    await local_bot.post(local_bot.activities.channel("send alerts here"))
    assert local_bot.connector.sent[-1].text == ALERTS_HERE
    assert await current_alert_channel(local_bot) == CHANNEL
    await local_bot.post(local_bot.activities.channel("Stop alerts here."))
    assert local_bot.connector.sent[-1].text == ALERTS_STOPPED
    assert await current_alert_channel(local_bot) is None


async def test_providers_cannot_choose_the_alert_channel(local_bot: RunningBot) -> None:
    """A provider contact typing the command is refused and nothing changes."""
    await local_bot.post(local_bot.activities.channel("send alerts here", sender=PROVIDER_ID))
    assert local_bot.connector.sent[-1].text == STAFF_ONLY
    assert await current_alert_channel(local_bot) is None


async def test_alerts_go_to_a_channel_not_a_personal_chat(local_bot: RunningBot) -> None:
    """In personal chat the bot explains where to type it."""
    await local_bot.post(local_bot.activities.personal("send alerts here"))
    assert local_bot.connector.sent[-1].text == NOT_A_CHANNEL


async def test_snooze_button_holds_back_that_alert_for_seven_days(local_bot: RunningBot) -> None:
    """Staff press "Snooze 7 days": the snooze is stored; a provider pressing it is refused."""
    press = {"action": ACTION_SNOOZE, "reference": "OPCC-2023-014", "rule": "expiry"}
    await local_bot.post(local_bot.activities.card_submit(press, sender=PROVIDER_ID))
    assert local_bot.connector.sent[-1].text == STAFF_ONLY
    await local_bot.post(local_bot.activities.card_submit(press))
    assert local_bot.connector.sent[-1].text.startswith("Snoozed: no more expiry alerts about OPCC-2023-014 until")
    engine = create_engine(local_bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            snoozes = await alerts_repo.snoozes(session, date(2026, 11, 20))
    finally:
        await engine.dispose()
    assert [(s.reference, s.rule) for s in snoozes] == [("OPCC-2023-014", "expiry")]


async def test_decision_buttons_record_the_decision_or_say_why_not(local_bot: RunningBot) -> None:
    """Extending with no options left is refused in words; re-commission is recorded with who."""
    await local_bot.post(local_bot.activities.card_submit(
        {"action": ACTION_DECIDE, "reference": "OPCC-2023-014", "decision": "extend", "years": 1, "end": "2026-12-31"}))
    assert "has no extension options left" in local_bot.connector.sent[-1].text
    await local_bot.post(local_bot.activities.card_submit(
        {"action": ACTION_DECIDE, "reference": "OPCC-2023-014", "decision": "recommission", "end": "2026-12-31"}))
    assert local_bot.connector.sent[-1].text.startswith("Recorded: OPCC-2023-014 will be re-commissioned")
    engine = create_engine(local_bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            decisions = await alerts_repo.decisions(session)
    finally:
        await engine.dispose()
    assert [(d.reference, d.decision, d.for_end_date) for d in decisions] == [
        ("OPCC-2023-014", "recommission", date(2026, 12, 31))
    ]


async def test_healthz_reports_the_scheduler_and_the_outbox_backlog(local_bot: RunningBot) -> None:
    """Operators see whether the sweep is scheduled, when it runs next, and what is waiting to be sent."""
    response = await local_bot.http.get(f"{local_bot.url}/healthz")
    body = await response.json()
    assert response.status == 200 and body["status"] == "ok"
    scheduler = body["scheduler"]
    assert scheduler["running"] and scheduler["sweep_time"] == "07:30 Europe/London"
    assert scheduler["next_sweep"] is not None
    assert body["outbox"]["waiting"] == 0 and body["outbox"]["dead"] == 0


async def test_a_wildcard_in_a_card_reference_matches_no_agreement(local_bot: RunningBot) -> None:
    """ "%", "OPCC-2023-01_" or "%2023%" as a button's reference act on nothing: they name no agreement."""
    for reference in ("%", "OPCC-2023-01_", "%2023%"):
        await local_bot.post(local_bot.activities.card_submit(
            {"action": ACTION_SNOOZE, "reference": reference, "rule": "expiry"}))
        assert local_bot.connector.sent[-1].text == UNKNOWN_AGREEMENT.format(reference=reference)
        await local_bot.post(local_bot.activities.card_submit(
            {"action": ACTION_DECIDE, "reference": reference, "decision": "recommission"}))
        assert local_bot.connector.sent[-1].text == UNKNOWN_AGREEMENT.format(reference=reference)
    engine = create_engine(local_bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            assert await alerts_repo.snoozes(session, date(2026, 11, 20)) == []
            assert await alerts_repo.decisions(session) == []
    finally:
        await engine.dispose()


async def test_a_card_reference_matches_its_agreement_whatever_the_case(local_bot: RunningBot) -> None:
    """ "opcc-2023-014" is OPCC-2023-014: references compare exactly, ignoring case only."""
    await local_bot.post(local_bot.activities.card_submit(
        {"action": ACTION_SNOOZE, "reference": "opcc-2023-014", "rule": "expiry"}))
    assert local_bot.connector.sent[-1].text.startswith("Snoozed: no more expiry alerts about opcc-2023-014 until")
