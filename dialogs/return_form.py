"""The one-card return form on the server: show it, check what comes back, save what is valid.

Every submit is authorised against the stored return's agreement and this turn's
participant (never the card's data), checked by the same domain rules as the question-by-
question dialog (`domain.return_form.check_form`), and every valid answer is saved at once
with `save_answer`, so nothing typed is lost. If anything is missing or wrong the form comes
back with a short message under each field; if all is well the caller shows the summary
card, and the return is submitted only from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from dialogs import checkin_text as say
from dialogs import return_form_text as form_say
from dialogs.checkin_questions import number, problem_text, spend_warning
from dialogs.turn import ReturnCards, participant_of, remember_return
from domain.monitoring import OPEN_STATES, SUBMITTED
from domain.return_form import check_form
from domain.returns import (
    EMPTY,
    OUTCOMES,
    RAG,
    RISKS,
    SPEND_EXPLANATION,
    AnswerRefused,
    MonitoringReturn,
    belongs_to,
    kpi_key,
)
from storage.returns import NotYourReturn, ReturnNotOpen, ReturnsRepository, UnknownReturn


class ReturnForm:
    """Opens and takes the one-card form for the provider whose return it is."""

    def __init__(self, repo: ReturnsRepository, cards: ReturnCards) -> None:
        self._repo = repo
        self._cards = cards

    async def open(self, context: TurnContext, return_id: Any) -> bool:
        """Send the form for this return; False (having said why) if the caller can't have it."""
        ret = await self._open_return(context, return_id)
        if ret is None:
            return False
        await self.show(context, ret)
        return True

    async def show(self, context: TurnContext, ret: MonitoringReturn) -> None:
        """The form prefilled with the saved answers."""
        await _send(context, form_say.FORM_SENT, self._cards.return_form_card(ret, None, None))

    async def take(self, context: TurnContext, data: Mapping[str, Any]) -> tuple[bool, MonitoringReturn | None]:
        """Check and save a filled-in form: (authorised, the complete return or None).

        The return is given back only when every answer is valid and the return is
        complete, ready for its summary; otherwise the form has been sent again.
        """
        ret = await self._open_return(context, data.get("return_id"))
        if ret is None:
            return False, None
        check = check_form(ret, data)
        saved = ret
        participant = participant_of(context)
        try:
            for key, value in check.answers.items():
                saved = await self._repo.save_answer(ret.id, key, value, participant.actor, speaking_for=participant.providers)
        except NotYourReturn as refused:
            await context.send_activity(say.NO_LONGER_YOURS.format(reference=refused.reference))
            return False, None
        except ReturnNotOpen as closed:
            await _not_open(context, ret, closed.state)
            return True, None
        remember_return(context, saved)
        if check.ok and saved.complete:
            await context.send_activity(form_say.FORM_CHECKED)
            return True, saved
        problems = problem_messages(replace(ret, answers=check.combined), check.problems)
        await _send(context, form_say.FORM_PROBLEMS, self._cards.return_form_card(saved, data, problems))
        return True, None

    async def _open_return(self, context: TurnContext, return_id: Any) -> MonitoringReturn | None:
        """The return, if this turn's participant speaks for its provider and it is still open."""
        participant = participant_of(context)
        try:
            ret = remember_return(context, await self._repo.load(int(return_id)))
        except (UnknownReturn, TypeError, ValueError):
            ret = None
        if ret is None or not participant.providers or not belongs_to(ret.agreement, participant.providers):
            await context.send_activity(say.RETURN_NOT_YOURS)
            return None
        if ret.state not in OPEN_STATES:
            await _not_open(context, ret, ret.state)
            return None
        return ret


def problem_messages(ret: MonitoringReturn, problems: Mapping[str, AnswerRefused]) -> dict[str, str]:
    """A short message per field: what was wrong and what to type (`ret` holds the form's valid answers)."""
    return {key: _missing(ret, key) if refused.problem == EMPTY else problem_text(refused) for key, refused in problems.items()}


def _missing(ret: MonitoringReturn, key: str) -> str:
    if key.startswith("kpi:"):
        return form_say.MISSING_NUMBER
    if key.startswith("reason:"):
        name = key.split(":", 1)[1]
        kpi = next(k for k in ret.agreement.kpis if k.name == name)
        return form_say.MISSING_REASON.format(kpi=name, actual=ret.answers.get(kpi_key(name), ""), target=number(kpi.target))
    if key == SPEND_EXPLANATION:
        return form_say.MISSING_EXPLANATION.format(warning=spend_warning(ret))
    return {
        RAG: form_say.MISSING_RAG, RISKS: form_say.MISSING_RISKS, OUTCOMES: form_say.MISSING_OUTCOMES,
    }.get(key, form_say.MISSING_MONEY)


async def _not_open(context: TurnContext, ret: MonitoringReturn, state: str) -> None:
    words = say.ALREADY_SUBMITTED if state == SUBMITTED else say.PERIOD_NOT_OPEN
    await context.send_activity(words.format(period=ret.period.label, reference=ret.reference, state=state))


async def _send(context: TurnContext, words: str, card: dict[str, Any]) -> None:
    await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card), text=words))
