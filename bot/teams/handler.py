"""The Teams activity handler: thin glue between Teams activities and the register.

Each turn: refuse tenants not on the allow-list (the tenant comes from `channelData`, docs/teams-sdk.md
trap 2), remember the conversation for alerts, read what was asked once (`bot/requests.read_turn`),
resolve the caller once, and route by request type (alert buttons, channel commands, else the
conversation: a monitoring return under way, or a question answered for the caller's role by
`bot/answering.py` and rendered by `bot/cards`). It answers in personal
chat, and in channels and group chats only when @mentioned; it welcomes people when the app is
installed; a card button arrives as a message with no text (trap 6) and is handled like a question.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
)
from botbuilder.schema.teams import TeamInfo

from bot.answering import Assistant, Reply
from bot.cards.alerts import outcome_card, payment_outcome_card, payment_outcome_line
from bot.cards.alerts import render as render_alert
from bot.graph.schedule import RegisterSyncer
from bot.graph.sync import SyncReport
from bot.requests import (
    NOT_A_VALID_BUTTON,
    Ask,
    ChannelCommand,
    DecideEnd,
    Ignore,
    Message,
    PublishRegister,
    RecordPayment,
    RefreshAlert,
    RefreshPayment,
    Refuse,
    ShowHelp,
    SnoozeAlert,
    SyncRegister,
    mentions_in,
    read_alert_action,
    read_card_action,
    read_turn,
)
from bot.roles import Caller
from bot.settings import Settings
from bot.teams.conversations import (
    ConversationBook,
    MemberDirectory,
    TtlCache,
    conversation_record,
    conversation_type,
    tenant_of,
    thread_of,
)
from bot.teams.replies import CARD_CONTENT_TYPE, CardAttachment
from dialogs.intents import ASSESS_DECISION, ASSESS_REFRESH, NOTICE_REFRESH, RETURN_REFRESH, SUBMIT_RETURN
from dialogs.returns_conversation import ReturnsConversation
from dialogs.turn import Participant
from notifications.actions import ALREADY_DECIDED_PREFIX, STAFF_ONLY, AlertActions
from notifications.payment_actions import ALREADY_RECORDED_PREFIX, STAFF_ONLY_PAYMENTS, PaymentActions

log = logging.getLogger(__name__)

# One handler per kind of request: (turn, the message read once, the caller resolved once).
Route = Callable[[TurnContext, "Message", Caller], Awaitable[None]]

TENANT_REFUSED = (
    "Sorry, this app is not available to your organisation. "
    "If you think it should be, ask your Teams administrator to contact the commissioning team."
)
UNSUPPORTED_INVOKE = "This bot does not handle that kind of request."
SYNC_STAFF_ONLY = "Only commissioning staff can sync the register. Ask your contract manager if something looks out of date."
SYNC_NOT_CONFIGURED = ("The register is not synced from Microsoft 365 here: an administrator sets REGISTER_SITE and "
                       "REGISTER_LIST (or REGISTER_WORKBOOK). Until then, the register is the last file imported.")
SYNC_PROBLEMS_SHOWN = 5
PUBLISH_STAFF_ONLY = "Only commissioning staff can publish the register. The published files are on the website."
PUBLISH_NOT_AVAILABLE = "Publishing is not set up on this bot. Run commissioning-bot publish instead."
WELCOME_REPEAT_SECONDS = 120
CARD_RESPONSE = CARD_CONTENT_TYPE
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
# Universal Actions the return cards carry: answered by the return dialogs, with a card in place.
RETURN_CARD_ACTIONS = (ASSESS_DECISION, ASSESS_REFRESH, SUBMIT_RETURN, RETURN_REFRESH, NOTICE_REFRESH)


def card_activity(card: dict[str, Any], *, text: str | None = None, summary: str | None = None) -> Activity:
    """A message carrying one Adaptive Card (and a line of text above it, when given).

    `summary` is register text (an answer's headline): escaped like card text.
    """
    from bot.cards import summary_text
    activity = MessageFactory.attachment(CardAttachment(card), text=text)
    if summary:
        activity.summary = summary_text(summary)
    return activity


def reply_activity(reply: Reply, today: date) -> Activity:
    """The message a user sees for a reply: an answer card or the help card."""
    from bot import cards

    if reply.answer is not None:
        options: dict[str, Any] = {"page": reply.page, "today": today}
        if reply.page_size:
            options["page_size"] = reply.page_size
        card = cards.answer_card(reply.answer, **options)
        return card_activity(card, text=reply.note or None, summary=reply.answer.headline)
    return card_activity(cards.help_card(reply.examples, staff=reply.staff), text=reply.note or None, summary="Help")


def sync_reply(report: SyncReport) -> str:
    """The sync's summary, and the first few items to fix when it was refused."""
    lines = [report.summary_line()]
    lines += [f"- {line}" for line in report.problems[:SYNC_PROBLEMS_SHOWN]]
    if len(report.problems) > SYNC_PROBLEMS_SHOWN:
        lines.append(f"Run `commissioning-bot sync` to see all {len(report.problems)} problems.")
    if report.payments is not None:
        lines.append(report.payments.summary_line())
        lines += [f"- {line}" for line in report.payments.problems[:SYNC_PROBLEMS_SHOWN]]
    return "\n\n".join(lines)


def welcome_activity() -> Activity:
    from bot import cards

    return card_activity(cards.welcome_card(), summary="Welcome")


def _execute_data(value: Any) -> dict[str, Any]:
    """The data of an `adaptiveCard/action` invoke's action, or {} when it has none."""
    action = value.get("action") if isinstance(value, dict) else None
    data = action.get("data") if isinstance(action, dict) else None
    return data if isinstance(data, dict) else {}


def participant_of_caller(caller: Caller) -> Participant:
    """The caller as the return dialogs know them: email, role and the providers they speak for."""
    return Participant(caller.email, caller.role.value, tuple(sorted(caller.providers)))


def first_line(error: BaseException) -> str:
    """An error's first line, at most 200 characters: a database error's later lines are the
    statement (and, were parameters not hidden, the values), which the log has no use for."""
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else ""


class CommissioningBot(TeamsActivityHandler):
    """Answers register questions in Teams for the people allowed to ask them."""

    def __init__(
        self,
        *,
        settings: Settings,
        local: bool,
        assistant: Assistant,
        directory: MemberDirectory,
        book: ConversationBook,
        returns: ReturnsConversation | None = None,
        alerts: AlertActions | None = None,
        register_sync: RegisterSyncer | None = None,
        publish: Callable[[], Awaitable[Any]] | None = None,
        payments: PaymentActions | None = None,
    ) -> None:
        super().__init__()
        self._publish = publish
        self._payments = payments
        self._register_sync = register_sync
        self._settings = settings
        self._local = local
        self._assistant = assistant
        self._directory = directory
        self._book = book
        self._returns = returns
        self._alerts = alerts
        self._welcomed = TtlCache(WELCOME_REPEAT_SECONDS)
        self._routes = self._message_routes()

    async def settle(self) -> None:
        """Finish what turns left running in the background (follow-up contexts being written)."""
        await self._assistant.settle()

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        tenant = tenant_of(activity)
        if not self._settings.tenant_allowed(tenant, local=self._local):
            log.warning("Refused a %s activity from tenant %r: not on the allow-list", activity.type, tenant or None)
            if activity.type == ActivityTypes.message and conversation_type(activity) == "personal":
                await turn_context.send_activity(TENANT_REFUSED)
            return
        await super().on_turn(turn_context)

    # --- messages -------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Read the message once, resolve the caller once, then hand it to the one route for its kind."""
        activity = turn_context.activity
        message = read_turn(
            activity.text,
            activity.value,
            conversation_type=conversation_type(activity),
            mentions=mentions_in(activity.entities),
            bot_id=activity.recipient.id if activity.recipient else "",
        )
        if isinstance(message.request, Ignore):
            return
        email = await self._directory.email_of_sender(turn_context)
        await self._remember(activity, email)
        caller = await self._assistant.caller(email)
        route = self._routes.get(type(message.request), self._converse)
        await route(turn_context, message, caller)

    def _message_routes(self) -> dict[type, Route]:
        """Request type → the one function that handles it; anything else is a conversation turn."""
        routes: dict[type, Route] = {SyncRegister: self._sync_register, PublishRegister: self._publish_register}
        if self._alerts is not None:
            routes.update({SnoozeAlert: self._snooze, DecideEnd: self._decide, ChannelCommand: self._choose_channel})
        if self._payments is not None:
            routes[RecordPayment] = self._record_payment
        return routes

    async def _record_payment(self, turn_context: TurnContext, message: Message, caller: Caller) -> None:
        """ "record payment for REF £AMOUNT paid DATE" or the alert card's form; staff is checked at the write."""
        assert self._payments is not None and isinstance(message.request, RecordPayment)
        action = message.request
        reply = await self._payments.record(action.reference, action.amount, action.paid, caller.email,
                                            staff=caller.is_staff, card_due=action.card_due)
        if action.card_due is not None and reply.startswith(ALREADY_RECORDED_PREFIX):
            standing = await self._payments.standing(action.reference, action.card_due)
            if standing is not None:
                reply = f"{reply} {payment_outcome_line(standing)}."
        await turn_context.send_activity(reply)

    async def _sync_register(self, turn_context: TurnContext, message: Message, caller: Caller) -> None:
        """ "sync the register": staff only; the reply is the sync's own summary (and what to fix)."""
        syncer = self._register_sync
        if not caller.is_staff:
            await turn_context.send_activity(SYNC_STAFF_ONLY)
            return
        if syncer is None or not syncer.configured:
            await turn_context.send_activity(SYNC_NOT_CONFIGURED)
            return
        await turn_context.send_activity(Activity(type=ActivityTypes.typing))
        report = await syncer.sync_now(actor=caller.email)
        await turn_context.send_activity(sync_reply(report))

    async def _publish_register(self, turn_context: TurnContext, message: Message, caller: Caller) -> None:
        """ "publish the register": staff only; a card with the counts, what blocks it, or where the files went."""
        from bot.cards.publication import publication_card

        if not caller.is_staff:
            await turn_context.send_activity(PUBLISH_STAFF_ONLY)
            return
        if self._publish is None:
            await turn_context.send_activity(PUBLISH_NOT_AVAILABLE)
            return
        await turn_context.send_activity(Activity(type=ActivityTypes.typing))
        outcome = await self._publish()
        card = publication_card(outcome)
        await turn_context.send_activity(card_activity(card, summary=card.get("fallbackText") or "Publication"))

    async def _snooze(self, turn_context: TurnContext, message: Message, caller: Caller) -> None:
        assert self._alerts is not None and isinstance(message.request, SnoozeAlert)
        action = message.request
        reply = await self._alerts.snooze(action.reference, action.rule, action.days, caller.email, staff=caller.is_staff)
        await turn_context.send_activity(reply)

    async def _decide(self, turn_context: TurnContext, message: Message, caller: Caller) -> None:
        assert self._alerts is not None and isinstance(message.request, DecideEnd)
        action = message.request
        reply = await self._alerts.decide(
            action.reference, action.decision, action.years, caller.email, staff=caller.is_staff,
            card_end=action.card_end, typed=action.typed, again=action.again,
        )
        await turn_context.send_activity(reply)

    async def _choose_channel(self, turn_context: TurnContext, message: Message, caller: Caller) -> None:
        """ "send alerts here" / "stop alerts here"; staff only."""
        assert self._alerts is not None and isinstance(message.request, ChannelCommand)
        activity = turn_context.activity
        reply = await self._alerts.choose_channel(
            activity.conversation.id, conversation_type(activity), message.request.on, staff=caller.is_staff
        )
        await turn_context.send_activity(reply)

    async def _converse(self, turn_context: TurnContext, message: Message, caller: Caller) -> None:
        """Monitoring returns first (a check-in or assessment intent, or a dialog already running), else the question."""
        if self._returns is not None:
            participant = participant_of_caller(caller)
            if await self._returns.handle(turn_context, participant, message.text, self._question_answerer(turn_context, caller)):
                return
        request = message.request
        if isinstance(request, (Ask, ShowHelp)):
            reply = await self._assistant.respond(request, caller, thread_of(turn_context.activity))
            await turn_context.send_activity(reply_activity(reply, self._assistant.today()))
        else:
            await turn_context.send_activity(request.message if isinstance(request, Refuse) else NOT_A_VALID_BUTTON)

    def _question_answerer(self, turn_context: TurnContext, caller: Caller) -> Callable[[str], Awaitable[bool]]:
        """For a register question typed mid-dialog: answered (True) only if the register understands it."""

        async def answer(question: str) -> bool:
            reply = await self._assistant.respond(Ask(question), caller)
            if reply.answer is None or not reply.answer.understood:
                return False
            await turn_context.send_activity(reply_activity(reply, self._assistant.today()))
            return True

        return answer

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """`Action.Execute` is the one invoke this bot answers; any other is the caller's mistake (400).

        The SDK's own routing is not used: it deserialises values it is never asked to read,
        and its error answers for a malformed `adaptiveCard/action` cannot be serialised (500).
        """
        if turn_context.activity.name == "adaptiveCard/action":
            return InvokeResponse(status=int(HTTPStatus.OK), body=await self._card_action(turn_context))
        return InvokeResponse(status=int(HTTPStatus.BAD_REQUEST), body={"error": UNSUPPORTED_INVOKE})

    async def _card_action(self, turn_context: TurnContext) -> dict[str, Any]:
        """`Action.Execute` (Universal Actions): the same buttons, answered with a card in place.

        The answer is a plain dict: the SDK's `AdaptiveCardInvokeResponse` types `value` as an
        object, so a message answer (a string) could not be serialised (trap 1 again).
        """
        email = await self._directory.email_of_sender(turn_context)
        await self._remember(turn_context.activity, email)
        data = _execute_data(turn_context.activity.value)
        if self._returns is not None and data.get("action") in RETURN_CARD_ACTIONS:
            return await self._return_card_action(turn_context, data, await self._assistant.caller(email))
        alert = read_alert_action(data) if self._alerts is not None else None
        if isinstance(alert, (DecideEnd, RefreshAlert)):
            return await self._alert_card_action(alert, data, await self._assistant.caller(email))
        if isinstance(alert, (RecordPayment, RefreshPayment)) and self._payments is not None:
            return await self._payment_card_action(alert, data, await self._assistant.caller(email))
        request = read_card_action(turn_context.activity.value)
        if isinstance(request, Refuse):
            return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": request.message}
        reply = await self._assistant.respond(request, await self._assistant.caller(email), thread_of(turn_context.activity))
        card = reply_activity(reply, self._assistant.today()).attachments[0].content
        return {"statusCode": 200, "type": CARD_RESPONSE, "value": card}

    async def _return_card_action(self, turn_context: TurnContext, data: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """Accept / Query on an assessment card, Submit on a return's summary, or Teams refreshing either.

        The card as it now stands: the form again with what to fix, or the decision or submission,
        which every viewer's refresh then shows instead of the buttons; a press on a card already
        acted on is refused and says what stands.
        """
        assert self._returns is not None
        reply = await self._returns.card_action(participant_of_caller(caller), data, turn_context)
        if reply.card is None:
            return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": reply.text}
        return {"statusCode": 200, "type": CARD_RESPONSE, "value": reply.card}

    async def _alert_card_action(self, alert: DecideEnd | RefreshAlert, data: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """A decision pressed on an alert card, or Teams refreshing one: answer with the card as it now stands.

        Whoever decides, every viewer's refresh shows the outcome in place of the buttons; a press on
        a card someone else already decided is refused (and not audited) and shows what they chose.
        """
        assert self._alerts is not None
        if not caller.is_staff:
            # Alert cards are staff cards: a refresh (or a forged id) must never show anyone else's alert.
            return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": STAFF_ONLY}
        item_id = data.get("id")
        entry = await self._alerts.alert(item_id) if isinstance(item_id, int) and not isinstance(item_id, bool) else None
        if entry is not None and entry.reference != alert.reference:
            entry = None  # an id that does not belong to this agreement's card: rebuild nothing from it
        note, reply = "", NOT_A_VALID_BUTTON
        if isinstance(alert, DecideEnd):
            reply = await self._alerts.decide(
                alert.reference, alert.decision, alert.years, caller.email, staff=caller.is_staff, card_end=alert.card_end
            )
            note = reply if reply.startswith(ALREADY_DECIDED_PREFIX) else ""
        standing = await self._alerts.standing(alert.reference, alert.card_end)
        if standing is not None:
            card = outcome_card(alert.reference, standing, entry, note=note)
        elif entry is not None and isinstance(alert, RefreshAlert):
            card = render_alert([entry])
        else:
            return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": reply}
        return {"statusCode": 200, "type": CARD_RESPONSE, "value": card}

    async def _payment_card_action(self, action: RecordPayment | RefreshPayment, data: dict[str, Any],
                                   caller: Caller) -> dict[str, Any]:
        """Record it pressed on a payment alert card, or Teams refreshing one: the card as it now stands.

        Once a payment is recorded against the card's instalment, every viewer's refresh shows it in
        place of the form, and a second press (or a stale copy) is refused with what was recorded.
        """
        assert self._payments is not None
        if isinstance(action, RecordPayment):
            # Staff is checked at the write: a provider's forged press records nothing.
            reply = await self._payments.record(action.reference, action.amount, action.paid, caller.email,
                                                staff=caller.is_staff, card_due=action.card_due)
            if not caller.is_staff or action.card_due is None:
                return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": reply}
        elif not caller.is_staff:
            # Payment alert cards are staff cards: a refresh must never show anyone else's payments.
            return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": STAFF_ONLY_PAYMENTS}
        else:
            reply = NOT_A_VALID_BUTTON
        item_id = data.get("id")
        entry = None
        if self._alerts is not None and isinstance(item_id, int) and not isinstance(item_id, bool):
            entry = await self._alerts.alert(item_id)
        if entry is not None and entry.reference != action.reference:
            entry = None  # an id that does not belong to this agreement's card: rebuild nothing from it
        standing = await self._payments.standing(action.reference, action.card_due) if action.card_due else None
        if standing is not None:
            note = reply if reply.startswith(ALREADY_RECORDED_PREFIX) else ""
            return {"statusCode": 200, "type": CARD_RESPONSE, "value": payment_outcome_card(standing, entry, note=note)}
        if entry is not None and isinstance(action, RefreshPayment):
            return {"statusCode": 200, "type": CARD_RESPONSE, "value": render_alert([entry])}
        return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": reply}

    # --- installs -------------------------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        email = await self._directory.email_of_sender(turn_context)
        await self._remember(turn_context.activity, email)
        if turn_context.activity.action == "add":
            await self._welcome(turn_context, email)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._forget(turn_context.activity)

    async def on_teams_members_added_dispatch(
        self, members_added: list[ChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        # Only the bot's own arrival matters; the SDK's default would look up every member.
        if self._is_bot_among(members_added, turn_context):
            await self._remember(turn_context.activity, "")
            await self._welcome(turn_context)

    async def on_teams_members_removed_dispatch(
        self, members_removed: list[ChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        if self._is_bot_among(members_removed, turn_context):
            await self._forget(turn_context.activity)

    # --- helpers --------------------------------------------------------------------------

    @staticmethod
    def _is_bot_among(members: list[ChannelAccount] | None, turn_context: TurnContext) -> bool:
        recipient = turn_context.activity.recipient
        return bool(recipient and any(member.id == recipient.id for member in members or ()))

    async def _welcome(self, turn_context: TurnContext, email: str = "") -> None:
        """One welcome per install: Teams sends both installationUpdate and conversationUpdate.

        A provider installing the app in their personal chat gets their own welcome (checking
        in, their agreements, the next return due); everyone else the register's.
        """
        conversation_id = turn_context.activity.conversation.id
        if self._welcomed.get(conversation_id):
            return
        self._welcomed.put(conversation_id, True)
        if email and self._returns is not None and conversation_type(turn_context.activity) == "personal":
            caller = await self._assistant.caller(email)
            card = await self._returns.provider_welcome(participant_of_caller(caller))
            if card is not None:
                await turn_context.send_activity(card_activity(card, summary="Welcome"))
                return
        await turn_context.send_activity(welcome_activity())

    async def _remember(self, activity: Activity, email: str) -> None:
        """Store the conversation for alerts; a database hiccup must not cost the user an answer."""
        try:
            await self._book.remember(conversation_record(activity, email))
        except Exception as error:  # noqa: BLE001 - logged, the turn goes on
            log.error("Could not store the conversation reference: %s: %s", type(error).__name__, first_line(error))

    async def _forget(self, activity: Activity) -> None:
        try:
            await self._book.forget(activity.conversation.id)
        except Exception as error:  # noqa: BLE001
            log.error("Could not mark the conversation as removed: %s: %s", type(error).__name__, first_line(error))
