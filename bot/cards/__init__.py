"""Adaptive Cards for the bot, built from plain data (`domain.answers.Answer`, `Agreement`).

`answer_card` is the one entry point for answers; the other functions build the cards
that are not answers. Every card is a dict at schema 1.5 using only 1.2 elements, stays
under `MAX_CARD_BYTES`, and shows register text exactly as typed (see `bot.cards.text.literal_runs`).

May import: `bot.requests` (button data), `domain`, `storage`, `dialogs` (question texts) — never botbuilder.
"""

from bot.cards.agreement import agreement_card
from bot.cards.answers import DEFAULT_PAGE_SIZE, answer_card, answer_text, list_card, page_count
from bot.cards.elements import CARD_VERSION, MAX_CARD_BYTES, size_in_bytes
from bot.cards.messages import help_card, not_understood_card, welcome_card
from bot.cards.text import EXAMPLE_QUESTIONS, summary_text

__all__ = [
    "CARD_VERSION",
    "DEFAULT_PAGE_SIZE",
    "EXAMPLE_QUESTIONS",
    "MAX_CARD_BYTES",
    "agreement_card",
    "answer_card",
    "answer_text",
    "summary_text",
    "help_card",
    "list_card",
    "not_understood_card",
    "page_count",
    "size_in_bytes",
    "welcome_card",
]
