"""Small builders for Adaptive Card JSON, kept to elements mobile Teams renders (1.2).

Every card is schema version 1.5 (what Teams renders) but uses only RichTextBlock, TextRun,
ColumnSet, Column, Container and Action.Submit/OpenUrl, so the essential content shows on
clients that understand only 1.2. Text is never a TextBlock or FactSet: those read Markdown,
and register text must show exactly as typed (see `bot.cards.text.literal_runs`). Cards are
plain dicts, ready for `CardFactory.adaptive_card(card)`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.cards.text import line_runs, literal_runs, shorten

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
    shortened here and otherwise kept as typed, so references read in the JSON as in the register.
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
        result["fallbackText"] = " ".join(literal_runs(shorten(fallback_text, 200))).strip()
    return result


# RichTextBlock properties; every other style (size, weight, color, isSubtle…) styles its TextRuns.
_BLOCK_STYLES = frozenset({"spacing", "separator", "horizontalAlignment", "isVisible", "id", "height"})
Part = str | tuple[str, Mapping[str, Any]]
BOLD: Mapping[str, Any] = {"weight": "Bolder"}


def text(value: object, **style: Any) -> Element:
    """Text shown exactly as written (register text, what people typed, our own words), wrapped."""
    return _block([{"type": "TextRun", "text": piece, **_run_style(style)} for piece in line_runs(value)], style)


def rich(parts: Sequence[Part], **style: Any) -> Element:
    """One RichTextBlock of `parts` in order; a part is text, or `(text, run style)` such as bold.

    `style` sets the block's spacing and alignment and every run's size, weight and colour. No
    part is read as Markdown, HTML or a mention, so nothing is escaped (`literal_runs`).
    """
    shared = _run_style(style)
    inlines: list[Element] = []
    for part in parts:
        value, own = (part, {}) if isinstance(part, str) else part
        inlines.extend({"type": "TextRun", "text": piece, **shared, **own} for piece in literal_runs(value))
    return _block(inlines, style)


def _run_style(style: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in style.items() if key not in _BLOCK_STYLES}


def _block(inlines: list[Element], style: Mapping[str, Any]) -> Element:
    return {"type": "RichTextBlock", "inlines": inlines, **{key: value for key, value in style.items() if key in _BLOCK_STYLES}}


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


# Title and value columns of a fact row, the same in every row so they line up like a FactSet.
FACT_WIDTHS = (35, 65)


def facts(pairs: Sequence[tuple[str, str]]) -> Element:
    """Title and value rows that read like a FactSet, with both as literal text.

    Not a FactSet: Teams reads fact titles and values as Markdown.
    """
    rows = [
        columns([column([text(title, weight="Bolder")], FACT_WIDTHS[0]), column([text(value)], FACT_WIDTHS[1])], spacing="None")
        for title, value in pairs
    ]
    return container(rows, spacing="Small")


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
