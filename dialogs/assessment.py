"""A contract manager assesses a submitted return: accept or query, rating, comment.

Opened from the "Assess" button on the channel notification or the awaiting list, or by
typing "assess OPCC-2023-014". The assessment card collects everything in one submit, taken
by `dialogs.assessment_form` (never by this dialog's prompts, so a card press mid-dialog is
never "a different return"); typed answers work too, one question at a time. Only staff may assess; the return is looked up
by id from the database and must still be submitted. The provider is told the outcome
through the outbox (`ReturnsRepository.assess`), and every step is audited.
"""

from __future__ import annotations

from typing import Any

from botbuilder.dialogs import ComponentDialog, DialogContext, DialogTurnResult, WaterfallDialog, WaterfallStepContext
from botbuilder.dialogs.prompts import PromptValidatorContext

from dialogs import checkin_text as say
from dialogs.answer_prompt import BACK, AnswerPrompt, ask, is_back
from dialogs.interruptions import HELP, command_of, interrupted
from dialogs.turn import ReturnCards, participant_of
from domain.monitoring import ACCEPTED, SUBMITTED
from domain.returns import NONE_WORDS, AnswerRefused, MonitoringReturn, parse_rating
from storage.returns import ACCEPT, QUERY, NotAwaitingAssessment, NotStaff, ReturnsRepository, UnknownReturn

ASSESS = "assess.steps"
PROMPT = "assess.prompt"
MAX_COMMENT = 2000


class AssessmentDialog(ComponentDialog):
    """Staff accept or query one submitted return."""

    ID = "assess"

    def __init__(self, repo: ReturnsRepository, cards: ReturnCards) -> None:
        super().__init__(self.ID)
        self._repo = repo
        self._cards = cards
        self.add_dialog(WaterfallDialog(ASSESS, [self._show, self._decided, self._rated, self._commented]))
        self.add_dialog(AnswerPrompt(PROMPT, self._validate))
        self.initial_dialog_id = ASSESS

    async def on_continue_dialog(self, inner_dc: DialogContext) -> DialogTurnResult:
        """`cancel` and `save for later` stop at any step (nothing is recorded until the last),
        `continue` asks again, and a register question is answered before asking again."""
        handled = await interrupted(inner_dc, stopped=say.ASSESS_CANCELLED, saved=say.ASSESS_SAVED)
        if handled is not None:
            return handled
        return await super().on_continue_dialog(inner_dc)

    async def _show(self, step: WaterfallStepContext) -> DialogTurnResult:
        options: dict[str, Any] = dict(step.options or {})
        if not participant_of(step.context).is_staff:
            await step.context.send_activity(say.STAFF_ONLY)
            return await step.end_dialog()
        ret = await self._find(options)
        if ret is None:
            await step.context.send_activity(say.UNKNOWN_RETURN)
            return await step.end_dialog()
        if ret.state != SUBMITTED:
            await step.context.send_activity(say.NOT_AWAITING.format(state=ret.state))
            return await step.end_dialog()
        step.values["return_id"] = ret.id
        if options.get("decision") in (ACCEPT, QUERY):
            # "back" from the comment: the decision stands, the rating is asked again.
            return await step.next({"decision": options["decision"]})
        card = self._cards.assessment_card(ret)
        return await step.prompt(PROMPT, ask(say.ASSESS_PROMPT, card=card, kind="decision", return_id=ret.id))

    async def _decided(self, step: WaterfallStepContext) -> DialogTurnResult:
        step.values["decision"] = step.result["decision"]
        return await step.prompt(PROMPT, ask(say.ASK_RATING, kind="rating"))

    async def _rated(self, step: WaterfallStepContext) -> DialogTurnResult:
        if is_back(step.result):
            return await step.replace_dialog(ASSESS, {"return_id": step.values["return_id"]})
        step.values["rating"] = step.result
        if step.values["decision"] == QUERY:
            prompt, kind = say.ASK_QUERY_COMMENT, "query_comment"
        else:
            prompt, kind = say.ASK_ACCEPT_COMMENT, "accept_comment"
        return await step.prompt(PROMPT, ask(prompt, kind=kind))

    async def _commented(self, step: WaterfallStepContext) -> DialogTurnResult:
        if is_back(step.result):
            return await step.replace_dialog(ASSESS, {"return_id": step.values["return_id"], "decision": step.values["decision"]})
        participant = participant_of(step.context)
        if not participant.is_staff:
            await step.context.send_activity(say.STAFF_ONLY)
            return await step.end_dialog()
        return_id, decision = step.values["return_id"], step.values["decision"]
        try:
            ret = await self._repo.assess(
                return_id, participant.actor, decision, step.values["rating"], step.result or "",
                outcome=self._cards.outcome_card, staff=participant.is_staff,
            )
        except NotStaff:
            await step.context.send_activity(say.STAFF_ONLY)
            return await step.end_dialog()
        except (NotAwaitingAssessment, UnknownReturn):
            current = await self._find({"return_id": return_id})
            await step.context.send_activity(say.NOT_AWAITING.format(state=current.state if current else "gone"))
            return await step.end_dialog()
        words = say.ASSESSED_ACCEPTED if ret.state == ACCEPTED else say.ASSESSED_QUERIED
        await step.context.send_activity(words.format(period=ret.period.label, reference=ret.reference, rating=ret.rating))
        return await step.end_dialog(ret.id)

    async def _find(self, options: dict[str, Any]) -> MonitoringReturn | None:
        return_id = options.get("return_id")
        if return_id is not None:
            try:
                return await self._repo.load(int(return_id))
            except (UnknownReturn, TypeError, ValueError):
                return None
        reference = str(options.get("reference") or "").lower()
        if reference:
            waiting = [r for r in await self._repo.awaiting_assessment() if r.reference.lower() == reference]
            return waiting[-1] if waiting else None
        return None

    async def _validate(self, prompt: PromptValidatorContext) -> bool:
        rules: dict[str, Any] = prompt.options.validations or {}
        value = prompt.recognized.value or {}
        text, data = (value.get("text") or "").strip(), value.get("data")
        words = text.lower().strip(" .!")
        send = prompt.context.send_activity
        command = None if data else command_of(text)
        kind = rules.get("kind")
        if command == HELP:
            await send(say.HELP_ASSESS)
            return False
        if command == BACK:
            if kind == "decision":
                await send(say.NOTHING_BEFORE_ASSESS)
                return False
            prompt.recognized.value = {"command": BACK}
            return True
        if data:
            # The card's own buttons go to `AssessmentForm`, never here: this is some other card.
            await send(say.STALE_BUTTON)
            return False
        if kind == "decision":
            if words in (ACCEPT, "accepted", QUERY, "query it"):
                decision = {"decision": ACCEPT if words.startswith(ACCEPT) else QUERY}
            else:
                await send(say.ASSESS_PROMPT)
                return False
            prompt.recognized.value = decision
            return True
        if kind == "rating":
            try:
                prompt.recognized.value = parse_rating(text)
            except AnswerRefused:
                await send(say.ASK_RATING)
                return False
            return True
        if len(text) > MAX_COMMENT:
            await send(say.PROBLEMS["too_long"].format(limit=f"{MAX_COMMENT:,}"))
            return False
        if kind == "query_comment" and (not text or words in NONE_WORDS):
            await send(say.QUERY_NEEDS_COMMENT)
            return False
        prompt.recognized.value = "" if words in NONE_WORDS else text
        return True

