"""What a user asked for, read from a Teams message activity's text, mentions and card data.

Plain functions of plain values, so every rule here is tested without a bot:
- in a channel or group chat the bot answers only when @mentioned, and the mention text
  (`<at>Commissioning</at>`) is removed before the question is read;
- `help`, `?` or an empty mention show the help card;
- a card's `Action.Submit` arrives with no text (docs/teams-sdk.md trap 6) and its data in `value`
  (a messageBack button has text too, and no mention even in a channel):
  `{"action": "show_more", "question": …, "page": N, "page_size": n}` pages through a long
  answer and `{"action": "ask", "question": …}` asks an example question; anything else is
  refused politely, never guessed at.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.alerts import DECISIONS, EXTEND, LET_END, RECOMMISSION, RULES
from notifications.actions import channel_command

MAX_QUESTION_CHARS = 500
MAX_PAGE = 1000
MAX_PAGE_SIZE = 50
HELP_WORDS = frozenset({"help", "?", "/help", "menu", "commands", "what can you do", "what can you do?"})
PERSONAL = "personal"

NOT_A_VALID_BUTTON = "That button is no longer valid. Please ask your question again."
EXTEND_IN_YEARS = (
    "Extensions are whole years, as the register's options are: type \"extend {reference} by 1 year\", "
    "or \"extend {reference}\" for its next option."
)
QUESTION_TOO_LONG = f"That question is too long for me. Please ask it in under {MAX_QUESTION_CHARS} characters."

_AT_TAG = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Ask:
    """Answer `question`, showing page `page` (0 is the first) of a long answer.

    `page_size` comes from a "Show more" button: the card that made it may have used
    fewer rows per page than usual to stay under Teams' size limit.
    """

    question: str
    page: int = 0
    page_size: int | None = None


@dataclass(frozen=True)
class ShowHelp:
    """Show the help card."""


@dataclass(frozen=True)
class Ignore:
    """Say nothing: channel chatter that did not mention the bot."""


@dataclass(frozen=True)
class Refuse:
    """Reply with this message and do nothing else (a forged or stale card button, say)."""

    message: str


# Alert card button data (written by `bot.cards.alerts`, read back here).
ACTION_SNOOZE = "alert_snooze"
ACTION_DECIDE = "alert_decide"
ACTION_START_RETURN = "start_return"
# An alert card's `refresh` (Universal Actions): Teams asks for the card as it stands now.
ACTION_REFRESH = "alert_refresh"
SNOOZE_DAYS = 7


@dataclass(frozen=True)
class SnoozeAlert:
    """An alert card's Snooze button: quiet this alert for `days`."""

    reference: str
    rule: str
    days: int = SNOOZE_DAYS


@dataclass(frozen=True)
class DecideEnd:
    """An alert card's Extend / Re-commission / Let it end button."""

    reference: str
    decision: str
    years: int | None = None
    # The end date the card's alert was about: a press on an out-of-date card changes nothing.
    card_end: date | None = None
    # Typed ("extend GR-2025-016 by 1 year"): about the agreement's end date as it stands now;
    # `again` ("extend GR-2025-016 again") when a decision was made about it in the last day.
    typed: bool = False
    again: bool = False


@dataclass(frozen=True)
class RefreshAlert:
    """Teams refreshing an alert card: show what was decided, or the card as it was (outbox item `item_id`)."""

    reference: str
    card_end: date | None
    item_id: int | None = None


@dataclass(frozen=True)
class StartReturn:
    """A provider's "Start my return" button; the returns conversation acts on it."""

    reference: str


@dataclass(frozen=True)
class ChannelCommand:
    """ "send alerts here" (`on`) or "stop alerts here" in a channel or chat."""

    on: bool


@dataclass(frozen=True)
class SyncRegister:
    """ "sync the register": staff ask for the Microsoft 365 register to be read now."""


_SYNC_REGISTER = re.compile(
    r"^(?:please\s+)?(?:sync|re-?sync|refresh|reload|update)\s+(?:the\s+)?register(?:\s+(?:now|from\s+sharepoint|"
    r"from\s+microsoft\s+365|from\s+the\s+list))?(?:\s+please)?\s*[.!]?$",
    re.IGNORECASE,
)


def sync_command(text: str | None) -> bool:
    """True for "sync the register" and its everyday variants ("refresh the register now")."""
    return bool(_SYNC_REGISTER.match(" ".join((text or "").split())))


@dataclass(frozen=True)
class PublishRegister:
    """ "publish the register": staff ask for the last completed quarter to be published now."""


