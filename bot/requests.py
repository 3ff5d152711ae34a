"""What a user asked for, read from a Teams message activity's text, mentions and card data.

Plain functions of plain values, so every rule here is tested without a bot:
- in a channel or group chat the bot answers only when @mentioned, and the mention text
  (`<at>Commissioning</at>`) is removed before the question is read;
- `help`, `?` or an empty mention show the help card;
- a card's `Action.Submit` arrives with no text (TEAMS-NOTES trap 6) and its data in `value`
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
from typing import Any

MAX_QUESTION_CHARS = 500
MAX_PAGE = 1000
MAX_PAGE_SIZE = 50
HELP_WORDS = frozenset({"help", "?", "/help", "menu", "commands", "what can you do", "what can you do?"})
PERSONAL = "personal"

NOT_A_VALID_BUTTON = "That button is no longer valid. Please ask your question again."
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


Request = Ask | ShowHelp | Ignore | Refuse


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


def read_card_submit(value: Mapping[str, Any]) -> Request:
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
    return Ask(question, page, page_size)


def _whole_number_between(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
