"""Register text is shown exactly as typed: never Markdown, HTML, mentions or date functions.

Cards carry text only in the TextRuns of RichTextBlocks, which Adaptive Card renderers never read
as Markdown, so the JSON holds register text exactly as the register does: no backslashes, no
entities (`GR-2024-015`, not `GR\\-2024\\-015`, which Teams mobile shows with its backslashes).
tests/browser/test_card_rendering.py checks the same cards in the official renderer.

The activity `summary` is a plain string outside the card and is still escaped; its check
renders it with a CommonMark renderer (markdown-it, HTML allowed, GFM tables and strikethrough
on), which is stricter than Teams' Markdown subset.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from card_reading import block_text, facts_of, texts
from card_samples import (
    HOSTILE_NOTES,
    HOSTILE_PROVIDER,
    HOSTILE_TITLE,
    LITERAL_PROVIDER,
    LITERAL_REFERENCE,
    LITERAL_TEXTS,
    LITERAL_TITLE,
    TODAY,
    agreement,
    hostile_answer,
    sample_cards,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bot.cards import agreement_card, answer_card, not_understood_card
from bot.cards.elements import rich, text
from bot.cards.text import escape_text

RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
HOSTILE_TEXTS = (HOSTILE_TITLE, HOSTILE_PROVIDER, HOSTILE_NOTES, "OPCC-**7**")


def rendered(markdown: str) -> str:
    return RENDERER.render(markdown)


def as_typed(value: str) -> str:
    """`value` as a card line shows it: control characters dropped, whitespace runs as one space."""
    return " ".join("".join(c for c in value if unicodedata.category(c) != "Cc" or c.isspace()).split())


def as_plain_paragraph(value: str) -> str:
    """What a Markdown renderer outputs for `value` shown literally (whitespace runs as one space)."""
    normalised = as_typed(value)
    if not normalised:
        return ""
    escaped = normalised.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return f"<p>{escaped}</p>\n"


def element_types(node: object) -> set[str]:
    """Every element type in the card, submit data aside."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            found.add(node["type"])
        for key, value in node.items():
            if key != "data":
                found |= element_types(value)
    elif isinstance(node, list):
        for item in node:
            found |= element_types(item)
    return found


