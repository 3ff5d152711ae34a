"""Routes monitoring-return messages to the check-in and assessment dialogs.

The handler calls `handle` first on every message with the participant it identified and
the text with any @mention removed. A recognised intent ("check in", "continue my return",
"returns awaiting assessment", a return card's button) starts or resumes a dialog; any
other message continues the dialog already running for this person in this conversation;
with none running, `handle` returns False and the handler answers it as a register
question. Dialog state is per person per conversation (two providers in one group chat
never share a return) and lives in the database through `SqlStorage`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, Storage, TurnContext
from botbuilder.dialogs import DialogSet

from dialogs import checkin_text as say
from dialogs.assessment import AssessmentDialog
from dialogs.assessment_form import AssessmentForm, FormReply
from dialogs.checkin import CheckinDialog
from dialogs.dialog_state import DialogTurnState
from dialogs.idle_dialogs import IdleDialogs
from dialogs.intents import (
    ASSESS_DECISION,
    ASSESS_REFRESH,
    AWAITING_ASSESSMENT,
    CHANGE_ANSWER,
    CHECK_IN,
    NOTICE_REFRESH,
    OPEN_RETURN_FORM,
    RETURN_BUTTON,
    RETURN_REFRESH,
    SAVE_RETURN,
    SUBMIT_RETURN,
    SUBMIT_RETURN_FORM,
    WHATS_DUE,
    Intent,
    recognise,
)
from dialogs.provider_home import returns_due
from dialogs.return_form import ReturnForm
from dialogs.return_submission import ReturnSubmission
from dialogs.state_storage import EtagConflict
from dialogs.turn import Participant, QuestionAnswerer, ReturnCards, participant_of, set_turn
from storage.returns import ReturnsRepository

log = logging.getLogger(__name__)

DIALOG_STATE = "ReturnsDialogState"


class ReturnsConversation:
    """One per app: owns the dialogs and their state; `handle` is called once per message."""

    def __init__(self, storage: Storage, repo: ReturnsRepository, cards: ReturnCards, today: Callable[[], date]) -> None:
        self._state = DialogTurnState(storage)
        self._idle = IdleDialogs(storage)
        self._dialogs = DialogSet(self._state.create_property(DIALOG_STATE))
        self._dialogs.add(CheckinDialog(repo, cards, today))
        self._dialogs.add(AssessmentDialog(repo, cards))
        self._repo = repo
        self._cards = cards
        self._today = today
        self._form = ReturnForm(repo, cards)
        self._assessment = AssessmentForm(repo, cards)
        self._submission = ReturnSubmission(repo, cards)

    async def handle(
        self, context: TurnContext, participant: Participant, text: str | None, questions: QuestionAnswerer | None = None
    ) -> bool:
        """Answer this message if it belongs to a return conversation; False to leave it alone.

        `questions` answers a register question typed mid-dialog (for this caller), so the
        dialog can answer it and ask its question again instead of taking it as an answer.
        """
        set_turn(context, participant, text, questions)
        intent = recognise(text, context.activity.value)
        key = self._state.get_storage_key(context)
        if intent is None and await self._idle.idle(key):
            return False  # a plain message from someone with no dialog running: not ours, state unread
        await self._state.load(context)
        dc = await self._dialogs.create_context(context)
        active = dc.active_dialog.id if dc.active_dialog else None
        if intent is None and active is None:
            self._idle.note(key, self._cached_state(context), running=False)
            return False
        if intent is not None and intent.name == WHATS_DUE:
            if not participant.providers:
                return False  # staff: "what's due" is a register question
            await self._whats_due(context, participant)
            return True
        if intent is None:
            await dc.continue_dialog()
        elif intent.name == AWAITING_ASSESSMENT:
            page = (intent.data or {}).get("page", 0)
            await self._list_awaiting(context, participant, page if isinstance(page, int) and not isinstance(page, bool) else 0)
        elif intent.name == CHECK_IN:
            await dc.cancel_all_dialogs()
            options = {"reference": intent.reference, "period": intent.period, "resume": intent.resume, "form": intent.form}
            await dc.begin_dialog(CheckinDialog.ID, options)
        elif intent.name == RETURN_BUTTON:
            await self._return_button(context, dc, intent, active)
        else:
            await self._assess(dc, intent, active)
        try:
            await self._state.save_changes(context)
        except EtagConflict:
            self._idle.forget(key)
            log.warning("Return dialog state changed under a turn; the stored answers stand")
            await context.send_activity(say.CONFLICT)
            return True
        self._idle.note(key, self._cached_state(context), running=dc.active_dialog is not None)
        return True

    def _cached_state(self, context: TurnContext) -> dict[str, Any] | None:
        """The dialog state as this turn holds it (with the e-tag read or written), if any."""
        cached = self._state.get_cached_state(context)
        return cached.state if cached is not None else None

    async def _return_button(self, context: TurnContext, dc, intent: Intent, active: str | None) -> None:  # type: ignore[no-untyped-def]
        """A summary card's button: the running check-in checks it; else reopen that return."""
        data = intent.data or {}
        if data.get("action") in (OPEN_RETURN_FORM, SUBMIT_RETURN_FORM):
            await self._return_form(context, dc, data)
            return
        if active == CheckinDialog.ID:
            await dc.continue_dialog()
            return
        if data.get("action") == SAVE_RETURN:
            await context.send_activity(say.SAVED_FOR_LATER)
            return
        options = {"return_id": data.get("return_id"), "then": "submit" if data.get("action") == SUBMIT_RETURN else ""}
        if data.get("action") == CHANGE_ANSWER and isinstance(data.get("key"), str):
            options["key"] = data["key"]
        await dc.cancel_all_dialogs()
        await dc.begin_dialog(CheckinDialog.ID, options)

    async def _return_form(self, context: TurnContext, dc, data) -> None:  # type: ignore[no-untyped-def]
        """The one-card form: open it, or check a filled-in one and, if all is well, show the summary.

        Once the caller is authorised the question-by-question dialog stops (the form is the
        path now); a complete, valid form starts it again at its summary, so the return is
        submitted only from there.
        """
        if data.get("action") == OPEN_RETURN_FORM:
            if await self._form.open(context, data.get("return_id")):
                await dc.cancel_all_dialogs()
            return
        authorised, ready = await self._form.take(context, data)
        if authorised:
            await dc.cancel_all_dialogs()
        if ready is not None:
            await dc.begin_dialog(CheckinDialog.ID, {"return_id": ready.id})

    async def _assess(self, dc, intent: Intent, active: str | None) -> None:  # type: ignore[no-untyped-def]
        data = intent.data or {}
        if data.get("action") in (ASSESS_DECISION, ASSESS_REFRESH):
            # The card's one submit is the path now: any typed assessment under way stops.
            if active == AssessmentDialog.ID:
                await dc.cancel_all_dialogs()
            reply = await self.card_action(participant_of(dc.context), data)
            await dc.context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(reply.card), text=reply.text)
                if reply.card is not None and not reply.recorded
                else MessageFactory.text(reply.text)
            )
            return
        await dc.cancel_all_dialogs()
        options = {"return_id": data.get("return_id"), "reference": intent.reference, "data": dict(data) if data else None}
        await dc.begin_dialog(AssessmentDialog.ID, options)

    async def provider_welcome(self, participant: Participant) -> dict[str, Any] | None:
        """A provider's own welcome card (what to type, their agreements, the next return due); None for anyone else."""
        if participant.is_staff or not participant.providers:
            return None
        agreements = await self._repo.agreements_of(participant.providers)
        due = await returns_due(self._repo, agreements, self._today())
        return self._cards.provider_welcome_card(participant.providers, agreements, due)

    async def _whats_due(self, context: TurnContext, participant: Participant) -> None:
        agreements = await self._repo.agreements_of(participant.providers)
        due = await returns_due(self._repo, agreements, self._today())
        await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(self._cards.due_card(due))))

    async def card_action(
        self, participant: Participant, data: Mapping[str, Any], context: TurnContext | None = None
    ) -> FormReply:
        """A return card's Universal Action (or Teams refreshing the card): the card as it now stands.

        Assessment: Accept / Query checked and recorded, the form again with what to fix, or the
        decision for everyone. Summary: Submit recorded once, or who already submitted it. Answers
        both an `Action.Submit` message and an `Action.Execute` invoke, whose reply card replaces
        the one pressed. With the invoke's `context`, a submission also ends the check-in dialog
        that was waiting at that summary, so the next thing typed is not taken as its reply.
        """
        action = data.get("action")
        if action == ASSESS_REFRESH:
            return await self._assessment.current(participant, data.get("return_id"))
        if action == RETURN_REFRESH:
            return await self._submission.current(participant, data)
        if action == NOTICE_REFRESH:
            return await self._assessment.notice(participant, data)
        if action == SUBMIT_RETURN:
            reply = await self._submission.take(participant, data)
            if reply.recorded and context is not None:
                await self._end_checkin(context)
            return reply
        return await self._assessment.take(participant, data)

    async def _end_checkin(self, context: TurnContext) -> None:
        """Stop this person's check-in dialog here: the return it was asking about is submitted."""
        await self._state.load(context)
        dc = await self._dialogs.create_context(context)
        if dc.active_dialog is None or dc.active_dialog.id != CheckinDialog.ID:
            return
        await dc.cancel_all_dialogs()
        try:
            await self._state.save_changes(context)
        except EtagConflict:
            log.warning("Return dialog state changed under a submit; the submission stands")

    async def _list_awaiting(self, context: TurnContext, participant: Participant, page: int = 0) -> None:
        """Every submitted return, oldest due first, a page at a time (the newly submitted marked)."""
        if not participant.is_staff:
            await context.send_activity(say.STAFF_ONLY)
            return
        waiting = sorted(
            await self._repo.awaiting_assessment(),
            key=lambda r: (r.period.due, r.submitted_at.timestamp() if r.submitted_at else 0.0, r.id),
        )
        if not waiting:
            await context.send_activity(say.NONE_AWAITING)
            return
        card = self._cards.awaiting_card(waiting, page, self._today())
        await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))
