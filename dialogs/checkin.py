"""The provider check-in: choose agreement and period, answer each question, review, submit.

The dialog keeps almost nothing of its own. Answers are saved to the database as they are
given (`ReturnsRepository.save_answer`), and which question comes next is worked out from
the stored answers (`MonitoringReturn.next_question`), so "continue my return" after a
restart, a crash or a week away carries on from the first unanswered question, and "back"
or "change an answer" simply asks a named question again. Dialog state holds only the
return's id, the question on screen and its prompt id.

Each question asked gets a new prompt id, recorded on the return once the send has returned;
an answer is stored only for the prompt id still waiting there. Dialog state is saved at the
end of a turn, so after a crash mid-turn it can name a question already answered: the answer
typed then is refused as meant for another question, and the current question is asked again.

Authorisation is checked on every step from the stored return's agreement and the
participant the handler identified this turn, never from card data or dialog state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import uuid4

from botbuilder.dialogs import ComponentDialog, DialogContext, DialogTurnResult, WaterfallDialog, WaterfallStepContext
from botbuilder.dialogs.prompts import PromptValidatorContext

from dialogs import checkin_text as say
from dialogs.answer_prompt import BACK, AnswerPrompt, ask, is_back, numbered, pick
from dialogs.checkin_questions import answer_title, problem_text, question_text, shown
from dialogs.intents import CHANGE_ANSWER, SAVE_RETURN, SUBMIT_RETURN, submission_round
from dialogs.interruptions import HELP, command_of, interrupted
from dialogs.return_form import ReturnForm
from dialogs.return_submission import INCOMPLETE, NOT_OPEN, NOT_YOURS, submit_return
from dialogs.turn import ReturnCards, participant_of, remember_return, seen_return
from domain.monitoring import IN_PROGRESS, OPEN_STATES, QUERIED, SUBMITTED
from domain.returns import SAME_AS_LAST, AnswerRefused, MonitoringReturn, belongs_to, normalise_answer, question_before
from domain.values import format_date
from storage.returns import NotYourReturn, ReturnNotOpen, ReturnsRepository, StalePrompt, UnknownReturn

CHOOSE = "checkin.choose"
QUESTION = "checkin.question"
SUMMARY = "checkin.summary"
PROMPT = "checkin.prompt"
ASK_AGAIN = "ask_again"

DRAFT_STATES = (IN_PROGRESS, QUERIED)
SAME_WORDS = ("same", "same as last time", "same as last quarter", "same as last period", "as before")
SUBMIT_WORDS = ("submit", "submit it", "send", "submit return", "submit my return")
CHANGE_WORDS = ("change", "change an answer", "change answer", "edit")
SAVE_WORDS = ("save", "save for later", "later", "finish later")


class CheckinDialog(ComponentDialog):
    """A provider's monitoring return, one question at a time, saved as it goes."""

    ID = "checkin"

    def __init__(self, repo: ReturnsRepository, cards: ReturnCards, today: Callable[[], date]) -> None:
        super().__init__(self.ID)
        self._repo = repo
        self._cards = cards
        self._today = today
        self._form = ReturnForm(repo, cards)
        self.add_dialog(WaterfallDialog(CHOOSE, [self._choose_agreement, self._choose_period, self._open]))
        self.add_dialog(WaterfallDialog(QUESTION, [self._ask, self._save]))
        self.add_dialog(WaterfallDialog(SUMMARY, [self._show_summary, self._act, self._change_chosen]))
        self.add_dialog(AnswerPrompt(PROMPT, self._validate))
        self.initial_dialog_id = CHOOSE

    async def on_continue_dialog(self, inner_dc: DialogContext) -> DialogTurnResult:
        """`cancel` and `save for later` stop at any step (answers already given stay saved),
        `continue` asks again, and a register question is answered before asking again."""
        started = any(instance.id in (QUESTION, SUMMARY) for instance in inner_dc.stack)
        handled = await interrupted(inner_dc, stopped=say.CANCELLED, saved=say.SAVED_FOR_LATER if started else say.NOTHING_TO_SAVE)
        if handled is not None:
            return handled
        return await super().on_continue_dialog(inner_dc)

    # --- choosing the agreement and period ------------------------------------------------

    async def _choose_agreement(self, step: WaterfallStepContext) -> DialogTurnResult:
        options: dict[str, Any] = dict(step.options or {})
        participant = participant_of(step.context)
        if options.get("return_id") is not None:
            return await step.replace_dialog(
                QUESTION, {"return_id": options["return_id"], "then": options.get("then", ""), "key": options.get("key")}
            )
        if options.get("resume") and participant.providers and not options.get("reference"):
            drafts = await self._repo.returns_of(participant.providers, DRAFT_STATES)
            if len(drafts) == 1:
                await step.context.send_activity(
                    say.RESUMING.format(period=drafts[0].period.label, reference=drafts[0].reference)
                )
                await _note_query(drafts[0], step)
                if options.get("form"):
                    await self._form.show(step.context, drafts[0])
                    return await step.end_dialog()
                return await step.replace_dialog(QUESTION, {"return_id": drafts[0].id})
        agreements = await self._repo.agreements_of(participant.providers) if participant.providers else []
        if not agreements:
            await step.context.send_activity(say.STAFF_NOT_PROVIDER if participant.is_staff else say.NO_AGREEMENTS)
            return await step.end_dialog()
        wanted = str(options.get("reference") or "")
        step.values["period"] = str(options.get("period") or "")
        step.values["form"] = bool(options.get("form"))
        if wanted:
            found = next((a for a in agreements if a.reference.lower() == wanted.lower()), None)
            if found is None:
                await step.context.send_activity(say.NOT_YOURS.format(reference=wanted))
                return await step.end_dialog()
            step.values["skipped_agreement"] = True
            return await step.next(found.reference)
        if len(agreements) == 1:
            step.values["skipped_agreement"] = True
            return await step.next(agreements[0].reference)
        labels = [f"{a.reference} \u2014 {a.title}" for a in agreements]
        return await self._prompt_pick(step, say.CHOOSE_AGREEMENT, [a.reference for a in agreements], labels, can_go_back=False)

    async def _choose_period(self, step: WaterfallStepContext) -> DialogTurnResult:
        if is_back(step.result):
            return await step.replace_dialog(CHOOSE, {})
        reference = str(step.result)
        step.values["reference"] = reference
        owed = await self._repo.owed_periods(reference, self._today())
        wanted = step.values.get("period", "")
        if wanted:
            chosen = _match_period(wanted, owed)
            if chosen is None:
                await step.context.send_activity(say.NOTHING_OWED.format(reference=reference))
                return await step.end_dialog()
            if chosen.state not in OPEN_STATES:
                await step.context.send_activity(say.PERIOD_NOT_OPEN.format(period=chosen.period.label, reference=reference, state=chosen.state))
                return await step.end_dialog()
            return await step.next(chosen.period.start.isoformat())
        open_periods = [o for o in owed if o.state in OPEN_STATES]
        if not open_periods:
            await step.context.send_activity(say.NOTHING_OWED.format(reference=reference))
            return await step.end_dialog()
        if len(open_periods) == 1:
            return await step.next(open_periods[0].period.start.isoformat())
        labels = [f"{o.period.label} \u2014 due {format_date(o.period.due)} ({o.state.replace('_', ' ')})" for o in open_periods]
        choices = [o.period.start.isoformat() for o in open_periods]
        return await self._prompt_pick(
            step, say.CHOOSE_PERIOD, choices, labels, can_go_back=not step.values.get("skipped_agreement")
        )

    async def _open(self, step: WaterfallStepContext) -> DialogTurnResult:
        if is_back(step.result):
            return await step.replace_dialog(CHOOSE, {})
        participant = participant_of(step.context)
        start = date.fromisoformat(str(step.result))
        try:
            ret = await self._repo.open_return(step.values["reference"], start, participant.actor, self._today())
        except UnknownReturn:
            await step.context.send_activity(say.NOTHING_OWED.format(reference=step.values["reference"]))
            return await step.end_dialog()
        words = say.RESUMING if ret.answers else say.STARTING
        await step.context.send_activity(
            words.format(reference=ret.reference, title=ret.agreement.title, period=ret.period.label, due=format_date(ret.period.due))
        )
        await _note_query(ret, step)
        if step.values.get("form"):
            await self._form.show(step.context, ret)
            return await step.end_dialog()
        return await step.replace_dialog(QUESTION, {"return_id": ret.id})

    # --- one question ---------------------------------------------------------------------

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        options: dict[str, Any] = dict(step.options or {})
        ret = await self._authorised(step, options.get("return_id"))
        if ret is None:
            return await step.end_dialog()
        if ret.state not in OPEN_STATES:
            await step.context.send_activity(say.PERIOD_NOT_OPEN.format(period=ret.period.label, reference=ret.reference, state=ret.state))
            return await step.end_dialog()
        key = options.get("key")
        question = next((q for q in ret.questions if q.key == key), None) if key else ret.next_question
        if question is None:
            return await step.replace_dialog(SUMMARY, {"return_id": ret.id, "then": options.get("then", "")})
        step.values["return_id"], step.values["key"] = ret.id, question.key
        # The first question offers the whole return on one card instead.
        offer = self._cards.form_offer_card(ret) if question.key == ret.questions[0].key else None
        # A new prompt id for every question asked (a re-ask too), recorded only once the send
        # has returned: an answer is stored only for a prompt that was really sent and is current.
        prompt_id = uuid4().hex
        result = await step.prompt(
            PROMPT,
            ask(question_text(ret, question), card=offer, kind="answer", return_id=ret.id, key=question.key, prompt_id=prompt_id),
        )
        await self._repo.prompt_sent(ret.id, prompt_id)
        return result

    async def _save(self, step: WaterfallStepContext) -> DialogTurnResult:
        return_id, key = step.values["return_id"], step.values["key"]
        if _is_ask_again(step.result):
            return await self._ask_again(step, return_id)
        if is_back(step.result):
            return await step.replace_dialog(QUESTION, {"return_id": return_id, "key": step.result["to"]})
        participant = participant_of(step.context)
        value = step.result["value"]
        try:
            # Authorised again at the write: the register may have changed since the question was asked.
            # Bound to the prompt it answers, as the validator saw it: another turn may have used it up since.
            bound = {"speaking_for": participant.providers, "prompt_id": step.result.get("prompt_id")}
            if key == SAME_AS_LAST and value == "yes":
                saved = await self._repo.use_previous_figures(return_id, participant.actor, **bound)
            else:
                saved = await self._repo.save_answer(return_id, key, value, participant.actor, **bound)
            remember_return(step.context, saved)
        except StalePrompt:
            return await self._ask_again(step, return_id)
        except NotYourReturn as refused:
            await step.context.send_activity(say.NO_LONGER_YOURS.format(reference=refused.reference))
            return await step.end_dialog()
        except ReturnNotOpen as closed:
            ret = await self._repo.load(return_id)
            await step.context.send_activity(say.PERIOD_NOT_OPEN.format(period=ret.period.label, reference=ret.reference, state=closed.state))
            return await step.end_dialog()
        return await step.replace_dialog(QUESTION, {"return_id": return_id})

    async def _ask_again(self, step: WaterfallStepContext, return_id: int) -> DialogTurnResult:
        """The answer was for a prompt no longer waiting: say it was not saved and ask the current question afresh."""
        await step.context.send_activity(say.ASKED_AGAIN)
        return await step.replace_dialog(QUESTION, {"return_id": return_id})

    # --- summary, submit, change ----------------------------------------------------------

    async def _show_summary(self, step: WaterfallStepContext) -> DialogTurnResult:
        options: dict[str, Any] = dict(step.options or {})
        ret = await self._authorised(step, options.get("return_id"))
        if ret is None:
            return await step.end_dialog()
        if not ret.complete:
            return await step.replace_dialog(QUESTION, {"return_id": ret.id})
        step.values["return_id"] = ret.id
        if options.get("then") == "submit":
            return await self._submit(step, ret)
        return await step.prompt(
            PROMPT, ask(say.SUMMARY_PROMPT, card=self._cards.summary_card(ret), kind="summary", return_id=ret.id,
                        round=submission_round(ret.submitted_at))
        )

    async def _act(self, step: WaterfallStepContext) -> DialogTurnResult:
        return_id = step.values["return_id"]
        ret = await self._authorised(step, return_id)
        if ret is None:
            return await step.end_dialog()
        if is_back(step.result):
            return await step.replace_dialog(QUESTION, {"return_id": return_id, "key": ret.questions[-1].key})
        action, key = step.result["action"], step.result.get("key")
        if action == SUBMIT_RETURN:
            return await self._submit(step, ret)
        if action == SAVE_RETURN:
            await step.context.send_activity(say.SAVED_FOR_LATER)
            return await step.end_dialog()
        if key:
            return await step.replace_dialog(QUESTION, {"return_id": return_id, "key": key})
        questions = [q for q in ret.questions if q.key != SAME_AS_LAST]
        labels = [f"{answer_title(q)}: {shown(q, ret.answers.get(q.key, '')) or 'none'}" for q in questions]
        return await self._prompt_pick(step, say.CHOOSE_CHANGE, [q.key for q in questions], labels, can_go_back=True)

    async def _change_chosen(self, step: WaterfallStepContext) -> DialogTurnResult:
        if is_back(step.result):
            return await step.replace_dialog(SUMMARY, {"return_id": step.values["return_id"]})
        return await step.replace_dialog(QUESTION, {"return_id": step.values["return_id"], "key": step.result})

    async def _submit(self, step: WaterfallStepContext, ret: MonitoringReturn) -> DialogTurnResult:
        done = await submit_return(self._repo, self._cards, participant_of(step.context), ret.id)
        if done.outcome == NOT_YOURS:
            await step.context.send_activity(say.NO_LONGER_YOURS.format(reference=ret.reference))
            return await step.end_dialog()
        if done.outcome == INCOMPLETE:
            return await step.replace_dialog(QUESTION, {"return_id": ret.id})
        if done.outcome == NOT_OPEN:
            state = done.ret.state if done.ret is not None else ret.state
            words = say.ALREADY_SUBMITTED if state == SUBMITTED else say.PERIOD_NOT_OPEN
            await step.context.send_activity(words.format(period=ret.period.label, reference=ret.reference, state=state))
            return await step.end_dialog()
        await step.context.send_activity(say.SUBMITTED.format(period=ret.period.label, reference=ret.reference))
        return await step.end_dialog(ret.id)

    # --- helpers --------------------------------------------------------------------------

    async def _authorised(self, step: WaterfallStepContext, return_id: Any) -> MonitoringReturn | None:
        """The return, if this turn's participant speaks for its provider; else says so."""
        participant = participant_of(step.context)
        try:
            ret = seen_return(step.context, int(return_id)) or remember_return(step.context, await self._repo.load(int(return_id)))
        except (UnknownReturn, TypeError, ValueError):
            ret = None
        if ret is None or not participant.providers or not belongs_to(ret.agreement, participant.providers):
            await step.context.send_activity(say.RETURN_NOT_YOURS)
            return None
        return ret

    async def _prompt_pick(
        self, step: WaterfallStepContext, template: str, choices: list[str], labels: list[str], *, can_go_back: bool
    ) -> DialogTurnResult:
        return await step.prompt(
            PROMPT, ask(template.format(options=numbered(labels)), kind="pick", choices=choices, labels=labels, can_go_back=can_go_back)
        )

    async def _validate(self, prompt: PromptValidatorContext) -> bool:
        """Turn what was typed or clicked into the step's result, or say what was wrong."""
        rules: dict[str, Any] = prompt.options.validations or {}
        text = (prompt.recognized.value or {}).get("text") or ""
        data = (prompt.recognized.value or {}).get("data")
        words = text.lower().strip(" .!?")
        kind = rules.get("kind")
        send = prompt.context.send_activity
        command = None if data else command_of(text)
        if command == HELP:
            await send(_help_for(kind, rules) + " " + say.HELP_GENERAL)
            return False
        if kind == "pick":
            if command == BACK:
                if rules.get("can_go_back"):
                    prompt.recognized.value = {"command": BACK}
                    return True
                await send(say.NOTHING_BEFORE)
                return False
            chosen = pick(text, data, rules["choices"], rules["labels"])
            if chosen is None:
                await send(say.NOT_IN_LIST.format(options=numbered(rules["labels"])))
                return False
            prompt.recognized.value = chosen
            return True
        if kind == "summary":
            return await self._validate_summary(prompt, rules, words, data, command)
        return await self._validate_answer(prompt, rules, text, words, data, command)

    async def _validate_answer(
        self, prompt: PromptValidatorContext, rules: dict[str, Any], text: str, words: str, data: Any, command: str | None
    ) -> bool:
        send = prompt.context.send_activity
        if data:
            await send(say.STALE_BUTTON)
            return False
        if rules.get("prompt_id") != await self._repo.waiting_prompt(rules["return_id"]):
            # This prompt is not the question waiting (the bot restarted mid-send, or another
            # chat asked since): whatever was typed may answer a different question.
            prompt.recognized.value = {"command": ASK_AGAIN}
            return True
        ret = remember_return(prompt.context, await self._repo.load(rules["return_id"]))
        question = next((q for q in ret.questions if q.key == rules["key"]), None)
        if question is None:
            # The question no longer applies (answers changed elsewhere): move on.
            prompt.recognized.value = {"command": BACK, "to": None}
            return True
        if command == BACK:
            before = question_before(ret.questions, question.key)
            if before is None:
                await send(say.NOTHING_BEFORE)
                return False
            prompt.recognized.value = {"command": BACK, "to": before.key}
            return True
        previous = ret.previous.answers.get(question.key) if ret.previous else None
        if words in SAME_WORDS and previous is not None:
            prompt.recognized.value = {"value": previous, "prompt_id": rules.get("prompt_id")}
            return True
        try:
            value = normalise_answer(question, text, ret.answers)
        except AnswerRefused as refused:
            await send(problem_text(refused))
            return False
        prompt.recognized.value = {"value": value, "prompt_id": rules.get("prompt_id")}
        return True

    async def _validate_summary(
        self, prompt: PromptValidatorContext, rules: dict[str, Any], words: str, data: Any, command: str | None
    ) -> bool:
        send = prompt.context.send_activity
        if data:
            action = data.get("action")
            if action not in (SUBMIT_RETURN, CHANGE_ANSWER, SAVE_RETURN) or data.get("return_id") != rules["return_id"]:
                await send(say.STALE_BUTTON)
                return False
            if action == SUBMIT_RETURN and data.get("round", "") != rules.get("round", ""):
                # Submit on a summary from before a query (an Action.Submit client has no refresh to
                # replace it): the answers it shows are not the ones that would be submitted.
                await send(say.STALE_SUMMARY)
                return False
            key = data.get("key") if isinstance(data.get("key"), str) else None
            prompt.recognized.value = {"action": action, "key": key}
            return True
        if command == BACK:
            prompt.recognized.value = {"command": BACK}
            return True
        for action, choices in ((SUBMIT_RETURN, SUBMIT_WORDS), (CHANGE_ANSWER, CHANGE_WORDS), (SAVE_RETURN, SAVE_WORDS)):
            if words in choices:
                prompt.recognized.value = {"action": action, "key": None}
                return True
        await send(say.SUMMARY_PROMPT)
        return False