def run_texts(node: object) -> list[str]:
    """The text of every TextRun in the card."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextRun":
            found.append(node["text"])
        for key, value in node.items():
            if key != "data":
                found.extend(run_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(run_texts(item))
    return found


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
@example("GR-2024-015")
@example("**bold**")
@example("[click](http://evil)")
@example("<at>Everyone</at>")
@example("1. first")
@example("R&D &amp; &#42;")
@example("trailing backslash \\")
@example("{{DATE(2017-02-14T06:08:39Z, SHORT)}}")
@example("{{{TIME(2017-02-14T06:08:39Z)}}}")
@example("a \x1b b\x00c\nd")
def test_any_text_becomes_runs_that_read_exactly_as_typed(value: str) -> None:
    """The runs of a text block join to the very characters typed; no run can form a date function."""
    block = text(value)
    assert block["type"] == "RichTextBlock"
    assert block_text(block) == as_typed(value)
    assert all("{{" not in run["text"] for run in block["inlines"])


def test_a_bold_reference_and_its_title_are_two_runs_of_one_line() -> None:
    """Mixed styles are separate runs, each holding its text as typed."""
    block = rich([(LITERAL_REFERENCE, {"weight": "Bolder"}), f" {LITERAL_TITLE}"], spacing="Small", isSubtle=True)
    assert block["spacing"] == "Small"
    assert block["inlines"] == [
        {"type": "TextRun", "text": LITERAL_REFERENCE, "isSubtle": True, "weight": "Bolder"},
        {"type": "TextRun", "text": f" {LITERAL_TITLE}", "isSubtle": True},
    ]


@pytest.mark.parametrize("name", sorted(sample_cards()))
def test_no_card_has_text_a_renderer_reads_as_markdown(name: str) -> None:
    """TextBlock and FactSet text is Markdown in Teams; no card uses either, so nothing needs escaping."""
    card = sample_cards()[name]
    assert not element_types(card) & {"TextBlock", "FactSet"}
    for block_or_run in run_texts(card):
        assert "\\-" not in block_or_run and "&amp;" not in block_or_run and "&lt;" not in block_or_run


@pytest.mark.parametrize("value", LITERAL_TEXTS)
def test_register_text_is_in_the_card_json_exactly_as_in_the_register(value: str) -> None:
    """`GR-2024-015`, `(`, `&`, `*`, `_`, a leading `1.` or `-`, and `<at>`: one list cell each, as typed."""
    listed = answer_card(hostile_answer(), today=TODAY)
    assert value in run_texts(listed)
    assert json.dumps(value, ensure_ascii=False) in json.dumps(listed, ensure_ascii=False)  # "GR-2024-015", quoted
    one = agreement_card(hostile_answer().matches[1], TODAY)
    assert any(value in run for run in run_texts(one))


def test_the_reference_reads_as_typed_in_every_place_a_card_names_it() -> None:
    """Heading, fact rows, fallback text: never a backslash before the hyphens."""
    card = agreement_card(agreement(8, reference=LITERAL_REFERENCE, title=LITERAL_TITLE, provider=LITERAL_PROVIDER), TODAY)
    raw = json.dumps(card, ensure_ascii=False)
    assert "GR\\\\-2024" not in raw and "\\\\" not in raw
    assert card["fallbackText"].startswith(f"{LITERAL_REFERENCE}: {LITERAL_TITLE}")
    assert facts_of(card)["Provider"] == LITERAL_PROVIDER
    assert f"{LITERAL_REFERENCE} · Grant" in texts(card)


def test_mentions_are_never_made_from_register_text() -> None:
    """Teams mentions only `<at>` text with a mention entity; no card carries one, so `<at>` stays words."""
    cards = [
        answer_card(hostile_answer(), today=TODAY),
        agreement_card(hostile_answer().matches[0], TODAY),
        not_understood_card(hostile_answer()),
    ]
    for card in cards:
        raw = json.dumps(card, ensure_ascii=False)
        assert "entities" not in raw and '"mention"' not in raw
        assert "<at>Everyone</at>" in " ".join(run_texts(card))


def test_hostile_register_text_reads_back_literally() -> None:
    """The title, provider and notes appear character for character in the agreement card."""
    shown = "\n".join(texts(agreement_card(hostile_answer().matches[0], TODAY)))
    for value in HOSTILE_TEXTS:
        assert as_typed(value) in shown


def test_a_date_function_in_register_text_is_split_so_it_is_never_expanded() -> None:
    """The renderer expands `{{DATE(...)}}` inside one run; the card splits it between the braces."""
    runs = run_texts(agreement_card(hostile_answer().matches[0], TODAY))
    assert not any("{{DATE" in run for run in runs)
    assert as_typed("Notes: " + HOSTILE_NOTES) in "\n".join(texts(agreement_card(hostile_answer().matches[0], TODAY)))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
@example("**bold**")
@example("[click](http://evil)")
@example("<at>Everyone</at>")
@example("1. first")
@example("12) twelfth")
@example("- item")
@example("# heading")
@example("`code`")
@example("a | b\n--|--\nc | d")
@example("&amp; &#42; &copy;")
@example("![img](http://evil/x.png)")
@example("\\*already escaped\\*")
@example("    indented code")
@example("line one\nline two\n===")
@example("a \x1b b\x00c")
def test_an_escaped_summary_renders_as_exactly_the_text_typed(value: str) -> None:
    """The activity summary (outside the card) renders to one plain paragraph with the same characters."""
    assert rendered(escape_text(value)) == as_plain_paragraph(value)
