"""Universal Actions on the payment-overdue card, through /api/messages: one payment, shown as paid for everyone.

Sam and Kit see the same "Payment overdue" card in the channel for OPCC-2023-014's instalment
due 1 Oct 2026. Sam fills in the Record payment form and presses Record it (an `Action.Execute`,
answered in the invoke response): the card becomes "£12,500 recorded as paid on 3 Nov 2026 by
Sam Staff". Kit's next view (Teams' `refresh`) shows the same; Kit's press on a stale copy, as a
Universal Action or through the `Action.Submit` fallback, is refused with what was recorded and
pays nothing. A provider's forged press records nothing. One payment, one audit entry.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from conftest import PROVIDER_ID, STAFF_ID, RunningBot
from register_files_data import write_csv
from sqlalchemy import select
from test_alert_universal_actions_http import actions, button, execute, text_of
from test_cards_schema import load_validator, without_teams_keys

from bot.cards.alerts import render
from domain.alerts import CHANNEL, Alert, idempotency_key
from domain.payment_alerts import PAYMENT_OVERDUE
from notifications.payment_actions import ALREADY_RECORDED_PREFIX, STAFF_ONLY_PAYMENTS
from storage import outbox
from storage.db import create_engine, session_factory
from storage.models import AuditEntry
from storage.payments import ACTION_RECORD, import_payments, load_schedules

REF = "OPCC-2023-014"
DUE = date(2026, 10, 1)
KIT_ID = "29:staff-kit"
OUTCOME = "£12,500 recorded as paid on 3 Nov 2026 by Sam Staff"


async def overdue_card(running: RunningBot, tmp_path: Any) -> dict[str, Any]:
    """OPCC-2023-014 with one £12,500 instalment due 1 Oct 2026, and the channel's overdue card for it."""
    rows = [["Grant reference", "Due date", "Instalment"], [REF, "01/10/2026", "£12,500"]]
    engine = create_engine(running.settings.database_url)
    alert = Alert(PAYMENT_OVERDUE, REF, DUE, CHANNEL, "#1:5wd", idempotency_key(PAYMENT_OVERDUE, REF, "#1:5wd", DUE, CHANNEL),
                  f"Instalment 1 of {REF} is overdue.", (("Reference", REF), ("Title", "Independent sexual violence advisers")))
    try:
        await import_payments(engine, write_csv(tmp_path, rows, name="payments.csv"), today=date(2026, 11, 20))
        async with session_factory(engine).begin() as session:
            await outbox.add_alerts(session, [alert], datetime(2026, 11, 20, 7, tzinfo=UTC))
        async with session_factory(engine)() as session:
            (entry,) = [e for e in await outbox.all_items(session) if e.reference == REF]
    finally:
        await engine.dispose()
    return render([entry])


