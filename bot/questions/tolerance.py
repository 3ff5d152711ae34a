"""Tolerant reading, strict meaning: greetings dropped, typos in the question's own words mended.

People type "hi bot, whcih grants are endng this quater?". The engine's patterns read exact
words, so before a question is read its greetings and politeness are dropped and each ordinary
word that is not one the engine knows is mended to the one vocabulary word it is a slip of
(rapidfuzz's optimal string alignment distance: one slip in a short word, two in a long one).

A word is never mended when two vocabulary words are equally near (that would be a guess
between two meanings), when it is at least as near a word of the register's own names (names
have their own loose matching in `bot.questions.names`), or when it is part of a reference,
an email address or a number. Every mending is reported, so the answer can say what it read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

# A greeting at the start, with whoever is greeted: "hi bot,", "hiya,", "good morning team -".
GREETING = re.compile(
    r"^\s*(?:(?:hi|hiya|hello|hey|heya|hallo|howdy|morning|afternoon|evening|good (?:morning|afternoon|evening|day)|greetings)"
    r"(?:\s+(?:there|all|everyone|team|folks|bot|commissioning bot|register bot|mate))*\s*[,!.:;–—-]*(?:\s+|$))+",
    re.IGNORECASE,
)
# Politeness anywhere: it changes nothing about the answer.
POLITENESS = re.compile(
    r"\b(?:please|pls|plz|thanks|thank you|thankyou|thx|ta|cheers|many thanks|if you (?:can|could|would)|if possible)\b[,!.]*",
    re.IGNORECASE,
)
# Ordinary words: letters only, not touching a digit, hyphen, @, dot or slash (references, emails, dates).
WORD = re.compile(r"(?<![\w@./-])[a-z]+(?:'[a-z]+)?(?![\w@/-]|\.\w)")
SHORTEST_MENDED = 5


@dataclass(frozen=True)
class Mended:
    """A question with its slips mended, and what was read as what."""

    text: str
    corrections: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        """`read “whcih” as “which”, “endng” as “ending”`, or "" when nothing was mended."""
        if not self.corrections:
            return ""
        return "read " + ", ".join(f"“{said}” as “{meant}”" for said, meant in self.corrections)


def without_courtesy(question: str) -> str:
    """The question without a greeting at the start or politeness anywhere."""
    text = GREETING.sub("", question, count=1)
    text = POLITENESS.sub(" ", text)
    return " ".join(text.split())


class Mender:
    """Mends slips in ordinary words against the engine's vocabulary and a register's names."""

    def __init__(self, vocabulary: Iterable[str], name_words: Iterable[str]) -> None:
        self.vocabulary = sorted({w for w in vocabulary if w.isalpha()})
        self._known = frozenset(self.vocabulary)
        self.name_words = sorted({w for w in name_words if w.isalpha()} - self._known)
        self._names = frozenset(self.name_words)

    def mend(self, lowered: str) -> Mended:
        """`lowered` (the lower-cased question) with each slip replaced by the word it means."""
        corrections: list[tuple[str, str]] = []

        def replace(match: re.Match[str]) -> str:
            said = match.group(0)
            meant = self.meant(said)
            if meant is None:
                return said
            corrections.append((said, meant))
            return meant

        text = WORD.sub(replace, lowered)
        return Mended(text, tuple(dict.fromkeys(corrections)))

    def meant(self, said: str) -> str | None:
        """The one vocabulary word `said` is a slip of, or None."""
        if len(said) < SHORTEST_MENDED or said in self._known or said in self._names or "'" in said:
            return None
        limit = 1 if len(said) <= 5 else 2
        found = process.extract(said, self.vocabulary, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not found:
            return None
        best = min(distance for _word, distance, _index in found)
        nearest = [word for word, distance, _index in found if distance == best]
        if len(nearest) != 1:
            return None  # two words equally near: a guess between two meanings
        if self.name_words and process.extractOne(said, self.name_words, scorer=OSA.distance, score_cutoff=best):
            return None  # as near a register name: leave it to the loose name matching
        return nearest[0]
