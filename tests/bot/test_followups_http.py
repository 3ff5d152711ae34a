"""Follow-up questions through the real HTTP endpoint: each person's context, per conversation, for a day.

Questions are posted to /api/messages as Teams sends them and the replies read from the
stand-in connector, so what is checked is what people see on the answer cards.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from conftest import STAFF_ID, RunningBot
from sqlalchemy import update
from teams_register import GRANTS_THIS_QUARTER, QUARTER_QUESTION, STAFF_DOMAIN
from test_teams_endpoint import shown

from bot.cards import text as words
from storage.db import create_engine, session_factory
from storage.models import QuestionContext

KIM_ID = "29:staff-kim"
ALL_REFERENCES = GRANTS_THIS_QUARTER | {"OPCC-2024-031"}


def references_on(card: dict) -> list[str]:
    """The references a card lists, in the order shown."""
    text = shown(card)
    found = [(text.index(reference), reference) for reference in ALL_REFERENCES if reference in text]
    return [reference for _, reference in sorted(found)]


async def ask(bot: RunningBot, activity: dict) -> dict:
    """Post one question and return the answer card it got."""
    before = len(bot.connector.sent)
    await bot.post(activity)
    [reply] = bot.connector.sent[before:]
    [card] = reply.cards
    return card


async def test_a_list_then_three_follow_ups_then_a_new_topic(local_bot: RunningBot) -> None:
    """Each follow-up refines the last answer and says so; a complete question starts afresh."""
    personal = local_bot.activities.personal
    first = await ask(local_bot, personal(QUARTER_QUESTION))
    assert "22 grants" in shown(first)
    richer = await ask(local_bot, personal("over £50k"))
    assert references_on(richer) == ["OPCC-2024-077", "OPCC-2023-014"]
    assert "as before; now value over £50,000" in shown(richer)
    lambeth = await ask(local_bot, personal("and in Lambeth?"))
    assert references_on(lambeth) == ["OPCC-2024-077"]
    assert "grants, value over £50,000, current end date, as before; now area Lambeth" in shown(lambeth)
    contact = await ask(local_bot, personal("who is the contact for the first one?"))
    assert "Nia North" in shown(contact)
    contracts = await ask(local_bot, personal("which contracts end in the next 2 years?"))
    assert references_on(contracts) == ["OPCC-2024-031"]
    assert "as before" not in shown(contracts)
    after = await ask(local_bot, personal("and in Lambeth?"))
    assert references_on(after) == []
    assert "0 contracts" in shown(after)


async def test_two_people_in_one_channel_thread_keep_their_own_context(local_bot: RunningBot) -> None:
    """Sam's follow-up refines Sam's question and Kim's refines Kim's, in the same thread."""
    local_bot.connector.add_member(KIM_ID, "Kim Staff", f"kim.staff@{STAFF_DOMAIN}")
    channel = local_bot.activities.channel
    await ask(local_bot, channel(QUARTER_QUESTION, sender=STAFF_ID))
    await ask(local_bot, channel("what do we fund in Lambeth?", sender=KIM_ID))
    sams = await ask(local_bot, channel("and in Southwark?", sender=STAFF_ID))
    assert references_on(sams) == ["OPCC-2023-014"]
    assert "grants" in shown(sams)
    kims = await ask(local_bot, channel("over £50k", sender=KIM_ID))
    assert references_on(kims) == ["OPCC-2024-077"]
    assert "area Lambeth" in shown(kims)


async def test_context_older_than_a_day_is_not_used(local_bot: RunningBot) -> None:
    """A follow-up the next day is read as a question of its own."""
    personal = local_bot.activities.personal
    await ask(local_bot, personal(QUARTER_QUESTION))
    engine = create_engine(local_bot.settings.database_url)
    try:
        for _ in range(100):  # the context is written while the reply goes out
            async with session_factory(engine)() as session, session.begin():
                stale = datetime.now(UTC) - timedelta(days=1, minutes=1)
                if (await session.execute(update(QuestionContext).values(updated_at=stale))).rowcount:
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the first question's context was never stored")
    finally:
        await engine.dispose()
    fresh = await ask(local_bot, personal("and in Southwark?"))
    assert references_on(fresh) == ["OPCC-2023-014", "OPCC-2024-031"]
    assert "as before" not in shown(fresh)


async def test_show_all_puts_every_row_of_the_last_answer_on_one_card(local_bot: RunningBot) -> None:
    """A 22-row answer shows 15 at first; "show all" shows all 22."""
    personal = local_bot.activities.personal
    first = await ask(local_bot, personal(QUARTER_QUESTION))
    assert len(references_on(first)) == 15
    everything = await ask(local_bot, personal("show all"))
    assert set(references_on(everything)) == GRANTS_THIS_QUARTER


async def test_show_more_on_a_follow_up_pages_through_the_follow_up(local_bot: RunningBot) -> None:
    """The Show more button of a refined answer brings the refined answer's next page, not a new reading."""
    personal = local_bot.activities.personal
    await ask(local_bot, personal("what do we fund?"))
    grants = await ask(local_bot, personal("only the grants"))
    [show_more] = [action for action in grants.get("actions", []) if action.get("title") == words.SHOW_MORE]
    second = await ask(local_bot, local_bot.activities.card_submit(show_more["data"]))
    assert set(references_on(grants)) | set(references_on(second)) == GRANTS_THIS_QUARTER
    assert "as before; now grants" in shown(second)
