"""The contract between the sender and whatever actually talks to Teams.

`notifications/` never imports botbuilder: `bot/teams/proactive.py` hands the sender a `Send`
function and maps the Bot Connector's errors onto the two exceptions defined here, so the
sender can decide between "try again later" and "never again" without knowing the SDK.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from storage.outbox import OutboxEntry

Card = dict[str, Any]
Reference = dict[str, Any]


class TransientSendError(Exception):
    """429, 5xx, a timeout or a dropped connection: the same message may be sent again later.

    `retry_after` is the connector's `Retry-After` in seconds, when it gave one.
    """

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class PermanentSendError(Exception):
    """The connector refused this message (400, 413…): sending it again would fail again."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ConversationBlocked(PermanentSendError):
    """403 `MessageWritesBlocked` (or the conversation is gone): stop sending there at all."""


@dataclass(frozen=True)
class Posted:
    """What the connector answered for one message: the new activity's id (so the card can be
    replaced later) and, when a personal chat had to be created first, that chat's reference."""

    activity_id: str = ""
    created: Reference | None = None


class Send(Protocol):
    """Deliver one card to one conversation, as a new message or (`replace`) in place of one posted before.

    `create_personal` opens a personal chat first; `replace` is the id of an activity the bot
    posted in that conversation, whose card is replaced for everyone who sees it (Teams' Update
    Activity). A 404 then means that message is gone, not the chat.
    """

    def __call__(self, reference: Reference, card: Card, *, create_personal: bool = False,
                 replace: str = "") -> Awaitable[Posted]: ...


# Builds the card for one message from the outbox items it carries (one item, or a digest).
Render = Callable[[Sequence[OutboxEntry]], Card]


def backoff_delay(attempt: int, *, base: float = 1.0, cap: float = 300.0, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt `attempt + 1`: the connector's Retry-After when given,
    else exponential backoff with full jitter (base·2^attempt, at most `cap`)."""
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, cap)
    ceiling = min(cap, base * (2 ** max(attempt - 1, 0)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))
