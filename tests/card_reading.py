"""Reading a card's JSON the way a person reads the rendered card: its texts and fact rows.

Cards put every text in the TextRuns of a RichTextBlock (`bot.cards.elements.rich`), so tests
read a block's text as its runs joined, exactly as the renderer shows it, with nothing to unescape.
"""

from __future__ import annotations

from typing import Any

from bot.cards.elements import FACT_WIDTHS


def block_text(block: dict[str, Any]) -> str:
    """What one RichTextBlock (or a TextBlock in a hand-made card) shows."""
    if block.get("type") == "RichTextBlock":
        return "".join(run.get("text", "") for run in block.get("inlines", ()))
    return str(block.get("text", ""))


def texts(node: object, *, with_buttons: bool = False) -> list[str]:
    """Every text block's text in reading order (button titles too when asked); never submit data."""
    found: list[str] = []
    if isinstance(node, dict):
        kind = str(node.get("type", ""))
        if kind in ("RichTextBlock", "TextBlock"):
            found.append(block_text(node))
        if with_buttons and kind.startswith("Action.") and "title" in node:
            found.append(node["title"])
        for key, value in node.items():
            if key not in ("data", "inlines"):
                found.extend(texts(value, with_buttons=with_buttons))
    elif isinstance(node, list):
        for item in node:
            found.extend(texts(item, with_buttons=with_buttons))
    return found


def fact_rows(node: object) -> list[tuple[str, str]]:
    """The (title, value) rows of every fact list (`bot.cards.elements.facts`) in the card, in order."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        cols = node.get("columns") if node.get("type") == "ColumnSet" else None
        if cols and tuple(c.get("width") for c in cols) == FACT_WIDTHS:
            title, value = (" ".join(texts(c["items"])) for c in cols)
            found.append((title, value))
            return found
        for key, value in node.items():
            if key != "data":
                found.extend(fact_rows(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(fact_rows(item))
    return found


def facts_of(node: object) -> dict[str, str]:
    """Fact rows as a mapping of title to value (the last wins when a title repeats)."""
    return dict(fact_rows(node))
