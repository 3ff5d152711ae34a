"""Recording a payment in Teams, through the real HTTP endpoint: staff type it or use the alert card; providers are refused."""

from __future__ import annotations

from decimal import Decimal

from conftest import PROVIDER_ID, RunningBot

from bot.requests import ACTION_RECORD_PAYMENT
from notifications.payment_actions import STAFF_ONLY_PAYMENTS
from storage.db import create_engine, session_factory
from storage.payments import UNSCHEDULED, load_schedules


async def paid_so_far(bot: RunningBot, reference: str) -> Decimal:
    engine = create_engine(bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            schedule = (await load_schedules(session)).get(reference, ())
    finally:
        await engine.dispose()
    return sum((i.paid_amount for i in schedule), Decimal(0))


async def test_staff_record_a_payment_by_typing_it(local_bot: RunningBot) -> None:
    """ "record payment for OPCC-2023-014 £12,500 paid 3 Nov" is recorded and confirmed in words."""
    await local_bot.post(local_bot.activities.personal("record payment for OPCC-2023-014 £12,500 paid 3 Nov"))
    reply = local_bot.connector.sent[-1].text
    assert reply.startswith("Recorded £12,500 paid on 3 Nov 2026 for")
    assert await paid_so_far(local_bot, "OPCC-2023-014") == Decimal("12500")


async def test_a_forged_record_payment_card_from_a_provider_is_refused(local_bot: RunningBot) -> None:
    """A provider posting the alert card's data records nothing, typed or as a card."""
    forged = {"action": ACTION_RECORD_PAYMENT, "reference": "OPCC-2023-014", "amount": "£99,999", "paid": "3 Nov"}
    await local_bot.post(local_bot.activities.card_submit(forged, sender=PROVIDER_ID))
    assert local_bot.connector.sent[-1].text == STAFF_ONLY_PAYMENTS
    await local_bot.post(local_bot.activities.personal("record payment for OPCC-2023-014 £1 paid 3 Nov", sender=PROVIDER_ID))
    assert local_bot.connector.sent[-1].text == STAFF_ONLY_PAYMENTS
    assert await paid_so_far(local_bot, "OPCC-2023-014") == Decimal(0)


async def test_a_payment_that_cannot_be_read_says_what_to_type(local_bot: RunningBot) -> None:
    """An unknown reference or a day in the future records nothing and says why."""
    await local_bot.post(local_bot.activities.card_submit(
        {"action": ACTION_RECORD_PAYMENT, "reference": "OPCC-1999-001", "amount": "£10", "paid": ""}))
    assert "There is no agreement OPCC-1999-001" in local_bot.connector.sent[-1].text
    await local_bot.post(local_bot.activities.personal("record payment for OPCC-2023-014 £10 paid 01/01/2030"))
    assert "is in the future" in local_bot.connector.sent[-1].text


async def test_a_payment_for_an_agreement_without_a_schedule_is_kept_as_unscheduled(local_bot: RunningBot) -> None:
    """No schedule: the reply says it is unscheduled and what to do; each payment is kept as one of its own."""
    await local_bot.post(local_bot.activities.personal("record payment for OPCC-2023-014 £12,500 paid 3 Nov"))
    reply = local_bot.connector.sent[-1].text
    assert "(OPCC-2023-014) as an unscheduled payment: it has no payment schedule." in reply
    assert "Add its schedule to the payments file or list" in reply and "Still to pay" not in reply
    await local_bot.post(local_bot.activities.personal("record payment for OPCC-2023-014 £500 paid 4 Nov"))
    assert "as an unscheduled payment" in local_bot.connector.sent[-1].text
    engine = create_engine(local_bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            schedule = (await load_schedules(session))["OPCC-2023-014"]
    finally:
        await engine.dispose()
    assert [(i.amount, i.paid_amount, i.note) for i in schedule] == [
        (Decimal("12500.00"), Decimal("12500.00"), UNSCHEDULED), (Decimal("500.00"), Decimal("500.00"), UNSCHEDULED)]
