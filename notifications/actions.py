"""What staff do with alerts: choose the alert channel, snooze an alert, record an end decision.

Plain service functions behind the Teams handler (which parses the message or card button and
checks the caller's role): each opens its own transaction, audits what it changed, and answers
with a sentence for the person who acted. Only commissioning staff may use them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.alerts import EXTEND, LET_END, RECOMMISSION
from domain.values import format_date
from storage import outbox
from storage.alerts_repo import (
    AlreadyDecided,
    DecisionRefused,
    EarlierDecision,
    UnknownAgreement,
    add_snooze,
    decision_for_card,
    record_decision,
    set_alert_channel,
)
from storage.outbox import OutboxEntry
from storage.posted_cards import queue_card_updates

ALERTS_HERE = "Done: deadline alerts for the contracts group will come to this channel from now on. Type \"stop alerts here\" to stop them."
ALERTS_STOPPED = "Done: alerts will no longer come to this channel. Type \"send alerts here\" in the channel that should get them."
NOT_A_CHANNEL = "Alerts for the contracts group go to a team channel: type \"send alerts here\" in that channel (mention me first)."
NOT_STORED = "I can't send alerts here yet: please try again in a moment."
STAFF_ONLY = "Only commissioning staff can do that."
SNOOZED = "Snoozed: no more {rule} alerts about {reference} until {until}."
DECIDED = {
    EXTEND: "Recorded: {reference} is extended to {end} ({who}). Expiry alerts now count down to the new date.",
    RECOMMISSION: "Recorded: {reference} will be re-commissioned ({who}). Decision reminders have stopped.",
    LET_END: "Recorded: {reference} will end on {end} ({who}). Decision reminders have stopped.",
}
UNKNOWN_AGREEMENT = "I can't find an agreement with the reference {reference}."
ALREADY_DECIDED_PREFIX = "Already decided:"
ALREADY_DECIDED = (
    ALREADY_DECIDED_PREFIX + " {who} chose to {what} on {when}. Nothing has changed. "
    "To see where it stands, ask me \"tell me about {reference}\"."
)
EARLIER_DECISION = {
    EXTEND: "extend {reference} (it now ends on {current_end})",
    RECOMMISSION: "re-commission {reference}",
    LET_END: "let {reference} end on {end}",
}

DECIDE_AGAIN = "If you mean a new decision about its new end date, type \"{command} again\"."
# How each decision is typed (the staff help card lists them; `bot/requests.py` reads them).
TYPED_COMMANDS = {EXTEND: "extend {reference}", RECOMMISSION: "re-commission {reference}", LET_END: "let {reference} end"}

LONDON = ZoneInfo("Europe/London")

_SEND_HERE = re.compile(r"^(?:please\s+)?(?:send|post|put)\s+(?:the\s+)?alerts\s+(?:here|to\s+this\s+channel)\s*[.!]?$", re.IGNORECASE)
_STOP_HERE = re.compile(r"^(?:please\s+)?(?:stop|no\s+more)\s+(?:the\s+)?alerts\s+(?:here|in\s+this\s+channel)\s*[.!]?$", re.IGNORECASE)
RULE_WORDS = {
    "expiry": "expiry", "extension_decision": "extension decision", "decision_overdue": "decision overdue",
    "notice_due": "notice", "return_due": "return due", "return_overdue": "overdue return",
    "assessment_pending": "assessment", "data_quality": "register check", "weekly_digest": "digest",
}


def channel_command(text: str | None) -> bool | None:
    """True for "send alerts here", False for "stop alerts here", None for anything else."""
    words = " ".join((text or "").split())
    if _SEND_HERE.match(words):
        return True
    if _STOP_HERE.match(words):
        return False
    return None


AfterDecision = Callable[[str, str], Awaitable[str]]


class AlertActions:
    """The alert use cases, bound to a database and a clock."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        today: Callable[[], date] | None = None,
        after_decision: AfterDecision | None = None,
        wake_sender: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._today = today or (lambda: clock().date())
        # Called once a decision is recorded (the register's write-back to Microsoft 365); what it
        # returns (a sentence, or "") is added to the reply.
        self._after_decision = after_decision
        # Called when a decision queued updates of cards already posted, so they go out now.
        self._wake_sender = wake_sender

    async def choose_channel(self, conversation_id: str, conversation_type: str, on: bool, *, staff: bool) -> str:
        """"send alerts here" / "stop alerts here", typed by staff in a team channel."""
        if not staff:
            return STAFF_ONLY
        if on and conversation_type != "channel":
            return NOT_A_CHANNEL
        async with self._sessions.begin() as session:
            stored = await set_alert_channel(session, conversation_id, on, self._clock())
        if not stored:
            return NOT_STORED
        return ALERTS_HERE if on else ALERTS_STOPPED

    async def snooze(self, reference: str, rule: str, days: int, actor: str, *, staff: bool) -> str:
        """Hold back one rule's alerts about one agreement for `days` days."""
        if not staff:
            return STAFF_ONLY
        until = self._today() + timedelta(days=days - 1)
        try:
            async with self._sessions.begin() as session:
                await add_snooze(session, reference, rule, until, actor, self._clock())
        except UnknownAgreement:
            return UNKNOWN_AGREEMENT.format(reference=reference)
        except DecisionRefused as refused:
            return refused.reason
        return SNOOZED.format(rule=RULE_WORDS.get(rule, rule), reference=reference, until=format_date(until + timedelta(days=1)))

    async def decide(
        self, reference: str, decision: str, years: int | None, actor: str, *, staff: bool, card_end: date | None = None,
        typed: bool = False, again: bool = False,
    ) -> str:
        """Extend by an option, re-commission, or let it end — recorded once, with who and when.

        `card_end` is the end date the pressed card was about; when someone has already
        decided (at the same moment, or before this card went out of date) the answer says
        what they decided instead of recording a second, contradictory decision. A `typed`
        decision is about the end date as it stands now, so it is refused the same way when
        someone has already decided about that date.
        """
        if not staff:
            return STAFF_ONLY
        now = self._clock()
        try:
            async with self._sessions.begin() as session:
                recorded = await record_decision(
                    session, reference, decision, actor, now, years=years, card_end=card_end, as_it_stands=typed,
                    again=again,
                )
                # Every copy of the card already posted shows the outcome, wherever it was decided.
                updates = await queue_card_updates(session, EarlierDecision(
                    recorded.reference, decision, recorded.for_end_date, actor, now,
                    recorded.new_end_date or recorded.for_end_date,
                ), now)
        except UnknownAgreement:
            return UNKNOWN_AGREEMENT.format(reference=reference)
        except AlreadyDecided as decided:
            reply = already_decided(decided.earlier)
            if typed and decided.earlier.for_end_date != decided.earlier.current_end:
                # Decided about the end date before this one (an extension): a new decision is
                # possible, but only on purpose.
                reply += " " + DECIDE_AGAIN.format(command=TYPED_COMMANDS[decision].format(reference=decided.earlier.reference))
            return reply
        except DecisionRefused as refused:
            return refused.reason
        if updates and self._wake_sender is not None:
            self._wake_sender()
        end = recorded.new_end_date or recorded.for_end_date
        reply = DECIDED[decision].format(reference=recorded.reference, end=format_date(end), who=actor or "you")
        note = await self._after_decision(recorded.reference, actor) if self._after_decision else ""
        return f"{reply} {note}" if note else reply

    async def standing(self, reference: str, card_end: date | None) -> EarlierDecision | None:
        """The decision that now stands for an alert card about `card_end`, for the card to show it."""
        async with self._sessions() as session:
            return await decision_for_card(session, reference, card_end)

    async def alert(self, item_id: int) -> OutboxEntry | None:
        """The outbox item an alert card was made from, so a refreshed card can be rebuilt as it was."""
        async with self._sessions() as session:
            return await outbox.item(session, item_id)


def already_decided(earlier: EarlierDecision) -> str:
    """What was decided before, by whom and when, in words for the person whose press changed nothing."""
    what = EARLIER_DECISION.get(earlier.decision, "decide about {reference}").format(
        reference=earlier.reference, end=format_date(earlier.for_end_date) or "its end date",
        current_end=format_date(earlier.current_end) or "no date",
    )
    moment = earlier.decided_at.astimezone(LONDON)
    when = f"{format_date(moment.date())} at {moment:%H:%M}"
    return ALREADY_DECIDED.format(who=earlier.decided_by or "someone", what=what, when=when, reference=earlier.reference)
