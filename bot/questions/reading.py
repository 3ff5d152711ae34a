"""Taking a question apart: the pieces `bot/questions/engine.py` reads, one kind at a time.

A `Reading` is the lower-cased question with every phrase already understood blanked
out, so each step sees only what is left and whatever remains at the end is what was not
understood. Each `take_*` function reads one kind of phrase (money limits, cue phrases,
kind words) and returns what it found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from bot.questions.fields import FIELD_CUES, SIGNED_CUES
from bot.questions.words import (
    ASPECT_CUES,
    DATA_QUALITY_CUES,
    DATE_FIELD_CUES,
    EXTENSION_CUES,
    INTENT_CUES,
    KIND_WORDS,
    MONEY_PATTERNS,
    STATE_CUES,
    STATUS_CUES,
)
from domain.values import ValueNotUnderstood, parse_money


@dataclass
class Reading:
    """The question as it is taken apart: what is still unread, and what was found."""

    text: str
    found: dict[str, object] = field(default_factory=dict)

    def take(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Every match of `pattern` in the unread text; the matched text is then read."""
        matches = list(pattern.finditer(self.text))
        for match in matches:
            self.blank(match.span())
        return matches

    def blank(self, span: tuple[int, int]) -> None:
        start, end = span
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]


class NotUnderstood(Exception):
    """The question cannot be answered without guessing; the message says why."""


class NeedsChoice(NotUnderstood):
    """A phrase has more than one reading the rules do not settle; the person picks one.

    `choices` are (button title, the question asked again with that reading's exact dates).
    """

    def __init__(self, message: str, choices: tuple[tuple[str, str], ...]) -> None:
        super().__init__(message)
        self.choices = choices


def lower(question: str) -> str:
    text = question.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text)


def take_money(reading: Reading) -> dict[str, tuple[Decimal, bool]]:
    """Value limits: {"min": (amount, inclusive), "max": (amount, inclusive)}."""
    limits: dict[str, tuple[Decimal, bool]] = {}
    for pattern, bounds in MONEY_PATTERNS:
        for match in reading.take(pattern):
            for group, (side, inclusive) in bounds.items():
                try:
                    amount = parse_money(match.group(group).replace(" ", ""))
                except ValueNotUnderstood:
                    raise NotUnderstood(f"I couldn't read “{match.group(group)}” as an amount of money.") from None
                if amount is not None:
                    limits[side] = (amount, inclusive)
    if "min" in limits and "max" in limits and limits["min"][0] > limits["max"][0]:
        raise NotUnderstood("The lower amount is above the upper one; check the amounts and ask again.")
    return limits


def take_cues(reading: Reading) -> dict[str, object]:
    """Phrases that set the intent, the date field, extensions, data quality and status."""
    # Order matters: each phrase found is read, so "no end date" must go before "end".
    # Data quality goes first so "a generic contact email" is not read as "contact email".
    # Signed statuses go before data quality so "not signed by either party" is not "not signed".
    flags: dict[str, object] = {}
    signed = taken(reading, SIGNED_CUES)
    if signed:
        flags["signed"] = frozenset(str(value) for value in signed)
    codes = taken(reading, DATA_QUALITY_CUES)
    if codes:
        flags["data_quality"] = True
    flags["problem_codes"] = frozenset(code for code in codes if code)
    found = taken(reading, FIELD_CUES) or taken(reading, ASPECT_CUES)
    if found:
        flags["aspect"] = found[0]  # the cue listed first wins: lists run most specific first
    for flag, cues in (("extension", EXTENSION_CUES), ("intent", INTENT_CUES)):
        found = taken(reading, cues)
        if found:
            flags[flag] = found[0]
    statuses = taken(reading, STATUS_CUES)
    if statuses:
        flags["statuses"] = frozenset({"active", "draft", "terminated"}) if "all" in statuses else frozenset(statuses)
    for flag, cues in (("state", STATE_CUES), ("date_field", DATE_FIELD_CUES)):
        found = taken(reading, cues)
        if found:
            flags[flag] = found[0]
    flags["anchor"] = any(flags.get(name) for name in ("aspect", "extension", "intent", "state", "date_field",
                                                       "data_quality", "statuses", "signed"))
    return flags


def taken(reading: Reading, cues: Sequence[tuple[str | None, re.Pattern[str]]]) -> list[str | None]:
    """The names of every cue found in the question, in list order; each found phrase is read."""
    return [name for name, pattern in cues if reading.take(pattern)]


def take_kinds(words: list[str | None]) -> frozenset[str]:
    kinds: set[str] = set()
    for index, word in enumerate(words):
        if word in KIND_WORDS:
            kind = KIND_WORDS[word]
            if kind:
                kinds.add(kind)
            words[index] = None
    return frozenset(kinds)
