"""The assessment card's one submit: outcome, rating and comment checked together on the server.

A contract manager fills in the rating and comment and presses Accept or Query on one card.
Nothing the card sends is trusted: the caller must be staff (checked here and again at the
write), the return must exist and still be waiting, and the fields must make sense together
(a rating for either outcome, a comment for a query). When something is missing the same
card comes back with every value as entered and each problem said beside its field, so
nothing typed is lost. A press on a card someone else has already decided is refused and
shows what was decided, by whom and when.

The same `AssessmentForm.take` answers an `Action.Submit` (a message) and an `Action.Execute`
(Universal Actions, where the returned card replaces the one pressed for everyone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dialogs import checkin_text as say
from dialogs.intents import submission_round
from dialogs.turn import Participant, ReturnCards
from domain.monitoring import ACCEPTED, SUBMITTED
from domain.returns import NONE_WORDS, AnswerRefused, MonitoringReturn, parse_rating
from domain.values import format_date
from storage.returns import ACCEPT, QUERY, NotAwaitingAssessment, NotStaff, ReturnsRepository, UnknownReturn

LONDON = ZoneInfo("Europe/London")
MAX_COMMENT = 2000
RATING = "rating"
COMMENT = "comment"
DECISION = "decision"


@dataclass(frozen=True)
class CheckedAssessment:
    """What the card asked for: the decision, rating and comment, or the problems to fix."""

    decision: str
    rating: str
    comment: str
    # As entered (untrusted, for filling the card in again) and what is wrong, by field id.
    entered: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def check_assessment(data: Mapping[str, Any]) -> CheckedAssessment:
    """Accept or query with a rating (always) and a comment (for a query), all checked together."""
    raw_rating = data.get(RATING)
    raw_comment = data.get(COMMENT)
    entered = {
        RATING: raw_rating if isinstance(raw_rating, str) else "",
        COMMENT: raw_comment if isinstance(raw_comment, str) else "",
    }
    problems: dict[str, str] = {}
    decision = data.get(DECISION)
    if decision not in (ACCEPT, QUERY):
        problems[DECISION] = say.FORM_NEEDS_DECISION
        decision = ""
    rating = ""
    try:
        rating = parse_rating(entered[RATING])
    except AnswerRefused:
        problems[RATING] = say.FORM_NEEDS_RATING
    comment = entered[COMMENT].strip()
    if len(comment) > MAX_COMMENT:
        problems[COMMENT] = say.PROBLEMS["too_long"].format(limit=f"{MAX_COMMENT:,}")
    elif decision == QUERY and (not comment or comment.lower().strip(" .!") in NONE_WORDS):
        problems[COMMENT] = say.QUERY_NEEDS_COMMENT
    if comment.lower().strip(" .!") in NONE_WORDS:
        comment = ""
    return CheckedAssessment(str(decision), rating, comment, entered, problems)


@dataclass(frozen=True)
class FormReply:
    """What to show: the words for the chat and the card (the form again, or the decision)."""

    text: str
    card: dict[str, Any] | None = None
    # True when this press recorded an assessment.
    recorded: bool = False


class AssessmentForm:
    """Takes the assessment card's submit; the same for a message and a Universal Action."""

    def __init__(self, repo: ReturnsRepository, cards: ReturnCards) -> None:
        self._repo = repo
        self._cards = cards

    async def take(self, participant: Participant, data: Mapping[str, Any]) -> FormReply:
        """Check the caller, the return and the fields; record the assessment, or say what to fix."""
        if not participant.is_staff:
            return FormReply(say.STAFF_ONLY)
        ret = await self._load(data.get("return_id"))
        if ret is None:
            return FormReply(say.UNKNOWN_RETURN)
        if ret.state != SUBMITTED:
            return self.already_decided(ret)
        if data.get("round") != submission_round(ret.submitted_at):
            # A form from before the return was queried and submitted again: the answers on it
            # are not the ones that would be assessed. The current form replaces it.
            note = say.RESUBMITTED_SINCE.format(when=format_date(ret.submitted_at.astimezone(LONDON).date())
                                                if ret.submitted_at else "since")
            return FormReply(note, self._cards.assessment_card(ret))
        checked = check_assessment(data)
        if checked.problems:
            words = " ".join(checked.problems[key] for key in (DECISION, RATING, COMMENT) if key in checked.problems)
            card = self._cards.assessment_card(ret, checked.entered, checked.problems)
            return FormReply(say.FORM_NOT_RECORDED.format(problems=words), card)
        try:
            assessed = await self._repo.assess(
                ret.id, participant.actor, checked.decision, checked.rating, checked.comment,
                outcome=self._cards.outcome_card, staff=participant.is_staff,
            )
        except NotStaff:
            return FormReply(say.STAFF_ONLY)
        except (NotAwaitingAssessment, UnknownReturn):
            current = await self._load(ret.id)
            return self.already_decided(current) if current is not None else FormReply(say.UNKNOWN_RETURN)
        words = say.ASSESSED_ACCEPTED if assessed.state == ACCEPTED else say.ASSESSED_QUERIED
        text = words.format(period=assessed.period.label, reference=assessed.reference, rating=assessed.rating)
        return FormReply(text, self._cards.assessed_card(assessed), recorded=True)

    async def current(self, participant: Participant, return_id: Any) -> FormReply:
        """The card as it stands now, for a Universal Actions refresh: the form, or the decision."""
        if not participant.is_staff:
            return FormReply(say.STAFF_ONLY)
        ret = await self._load(return_id)
        if ret is None:
            return FormReply(say.UNKNOWN_RETURN)
        if ret.state == SUBMITTED:
            return FormReply(say.ASSESS_PROMPT, self._cards.assessment_card(ret))
        return FormReply("", self._cards.assessed_card(ret))

    async def notice(self, participant: Participant, data: Mapping[str, Any]) -> FormReply:
        """The channel's notice of a submitted return as it stands now: Assess, or the outcome (staff only)."""
        if not participant.is_staff:
            return FormReply(say.STAFF_ONLY)
        ret = await self._load(data.get("return_id"))
        if ret is None:
            return FormReply(say.UNKNOWN_RETURN)
        posted_for = data.get("round")
        card = self._cards.submission_notification(ret, posted_for=posted_for if isinstance(posted_for, str) else None)
        return FormReply("", card)

    def already_decided(self, ret: MonitoringReturn) -> FormReply:
        """A press on a card decided elsewhere: nothing changes, and it says what stands."""
        if ret.assessed_by:
            note = say.ALREADY_ASSESSED.format(outcome=self._cards.assessed_line(ret))
            return FormReply(note, self._cards.assessed_card(ret, note=note))
        return FormReply(say.NOT_AWAITING.format(state=ret.state.replace("_", " ")))

    async def _load(self, return_id: Any) -> MonitoringReturn | None:
        if isinstance(return_id, bool):
            return None
        try:
            return await self._repo.load(int(return_id))
        except (UnknownReturn, TypeError, ValueError):
            return None