async def paid_and_audited(running: RunningBot) -> tuple[Decimal, int]:
    """What OPCC-2023-014 has been paid in all, and how many payments the audit log holds for it."""
    engine = create_engine(running.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            schedule = (await load_schedules(session)).get(REF, ())
            audited = list(await session.scalars(
                select(AuditEntry.id).where(AuditEntry.reference == REF, AuditEntry.action == ACTION_RECORD)))
    finally:
        await engine.dispose()
    return sum((i.paid_amount for i in schedule), Decimal(0)), len(audited)


def filled(action: dict[str, Any], amount: str, paid: str) -> dict[str, Any]:
    """The Record it button as Teams sends it: the form's inputs merged into its data."""
    return {**action, "data": {**action["data"], "amount": amount, "paid": paid}}


async def test_recording_on_the_card_shows_the_payment_for_everyone_and_a_stale_press_pays_nothing(
    local_bot: RunningBot, tmp_path: Any,
) -> None:
    """Sam records; the card is the outcome; Kit's refresh shows it; Kit's stale presses are refused; one payment."""
    local_bot.connector.add_member(KIT_ID, "Kit Staff", "kit.staff@mopac.example")
    validator = load_validator("adaptive-card-1.5.json")
    card = await overdue_card(local_bot, tmp_path)
    validator.validate(without_teams_keys(card))
    record = button(card, "Record it")
    assert record["type"] == "Action.Execute" and record["fallback"]["type"] == "Action.Submit"
    assert card["refresh"]["action"]["type"] == "Action.Execute"

    before = await execute(local_bot, card["refresh"]["action"], KIT_ID, trigger="automatic")
    assert before["value"] == card  # nothing recorded yet: the form is still there

    answer = await execute(local_bot, filled(record, "£12,500", "3 Nov"), STAFF_ID)
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    outcome = answer["value"]
    validator.validate(without_teams_keys(outcome))
    assert OUTCOME in text_of(outcome)
    assert [a["title"] for a in actions(outcome.get("actions", []))] == ["Open agreement"]

    refreshed = await execute(local_bot, card["refresh"]["action"], KIT_ID, trigger="automatic")
    assert OUTCOME in text_of(refreshed["value"]) and "Record it" not in str(refreshed["value"])

    stale = await execute(local_bot, filled(record, "£12,500", "4 Nov"), KIT_ID)
    assert OUTCOME in text_of(stale["value"]) and ALREADY_RECORDED_PREFIX in text_of(stale["value"])
    await local_bot.post(local_bot.activities.card_submit(filled(record["fallback"], "£12,500", "4 Nov")["data"], sender=KIT_ID))
    reply = local_bot.connector.sent[-1].text
    assert reply.startswith(ALREADY_RECORDED_PREFIX) and OUTCOME in reply
    assert await paid_and_audited(local_bot) == (Decimal("12500.00"), 1)


async def test_a_providers_forged_press_on_the_card_records_nothing(local_bot: RunningBot, tmp_path: Any) -> None:
    """A provider sending the card's Record it (or its refresh) is refused and sees no payment."""
    card = await overdue_card(local_bot, tmp_path)
    forged = await execute(local_bot, filled(button(card, "Record it"), "£99,999", "3 Nov"), PROVIDER_ID)
    assert forged["value"] == STAFF_ONLY_PAYMENTS
    peek = await execute(local_bot, card["refresh"]["action"], PROVIDER_ID, trigger="automatic")
    assert peek["value"] == STAFF_ONLY_PAYMENTS
    assert await paid_and_audited(local_bot) == (Decimal(0), 0)


async def test_a_payment_typed_elsewhere_shows_on_the_card_too(local_bot: RunningBot, tmp_path: Any) -> None:
    """Sam types the payment in chat; the card's refresh then shows it, and its form cannot pay again."""
    card = await overdue_card(local_bot, tmp_path)
    await local_bot.post(local_bot.activities.personal(f"record payment for {REF} £12,500 paid 3 Nov"))
    refreshed = await execute(local_bot, card["refresh"]["action"], STAFF_ID, trigger="automatic")
    assert OUTCOME in text_of(refreshed["value"])
    again = await execute(local_bot, filled(button(card, "Record it"), "£12,500", "3 Nov"), STAFF_ID)
    assert ALREADY_RECORDED_PREFIX in text_of(again["value"])
    assert await paid_and_audited(local_bot) == (Decimal("12500.00"), 1)


async def test_two_presses_at_once_record_one_payment(local_bot: RunningBot, tmp_path: Any) -> None:
    """Sam and Kit press Record it at the same moment: one payment, one audit entry, the other told what stands."""
    local_bot.connector.add_member(KIT_ID, "Kit Staff", "kit.staff@mopac.example")
    record = button(await overdue_card(local_bot, tmp_path), "Record it")
    answers = await asyncio.gather(execute(local_bot, filled(record, "£12,500", "3 Nov"), STAFF_ID),
                                   execute(local_bot, filled(record, "£12,500", "3 Nov"), KIT_ID))
    words = [text_of(answer["value"]) for answer in answers]
    assert sum(ALREADY_RECORDED_PREFIX in w for w in words) == 1, words
    assert all("£12,500 recorded as paid on 3 Nov 2026 by" in w for w in words)
    assert await paid_and_audited(local_bot) == (Decimal("12500.00"), 1)
