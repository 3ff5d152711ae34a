"""Who a contract manager's alerts go to, after several people have spoken in a shared channel.

The bot learns a person's email from the Bot Connector's member lookup. In a channel the stored
row holds the last sender: the user id and email stored there must always be one person's, seen
together, or `sweep --deliver` opens a personal chat with the wrong person.
"""

from __future__ import annotations

from conftest import STAFF_ID, RunningBot
from teams_register import STAFF_EMAIL

from storage.alerts_repo import delivery_target
from storage.db import create_engine, session_factory

UNLISTED_ID = "29:not-in-the-member-list"


async def target_user(bot: RunningBot, email: str) -> str | None:
    """The user a personal alert for `email` would be delivered to, or None when there is nowhere yet."""
    engine = create_engine(bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            target = await delivery_target(session, email)
    finally:
        await engine.dispose()
    return None if target is None else (target.reference.get("user") or {}).get("id")


async def test_alerts_never_go_to_a_second_sender_whose_lookup_failed(local_bot: RunningBot) -> None:
    """Sam asks in the channel, then someone the connector cannot look up does: Sam's alerts never reach them."""
    await local_bot.post(local_bot.activities.channel("which grants expire this quarter?"))
    assert await target_user(local_bot, STAFF_EMAIL) == STAFF_ID
    await local_bot.post(local_bot.activities.channel("which grants expire this quarter?", sender=UNLISTED_ID))
    assert UNLISTED_ID in local_bot.connector.member_lookups
    assert await target_user(local_bot, STAFF_EMAIL) in (None, STAFF_ID)


async def test_alerts_never_go_to_whoever_added_the_bot_to_a_team(local_bot: RunningBot) -> None:
    """A conversationUpdate sent by someone else (no email looked up) does not take over Sam's alerts."""
    await local_bot.post(local_bot.activities.channel("which grants expire this quarter?"))
    added = local_bot.activities.bot_added_to_team(sender=UNLISTED_ID)
    added["conversation"]["id"] = "19:contracts@thread.tacv2"
    await local_bot.post(added)
    assert await target_user(local_bot, STAFF_EMAIL) in (None, STAFF_ID)
