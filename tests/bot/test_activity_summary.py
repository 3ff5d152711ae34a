"""An outgoing activity's `summary` (the notification and chat-list preview) carries register
text the way cards do: escaped, never Markdown, HTML or a mention."""

from __future__ import annotations

from dataclasses import replace

from card_samples import HOSTILE_PROVIDER, HOSTILE_TITLE, TODAY, hostile_answer
from test_cards_escaping import as_plain_paragraph, rendered

from bot.answering import Reply
from bot.cards.text import shorten
from bot.teams.handler import reply_activity
from bot.teams.proactive import card_message

HOSTILE_HEADLINE = f"The contact for {HOSTILE_TITLE} is {HOSTILE_PROVIDER}\nnew line {{{{DATE(2017-02-14T06:08:39Z)}}}}"


def test_an_answers_summary_is_escaped_like_card_text() -> None:
    """A headline holding a title like `<at>Everyone</at> **bold**` renders as the plain words."""
    answer = replace(hostile_answer(), headline=HOSTILE_HEADLINE)
    summary = reply_activity(Reply(answer=answer), TODAY).summary
    assert "<at>" not in summary and "<script>" not in summary and "{{" not in summary
    assert rendered(summary) == as_plain_paragraph(HOSTILE_HEADLINE)


def test_a_proactive_cards_summary_is_escaped_and_short() -> None:
    """Alert and digest cards' fallback text becomes the summary: escaped, at most 200 characters."""
    summary = card_message({"type": "AdaptiveCard", "body": [], "fallbackText": HOSTILE_HEADLINE * 5}).summary
    assert "<at>" not in summary and "<script>" not in summary
    assert rendered(summary) == as_plain_paragraph(shorten(HOSTILE_HEADLINE * 5, 200))