def _is_ask_again(result: Any) -> bool:
    return isinstance(result, dict) and result.get("command") == ASK_AGAIN


async def _note_query(ret: MonitoringReturn, step: WaterfallStepContext) -> None:
    """A queried return shows the contract manager's comment before anything else."""
    if ret.state == QUERIED and ret.assessment_comment:
        await step.context.send_activity(say.QUERIED_NOTE.format(comment=ret.assessment_comment))


def _match_period(wanted: str, owed: list[Any]) -> Any:
    """An owed period by label ("Q2 2026/27", or "Q2" when only one Q2 is owed) or start date."""
    words = " ".join(wanted.split()).lower()
    exact = [o for o in owed if o.period.label.lower() == words or o.period.start.isoformat() == words]
    if exact:
        return exact[0]
    prefixed = [o for o in owed if o.period.label.lower().startswith(words + " ")]
    return prefixed[0] if len(prefixed) == 1 else None


def _help_for(kind: Any, rules: dict[str, Any]) -> str:
    if kind == "pick":
        return "Reply with the number or name of one of the options listed."
    if kind == "summary":
        return say.SUMMARY_PROMPT
    key = str(rules.get("key", ""))
    if key.startswith("kpi:"):
        return say.HELP_BY_KIND["number"]
    if key.startswith("spend_") and key != "spend_explanation":
        return say.HELP_BY_KIND["money"]
    return say.HELP_BY_KIND.get(
        {"rag": "choice", SAME_AS_LAST: "yes_no", "risks": "none_or_text", "case_study": "optional_text"}.get(key, "text"), ""
    )

