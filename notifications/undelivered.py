"""Why an alert was not delivered, in one sentence a contracts officer can act on.

The connector's answer ("HTTP 404: {"error":{"code":"ConversationNotFound"…}}") means nothing to
the people who read `status`; these say what happened to the chat, when, and what to do next.
Kept apart from the sender so the words can be tested, and changed, on their own.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

CHAT_GONE = ("The chat no longer exists: it was deleted, or the bot was removed from it, on or before {day} "
             "(Teams answered 404). Alerts there have stopped. Add the bot back and type \"send alerts here\" "
             "in the channel that should get them.")
BOT_BLOCKED = ("The bot was removed from this chat or blocked there, on or before {day} (Teams answered 403). "
               "Alerts there have stopped. Add the bot back, or unblock it, and type \"send alerts here\" in the "
               "channel that should get them.")
PERSON_GONE = ("{who} removed or blocked the bot, on or before {day} (Teams answered {status}). Their alerts have "
               "stopped until they message the bot again.")
TOO_BIG = ("The message was too big for Teams (413, over about 100 KB): this alert will not be sent. "
           "Tell whoever runs the bot.")
REFUSED = "Teams refused the message ({status}): this alert will not be sent. Tell whoever runs the bot."
GAVE_UP = "Teams kept failing ({status}) and the bot gave up after {attempts} attempts. Tell whoever runs the bot."
CARD_GONE = ("The card posted earlier could not be updated to show the decision: the message was deleted, or the "
             "bot was removed from that chat{status}. Nothing to do: the decision stands and is in the audit.")
RETRYING = "Teams could not take it just now ({status}): the bot tries again by itself."


def _day(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%b %Y}"


def blocked(status: int | None, when: datetime, *, person: str = "") -> str:
    """A 403 or 404 from the connector: the chat is gone or the bot is out of it."""
    if person:
        return PERSON_GONE.format(who=person, day=_day(when), status=status or 403)
    return CHAT_GONE.format(day=_day(when)) if status == 404 else BOT_BLOCKED.format(day=_day(when))


def refused(status: int | None) -> str:
    """Any other permanent refusal."""
    return TOO_BIG if status == 413 else REFUSED.format(status=status or "no status")


def gave_up(status: object, attempts: int) -> str:
    return GAVE_UP.format(status=status, attempts=attempts)


def retrying(status: object) -> str:
    return RETRYING.format(status=status)


def card_gone(status: int | None) -> str:
    """A posted card that could not be replaced: its message (or its chat) is gone."""
    return CARD_GONE.format(status=f" (Teams answered {status})" if status else "")
