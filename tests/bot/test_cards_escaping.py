"""Register text is shown exactly as typed: never Markdown, HTML, mentions or date functions.

The check renders escaped text with a CommonMark renderer (markdown-it, HTML allowed, GFM
tables and strikethrough on), which is stricter than Teams' Markdown subset: whatever it
shows as plain text, Teams shows as plain text too.
"""

from __future__ import annotations

import html
import json
import unicodedata

import pytest
from card_samples import HOSTILE_NOTES, HOSTILE_PROVIDER, HOSTILE_TITLE, TODAY, hostile_answer
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bot.cards import agreement_card, answer_card, escape_text, not_understood_card

RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def rendered(markdown: str) -> str:
    return RENDERER.render(markdown)


def as_plain_paragraph(text: str) -> str:
    """What a renderer outputs for `text` shown literally (whitespace runs as one space)."""
    normalised = " ".join("".join(c for c in text if unicodedata.category(c) != "Cc" or c.isspace()).split())
    if not normalised:
        return ""
    escaped = normalised.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return f"<p>{escaped}</p>\n"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
@example("**bold**")
@example("[click](http://evil)")
@example("<at>Everyone</at>")
@example("1. first")
@example("12) twelfth")
@example("- item")
@example("+ item")
@example("# heading")
@example("> quote")
@example("`code`")
@example("~~struck~~")
@example("a | b\n--|--\nc | d")
@example("***")
@example("&amp; &#42; &copy;")
@example("<http://example.org>")
@example("![img](http://evil/x.png)")
@example("[ref]: http://evil")
@example("trailing backslash \\")
@example("\\*already escaped\\*")
@example("_under_score_")
@example("    indented code")
@example("line one\nline two\n===")
@example("a \x1b b\x00c")
def test_escaped_text_renders_as_exactly_the_text_typed(text: str) -> None:
    """For any text, the rendered escape is one plain paragraph with the same characters."""
    assert rendered(escape_text(text)) == as_plain_paragraph(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<at>Everyone</at>", "&lt;at&gt;Everyone&lt;/at&gt;"),
        ("[click](http://evil)", "\\[click\\]\\(http://evil\\)"),
        ("**bold**", "\\*\\*bold\\*\\*"),
        ("1. not a list", "1\\. not a list"),
        ("R&D", "R&amp;D"),
        ("{{DATE(2017-02-14T06:08:39Z, SHORT)}}", "\\{\\{DATE\\(2017\\-02\\-14T06:08:39Z, SHORT\\)\\}\\}"),
        ("plain words, 100% fine.", "plain words, 100% fine."),
    ],
)
def test_escape_text_examples(text: str, expected: str) -> None:
    """The escapes people will see in the card JSON."""
    assert escape_text(text) == expected


def test_mentions_are_never_left_as_at_tags_in_any_card() -> None:
    """No card built from hostile register text contains a raw `<at>` a client could act on."""
    cards = [
        answer_card(hostile_answer(), today=TODAY),
        agreement_card(hostile_answer().matches[0], TODAY),
        not_understood_card(hostile_answer()),
    ]
    for card in cards:
        raw = json.dumps(card, ensure_ascii=False)
        assert "<at>" not in raw and "<script>" not in raw
        assert "**" not in raw and "](http" not in raw


def test_every_text_in_a_hostile_card_renders_as_plain_text() -> None:
    """Each TextBlock and fact of the card renders to a paragraph with no markup tags."""
    for card in (answer_card(hostile_answer(), today=TODAY), agreement_card(hostile_answer().matches[0], TODAY)):
        for value in _texts(card):
            output = rendered(value)
            assert output.startswith("<p>") and output.count("<") == 2, (value, output)


def test_hostile_register_text_reads_back_literally() -> None:
    """The title, provider and notes appear character for character once rendered."""
    card = agreement_card(hostile_answer().matches[0], TODAY)
    shown = "\n".join(html.unescape(rendered(value)) for value in _texts(card))
    assert " ".join(HOSTILE_TITLE.split()) in shown
    assert " ".join(HOSTILE_PROVIDER.split()) in shown
    assert " ".join(HOSTILE_NOTES.split()) in shown


def _texts(node: object) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            found.append(node["text"])
        for fact in node.get("facts", ()):
            found.extend([fact["title"], fact["value"]])
        for key, value in node.items():
            if key not in ("facts", "data"):
                found.extend(_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_texts(item))
    return found