_PUBLISH_REGISTER = re.compile(
    r"^(?:please\s+)?publish\s+(?:the\s+)?(?:register|quarter|open\s+data)(?:\s+(?:now|for\s+(?:the\s+)?last\s+quarter))?"
    r"(?:\s+please)?\s*[.!]?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RecordPayment:
    """ "record payment for GR-2025-016 £12,500 paid 3 Dec", or the overdue alert card's form: staff record money out.

    Amount and date stay as typed; the use case reads them (it knows today) and checks the role.
    """

    reference: str
    amount: str
    paid: str
    # The instalment due date the alert card is about: a press on a card whose instalment is
    # already paid is refused rather than paying twice. None when typed.
    card_due: date | None = None


@dataclass(frozen=True)
class RefreshPayment:
    """Teams refreshing a payment alert card: show what was recorded, or the card as it was (outbox item `item_id`)."""

    reference: str
    card_due: date | None
    item_id: int | None = None


ACTION_RECORD_PAYMENT = "record_payment"
ACTION_PAYMENT_REFRESH = "payment_refresh"
_RECORD_PAYMENT = re.compile(
    r"^(?:please\s+)?record\s+(?:a\s+)?payment\s+(?:for|on|against|to)\s+(?P<reference>[\w/-]+)\s+"
    r"(?:of\s+)?(?P<amount>£?\s?[\d,]+(?:\.\d{1,2})?\s?[km]?)\s*(?:(?:paid|made)\s+)?(?:on\s+)?(?P<paid>[\w/ .-]*?)\s*[.!]?$",
    re.IGNORECASE,
)


# A reference as people type it: letters, digits, `-`, `/`, `.` or `_`, with at least one digit,
# so "extend options" or "let it end" is never read as a reference.
_REFERENCE = r"(?P<reference>(?=[\w/.-]*\d)[\w][\w/.-]*?)"
_PLEASE = r"(?:please\s+)?"
_END_OF_COMMAND = r"(?P<again>\s+again)?(?:\s+please)?\s*[.!]?$"
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_EXTEND = re.compile(
    _PLEASE + r"extend\s+" + _REFERENCE
    + r"(?:\s+(?:by|for)\s+(?:(?P<years>\d{1,2}|a|an|one|two|three|four|five)\s+(?:more\s+)?years?"
    r"|(?P<months>\d{2,3})\s+months?))?" + _END_OF_COMMAND,
    re.IGNORECASE,
)
_RECOMMISSION = re.compile(
    _PLEASE + r"(?:re-?\s?commission|re-?\s?tender|re-?\s?procure)\s+" + _REFERENCE + _END_OF_COMMAND, re.IGNORECASE,
)
_LET_END = re.compile(
    _PLEASE + r"let\s+" + _REFERENCE + r"\s+(?:end|expire|lapse|run\s+out|finish)(?:\s+on\s+its\s+end\s+date)?"
    + _END_OF_COMMAND,
    re.IGNORECASE,
)


def decision_command(text: str | None) -> DecideEnd | Refuse | None:
    """A typed end decision: "extend GR-2025-016 by 1 year", "re-commission GR-2025-016",
    "let GR-2025-016 end". None for anything else; a period that is not whole years is refused.

    Extending with no period uses the agreement's next unused option (the card's Extend button).
    """
    words = " ".join((text or "").split())
    if match := _EXTEND.match(words):
        again = bool(match.group("again"))
        years: int | None = None
        if match.group("years"):
            spoken = match.group("years").lower()
            years = _NUMBER_WORDS[spoken] if spoken in _NUMBER_WORDS else int(spoken)
        elif match.group("months"):
            months = int(match.group("months"))
            if months % 12:
                return Refuse(EXTEND_IN_YEARS.format(reference=match.group("reference").upper()))
            years = months // 12
        if years is not None and not 1 <= years <= 10:
            return Refuse(EXTEND_IN_YEARS.format(reference=match.group("reference").upper()))
        return DecideEnd(match.group("reference").upper(), EXTEND, years, typed=True, again=again)
    for pattern, decision in ((_RECOMMISSION, RECOMMISSION), (_LET_END, LET_END)):
        if match := pattern.match(words):
            return DecideEnd(match.group("reference").upper(), decision, typed=True, again=bool(match.group("again")))
    return None


def publish_command(text: str | None) -> bool:
    """True for "publish the register" and its everyday variants ("please publish the register now")."""
    return bool(_PUBLISH_REGISTER.match(" ".join((text or "").split())))


def payment_command(text: str | None) -> RecordPayment | None:
    """The typed "record payment for REF £AMOUNT paid DATE" (date optional: today), else None."""
    match = _RECORD_PAYMENT.match(" ".join((text or "").split()))
    if not match:
        return None
    return RecordPayment(match.group("reference").upper(), match.group("amount").replace(" ", ""), match.group("paid").strip())


AlertAction = SnoozeAlert | DecideEnd | StartReturn | RecordPayment | RefreshAlert | RefreshPayment
Request = Ask | ShowHelp | Ignore | Refuse | SnoozeAlert | DecideEnd | ChannelCommand | SyncRegister | PublishRegister | RecordPayment


@dataclass(frozen=True)
class Message:
    """One message activity, read once: what it asks for, and its text without the bot's mention.

    `text` is None for a card button with no text; the returns conversation reads it as the
    answer to the question it is asking, so it is kept even when `request` is a question.
    """

    request: Request
    text: str | None


@dataclass(frozen=True)
class MentionInfo:
    """A mention entity's `mentioned.id` and the literal text it occupies in the message."""

    mentioned_id: str
    text: str


def mentions_in(entities: Iterable[Any] | None) -> list[MentionInfo]:
    """Mention entities from an activity's `entities` (SDK `Entity` objects or plain dicts)."""
    found: list[MentionInfo] = []
    for entity in entities or ():
        data: Mapping[str, Any]
        if isinstance(entity, Mapping):
            data = entity
        else:
            data = {"type": getattr(entity, "type", None), **(getattr(entity, "additional_properties", None) or {})}
        if str(data.get("type") or "").lower() != "mention":
            continue
        mentioned = data.get("mentioned") or {}
        if isinstance(mentioned, Mapping) and mentioned.get("id"):
            found.append(MentionInfo(str(mentioned["id"]), str(data.get("text") or "")))
    return found


def strip_bot_mention(text: str, mentions: Iterable[MentionInfo], bot_id: str) -> tuple[str, bool]:
    """The text without the bot's mention, and whether the bot was mentioned at all.

    Other people's mentions keep their names (as plain text) so the question still reads.
    """
    mentioned = False
    for mention in mentions:
        if mention.mentioned_id == bot_id:
            mentioned = True
            if mention.text:
                text = text.replace(mention.text, " ")
    text = _AT_TAG.sub(lambda m: _TAGS.sub("", m.group(0)), text) if mentioned else text
    return text, mentioned


def clean_question(text: str) -> str:
    """Collapse whitespace and decode HTML entities Teams may leave in plain text (`&amp;`)."""
    return " ".join(html.unescape(_TAGS.sub(" ", text)).split())


def read_message(
    text: str | None,
    value: Any,
    *,
    conversation_type: str | None,
    mentions: Iterable[MentionInfo] = (),
    bot_id: str = "",
) -> Request:
    """What this message asks the bot to do."""
    if isinstance(value, Mapping) and ("action" in value or not (text or "").strip()):
        # A card button: a plain submit has no text, a messageBack has text and data alike;
        # neither carries an @mention, even in a channel.
        return read_card_submit(value)
    if value is not None and not (text or "").strip():
        return Refuse(NOT_A_VALID_BUTTON)
    raw = text or ""
    personal = (conversation_type or PERSONAL) == PERSONAL
    raw, mentioned = strip_bot_mention(raw, list(mentions), bot_id)
    if not personal and not mentioned:
        return Ignore()
    question = clean_question(raw)
    if not question or question.lower() in HELP_WORDS:
        return ShowHelp()
    if len(question) > MAX_QUESTION_CHARS:
        return Refuse(QUESTION_TOO_LONG)
    return Ask(question)


def read_card_submit(value: Mapping[str, Any]) -> Ask | ShowHelp | Refuse:
    """A card button's data; anything not made by our cards is refused, never guessed at."""
    action = value.get("action")
    question = value.get("question")
    if action == "help":
        return ShowHelp()
    if action not in ("show_more", "ask") or not isinstance(question, str):
        return Refuse(NOT_A_VALID_BUTTON)
    question = clean_question(question)
    if not question or len(question) > MAX_QUESTION_CHARS:
        return Refuse(NOT_A_VALID_BUTTON)
    if action == "ask":
        return ShowHelp() if question.lower() in HELP_WORDS else Ask(question)
    page = value.get("page")
    page_size = value.get("page_size")
    if not _whole_number_between(page, 0, MAX_PAGE):
        return Refuse(NOT_A_VALID_BUTTON)
    if page_size is not None and not _whole_number_between(page_size, 1, MAX_PAGE_SIZE):
        return Refuse(NOT_A_VALID_BUTTON)
    return Ask(question, int(page or 0), page_size)


def read_card_action(value: Any) -> Ask | ShowHelp | Refuse:
    """An `adaptiveCard/action` invoke's value (`{"action": {"data": {...}}}`), read like a card submit.

    Anything else — a string, a list, null, an action or data that is not an object — is a
    button our cards never made: refused in words, never a server error.
    """
    action = value.get("action") if isinstance(value, Mapping) else None
    data = action.get("data") if isinstance(action, Mapping) else None
    return read_card_submit(data) if isinstance(data, Mapping) else Refuse(NOT_A_VALID_BUTTON)


def _whole_number_between(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def read_turn(
    text: str | None,
    value: Any,
    *,
    conversation_type: str | None,
    mentions: Iterable[MentionInfo] = (),
    bot_id: str = "",
) -> Message:
    """The message read once for the whole turn: alert buttons, channel commands, questions."""
    mentions = list(mentions)
    request = read_message(text, value, conversation_type=conversation_type, mentions=mentions, bot_id=bot_id)
    cleaned = clean_question(strip_bot_mention(text, mentions, bot_id)[0]) if text else None
    if isinstance(request, Ignore):
        return Message(request, cleaned)
    alert = read_alert_action(value)
    if isinstance(alert, (SnoozeAlert, DecideEnd, RecordPayment)):
        return Message(alert, cleaned)
    command = channel_command(cleaned) if cleaned is not None else None
    if command is not None:
        return Message(ChannelCommand(command), cleaned)
    if sync_command(cleaned):
        return Message(SyncRegister(), cleaned)
    if publish_command(cleaned):
        return Message(PublishRegister(), cleaned)
    payment = payment_command(cleaned)
    if payment is not None:
        return Message(payment, cleaned)
    decision = decision_command(cleaned)
    if decision is not None:
        return Message(decision, cleaned)
    return Message(request, cleaned)


def read_alert_action(value: Any) -> AlertAction | None:
    """The alert button pressed, from `activity.value`; None when it is not one of ours or is malformed."""
    if not isinstance(value, Mapping):
        return None
    action, reference = value.get("action"), value.get("reference")
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 100:
        return None
    reference = reference.strip()
    if action == ACTION_SNOOZE:
        rule = value.get("rule")
        return SnoozeAlert(reference, rule) if rule in RULES else None
    if action == ACTION_DECIDE:
        decision = value.get("decision")
        years = value.get("years")
        if decision not in DECISIONS:
            return None
        if years is not None and (not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 10):
            return None
        card_end = value.get("end")
        if card_end is None:
            return DecideEnd(reference, decision, years)
        try:
            return DecideEnd(reference, decision, years, date.fromisoformat(card_end)) if isinstance(card_end, str) else None
        except ValueError:
            return None
    if action == ACTION_START_RETURN:
        return StartReturn(reference)
    if action == ACTION_RECORD_PAYMENT:
        amount, paid = value.get("amount"), value.get("paid", "")
        if not isinstance(amount, str) or not isinstance(paid, str) or len(amount) > 30 or len(paid) > 30:
            return None
        card_due = _card_end(value.get("due"))
        if card_due is False:
            return None
        return RecordPayment(reference, amount.strip(), paid.strip(), card_due if isinstance(card_due, date) else None)
    if action == ACTION_PAYMENT_REFRESH:
        item_id = value.get("id")
        if item_id is not None and not _whole_number_between(item_id, 1, 2**62):
            return None
        card_due = _card_end(value.get("due"))
        if card_due is False:
            return None
        return RefreshPayment(reference, card_due if isinstance(card_due, date) else None, item_id)
    if action == ACTION_REFRESH:
        item_id = value.get("id")
        if item_id is not None and not _whole_number_between(item_id, 1, 2**62):
            return None
        card_end = _card_end(value.get("end"))
        if card_end is False:
            return None
        return RefreshAlert(reference, card_end if isinstance(card_end, date) else None, item_id)
    return None


def _card_end(value: Any) -> date | None | bool:
    """A card's `end` (ISO date) as a date, None when absent, False when it is not a date."""
    if value is None:
        return None
    if not isinstance(value, str):
        return False
    try:
        return date.fromisoformat(value)
    except ValueError:
        return False
