"""Small builders for Adaptive Card JSON, kept to elements mobile Teams renders (1.2).

Every card is schema version 1.5 (what Teams renders) but uses only TextBlock, ColumnSet,
Column, FactSet, Container and Action.Submit/OpenUrl, so the essential content shows on
clients that understand only 1.2. Cards are plain dicts, ready for
`CardFactory.adaptive_card(card)`.
"""

from __future__ import annotations

import json
from typing import Any

CARD_VERSION = "1.5"
# Teams counts a bot message as the whole activity encoded in UTF-16 and refuses it (413
# MessageSizeTooBig) above about 100 KB; 80 KB is its advice. A card may use that less the
# envelope around it (ids, addresses, summary, text), for which `ACTIVITY_HEADROOM` is kept.
MAX_ACTIVITY_BYTES = 80 * 1024
ACTIVITY_HEADROOM = 4 * 1024
MAX_CARD_BYTES = MAX_ACTIVITY_BYTES - ACTIVITY_HEADROOM

Element = dict[str, Any]


def card(body: list[Element], actions: list[Element] | None = None, *, fallback_text: str = "") -> Element:
    """A full-width Adaptive Card at the schema version Teams renders.

    `fallback_text` is raw text (shown by clients that cannot render the card); it is
    shortened and escaped here.
    """
    result: Element = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        result["actions"] = actions
    if fallback_text:
        from bot.cards.text import safe

        result["fallbackText"] = safe(fallback_text, 200)
    return result


def text(value: str, **style: Any) -> Element:
    """A wrapping TextBlock; `value` must already be escaped if it holds register text."""
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def heading(value: str) -> Element:
    return text(value, size="Medium", weight="Bolder")


def subtle(value: str, **style: Any) -> Element:
    return text(value, isSubtle=True, **style)


def column(items: list[Element], width: str | int = "stretch", **style: Any) -> Element:
    return {"type": "Column", "width": width, "items": items, **style}


def columns(cols: list[Element], **style: Any) -> Element:
    return {"type": "ColumnSet", "columns": cols, **style}


def container(items: list[Element], **style: Any) -> Element:
    return {"type": "Container", "items": items, **style}


def facts(pairs: list[tuple[str, str]]) -> Element:
    """A FactSet; titles and values must already be escaped."""
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in pairs]}


def ask_button(question: str, title: str | None = None) -> Element:
    """A button that asks `question` as if the user had typed it.

    Teams sends a messageBack: the chat shows the question as the user's message, the bot
    receives it as `activity.text`, and `activity.value` carries the same data for clients
    that send a plain submit.
    """
    data = {"action": "ask", "question": question}
    return {
        "type": "Action.Submit",
        "title": title or question,
        "data": {
            **data,
            "msteams": {"type": "messageBack", "displayText": question, "text": question, "value": data},
        },
    }


def button_list(buttons: list[Element], **style: Any) -> Element:
    """Buttons stacked one per line, so long questions are never cut off side by side."""
    return container([{"type": "ActionSet", "actions": [button]} for button in buttons], **style)


def submit(title: str, data: dict[str, Any]) -> Element:
    return {"type": "Action.Submit", "title": title, "data": data}


def execute(title: str, data: dict[str, Any]) -> Element:
    """A Universal Actions button (`Action.Execute`, answered by invoke with a card in place),
    falling back to the same `Action.Submit` for clients that predate Universal Actions."""
    return {"type": "Action.Execute", "title": title, "verb": str(data.get("action", "")), "data": data,
            "fallback": submit(title, data)}


def size_in_bytes(value: Any) -> int:
    """Bytes as Teams counts them: the JSON encoded in UTF-16, two bytes a character.

    Counted on the JSON as the SDK posts it (non-ASCII as `\\u` escapes), which is never smaller
    than the text itself, so a card that fits here fits however Teams decodes it.
    """
    return 2 * len(json.dumps(value, ensure_ascii=True, separators=(",", ":")))


def fits(value: Element) -> bool:
    return size_in_bytes(value) <= MAX_CARD_BYTES
