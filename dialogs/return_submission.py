"""A return's Submit: recorded once, for the provider whose return it is, the same from every path.

Three ways reach it: "submit" typed at the summary and the summary card's `Action.Submit`
fallback (both through the check-in dialog), and the card's Universal Action (`Action.Execute`,
answered in the invoke with the card that replaces the one pressed, for everyone who sees it).
All of them call `submit_return`, whose write checks again that the caller speaks for the
return's provider as the register stands then, and refuses a return that is no longer open:
two presses record one submission and one audit entry.

`ReturnSubmission` answers the Universal Action and Teams' refresh of the summary card. A press
on a card someone has already acted on (submitted from another chat, or from before a query)
is refused and shows who submitted it and when; nothing about a return is shown to anyone who
does not speak for its provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs import checkin_text as say
from dialogs.assessment_form import FormReply
from dialogs.intents import submission_round
from dialogs.turn import Participant, ReturnCards
from domain.monitoring import IN_PROGRESS, QUERIED
from domain.returns import MonitoringReturn, belongs_to
from storage.returns import NotYourReturn, ReturnIncomplete, ReturnNotOpen, ReturnsRepository, UnknownReturn

SUBMITTED_NOW = "submitted"
NOT_YOURS = "not_yours"
INCOMPLETE = "incomplete"
NOT_OPEN = "not_open"
# Still open to answers and submission: the summary card, not the outcome.
DRAFT_STATES = (IN_PROGRESS, QUERIED)


@dataclass(frozen=True)
class Submission:
    """What a Submit came to, and the return as it now stands (None when it is not the caller's)."""

    outcome: str
    ret: MonitoringReturn | None = None


async def submit_return(repo: ReturnsRepository, cards: ReturnCards, participant: Participant, return_id: int) -> Submission:
    """Submit the return as `participant` (authorised at the write) and queue the channel's notice."""
    try:
        submitted = await repo.submit(
            return_id, participant.actor, notification=cards.submission_notification, speaking_for=participant.providers
        )
    except (NotYourReturn, UnknownReturn):
        return Submission(NOT_YOURS)
    except ReturnIncomplete:
        return Submission(INCOMPLETE, await repo.load(return_id))
    except ReturnNotOpen:
        return Submission(NOT_OPEN, await repo.load(return_id))
    return Submission(SUBMITTED_NOW, submitted)


class ReturnSubmission:
    """The summary card's Universal Actions: Submit, and Teams asking for the card as it stands."""

    def __init__(self, repo: ReturnsRepository, cards: ReturnCards) -> None:
        self._repo = repo
        self._cards = cards

    async def take(self, participant: Participant, data: Mapping[str, Any]) -> FormReply:
        """Submit from the card: recorded once, or refused saying what stands."""
        ret = await self._mine(participant, data.get("return_id"))
        if ret is None:
            return FormReply(say.RETURN_NOT_YOURS)
        if ret.state not in DRAFT_STATES or not _same_round(ret, data):
            return self.already_submitted(ret)
        done = await submit_return(self._repo, self._cards, participant, ret.id)
        if done.outcome == SUBMITTED_NOW and done.ret is not None:
            words = say.SUBMITTED.format(period=done.ret.period.label, reference=done.ret.reference)
            return FormReply(words, self._cards.submitted_card(done.ret), recorded=True)
        if done.outcome == INCOMPLETE:
            return FormReply(say.SUBMIT_INCOMPLETE)
        if done.outcome == NOT_OPEN and done.ret is not None:
            return self.already_submitted(done.ret)
        return FormReply(say.RETURN_NOT_YOURS)

    async def current(self, participant: Participant, data: Mapping[str, Any]) -> FormReply:
        """The card as it stands now, for a refresh: the summary while it can be submitted, else who submitted it."""
        ret = await self._mine(participant, data.get("return_id"))
        if ret is None:
            return FormReply(say.RETURN_NOT_YOURS)
        if ret.state in DRAFT_STATES and _same_round(ret, data):
            return FormReply(say.SUMMARY_PROMPT, self._cards.summary_card(ret))
        if ret.submitted_by:
            return FormReply("", self._cards.submitted_card(ret))
        return FormReply(say.PERIOD_NOT_OPEN.format(period=ret.period.label, reference=ret.reference, state=ret.state))

    def already_submitted(self, ret: MonitoringReturn) -> FormReply:
        """A press on a card acted on elsewhere: nothing changes, and it says who submitted it and when."""
        if not ret.submitted_by:
            return FormReply(say.PERIOD_NOT_OPEN.format(period=ret.period.label, reference=ret.reference, state=ret.state))
        note = say.ALREADY_SUBMITTED_BY.format(outcome=self._cards.submitted_line(ret))
        return FormReply(note, self._cards.submitted_card(ret, note=note))

    async def _mine(self, participant: Participant, return_id: Any) -> MonitoringReturn | None:
        """The return, if this turn's caller speaks for its provider as the register stands now."""
        if isinstance(return_id, bool) or not participant.providers:
            return None
        try:
            ret = await self._repo.load(int(return_id))
        except (UnknownReturn, TypeError, ValueError):
            return None
        return ret if belongs_to(ret.agreement, participant.providers) else None


def _same_round(ret: MonitoringReturn, data: Mapping[str, Any]) -> bool:
    """The card was made for the return's current submission round (see `submission_round`)."""
    return data.get("round", "") == submission_round(ret.submitted_at)
