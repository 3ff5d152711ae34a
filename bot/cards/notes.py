"""The extra notes under an answer or a message: a few lines shown, the rest counted.

Shared by answer and message cards, so neither has to import the other.
"""

from __future__ import annotations

from bot.cards import text as words
from bot.cards.elements import Element, subtle, text
from bot.cards.text import shorten

MAX_DETAILS = 10
_LINE_LIMIT = 600


def detail_lines(details: tuple[str, ...]) -> list[Element]:
    """The answer's extra notes, at most `MAX_DETAILS` of them, the rest counted."""
    lines = [text(shorten(detail, _LINE_LIMIT), spacing="Small") for detail in details[:MAX_DETAILS]]
    if len(details) > MAX_DETAILS:
        lines.append(subtle(words.MORE_NOTES.format(count=len(details) - MAX_DETAILS), spacing="None"))
    return lines
