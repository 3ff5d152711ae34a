"""What every return dialog needs from the turn: who is speaking and what they typed.

The handler identifies the caller from the register each turn and puts a `Participant` in
the turn state, so authorisation always uses today's register, never something stored in
dialog state or sent in a card. It also puts the message text with any @mention removed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from botbuilder.core import TurnContext

from domain.agreement import Agreement
from domain.returns import MonitoringReturn

PARTICIPANT = "commissioning.returns.participant"
RETURNS_SEEN = "commissioning.returns.seen"
CLEAN_TEXT = "commissioning.returns.text"
QUESTIONS = "commissioning.returns.questions"

PROVIDER = "provider"
COMMISSIONER = "commissioner"


@dataclass(frozen=True)
class Participant:
    """The person behind this turn: their email, role and the providers they speak for."""

    actor: str
    role: str
    providers: tuple[str, ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.role == COMMISSIONER


# Answers a register question for this turn's caller, if the register understands it (True when sent).
QuestionAnswerer = Callable[[str], Awaitable[bool]]


def set_turn(context: TurnContext, participant: Participant, text: str | None, questions: QuestionAnswerer | None = None) -> None:
    context.turn_state[PARTICIPANT] = participant
    context.turn_state[CLEAN_TEXT] = text
    context.turn_state[QUESTIONS] = questions


async def answer_question(context: TurnContext, text: str) -> bool:
    """Answer `text` as a register question mid-dialog, if the handler gave a way and it is understood."""
    questions = context.turn_state.get(QUESTIONS)
    return bool(questions is not None and await questions(text))


def participant_of(context: TurnContext) -> Participant:
    """The turn's participant; nobody (no providers, not staff) when the handler set none."""
    found = context.turn_state.get(PARTICIPANT)
    return found if isinstance(found, Participant) else Participant("", "unknown")


def text_of(context: TurnContext) -> str:
    """What was typed (mention removed), or "" for a card submit with no text."""
    if CLEAN_TEXT in context.turn_state:
        return " ".join((context.turn_state[CLEAN_TEXT] or "").split())
    return " ".join((context.activity.text or "").split())


def seen_return(context: TurnContext, return_id: int) -> MonitoringReturn | None:
    """The return as loaded or saved earlier in this same turn (never across turns)."""
    return context.turn_state.get(RETURNS_SEEN, {}).get(return_id)


def remember_return(context: TurnContext, ret: MonitoringReturn) -> MonitoringReturn:
    """Keep the latest version of a return for the rest of this turn, saving repeat loads."""
    context.turn_state.setdefault(RETURNS_SEEN, {})[ret.id] = ret
    return ret


def card_data_of(context: TurnContext) -> Mapping[str, Any] | None:
    value = context.activity.value
    return value if isinstance(value, Mapping) else None


class ReturnCards(Protocol):
    """The cards the return dialogs show; `bot/cards/checkin.py` implements them."""

    def summary_card(self, ret: MonitoringReturn) -> dict[str, Any]: ...

    def submission_notification(self, ret: MonitoringReturn, *, posted_for: str | None = None) -> dict[str, Any]: ...

    def submitted_card(self, ret: MonitoringReturn, *, note: str = "") -> dict[str, Any]: ...

    def submitted_line(self, ret: MonitoringReturn) -> str: ...

    def assessment_card(
        self, ret: MonitoringReturn, entered: Mapping[str, str] | None = None, problems: Mapping[str, str] | None = None
    ) -> dict[str, Any]: ...

    def assessed_card(self, ret: MonitoringReturn, *, note: str = "") -> dict[str, Any]: ...

    def assessed_line(self, ret: MonitoringReturn) -> str: ...

    def awaiting_card(self, returns: list[MonitoringReturn], page: int = 0, today: date | None = None) -> dict[str, Any]: ...

    def outcome_card(self, ret: MonitoringReturn) -> dict[str, Any]: ...

    def form_offer_card(self, ret: MonitoringReturn) -> dict[str, Any]: ...

    def provider_welcome_card(
        self, providers: Sequence[str], agreements: Sequence[Agreement], due: Sequence[Any]
    ) -> dict[str, Any]: ...

    def due_card(self, due: Sequence[Any]) -> dict[str, Any]: ...

    def return_form_card(
        self, ret: MonitoringReturn, entered: Mapping[str, object] | None, problems: Mapping[str, str] | None
    ) -> dict[str, Any]: ...
