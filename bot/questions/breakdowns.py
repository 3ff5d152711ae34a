"""Reading the breakdown in a question: "per provider", "by funding stream", "in each borough".

A breakdown groups the answer (`domain/breakdowns.py`); this module only finds which grouping the
question asks for and takes its words out of the reading. A grouping the register cannot give
("per quarter", "by contract manager", "a breakdown" with nothing to break it down by) is refused
in words that say what can be grouped, never answered as one flat total.
"""

from __future__ import annotations

import re

from bot.questions.reading import NotUnderstood, Reading

# The words for each grouping the engine can give, longest first within each.
GROUP_WORDS: dict[str, str] = {
    "funding_stream": r"funding streams?|funding sources?|sources? of funding|streams?|funds|fund|funders?|pots?",
    "category": r"service categor(?:y|ies)|service types?|types? of service|categor(?:y|ies)|themes?",
    "kind": r"kinds? of agreements?|agreement types?|types? of agreements?|kinds?|types?",
    "provider": r"providers?|suppliers?|organi[sz]ations?|orgs?|charit(?:y|ies)|recipients?|grantees?",
    "area": r"local authorit(?:y|ies)|areas?|boroughs?|councils?|districts?|places?|locations?",
    "month": r"calendar months?|months?",
}
_ANY_GROUP = "|".join(f"(?P<{name}>{words})" for name, words in GROUP_WORDS.items())
_INTRO = r"(?:per|by|for each|in each|for every|in every|each|every|broken down by|split by|grouped by|group(?:ed)? by|breakdown by|across each)"
GROUPING = re.compile(rf"\b{_INTRO}\s+(?:of\s+(?:the|our)\s+)?(?:single\s+)?(?:{_ANY_GROUP})\b")
GROUP_BEFORE_BREAKDOWN = re.compile(rf"\b(?:{_ANY_GROUP})\s+(?:breakdown|split)\b")
# "a breakdown of", "broken down", "split up": words that only ask for a grouping.
BREAKDOWN_WORDS = re.compile(r"\b(?:(?:give me |show me )?(?:a |the )?(?:breakdown|split)(?: of)?|broken down|split up|grouped|in groups)\b")
# Groupings people ask for that the register cannot give, after any word that introduces one.
UNSUPPORTED = re.compile(
    rf"\b(?:{_INTRO})\s+(?:of\s+(?:the|our)\s+)?(?P<what>(?:financial |calendar )?(?:quarters?|years?|weeks?|days?|annum)"
    r"|(?:contract )?managers?|officers?|commissioners?|contacts?|status(?:es)?|values?|kpis?|outcomes?|wards?"
    r"|postcodes?|regions?|references?|projects?|project codes?)\b(?!\s+end)"
)
# After "per", "for each" or "in each", any word names a grouping: one the engine lacks is refused.
OTHER_AFTER_EACH = re.compile(r"\b(?:per|for each|in each|for every|in every|broken down by|split by|grouped by|breakdown by)\s+(?P<what>[a-z][a-z'-]*)")

GROUPS_WE_GIVE = "provider, funding stream, area, category, kind or month"
CANNOT_GROUP = (
    "I can break an answer down by " + GROUPS_WE_GIVE + ", but not by “{what}”. "
    "Try “total value by provider” or “how much do we fund in each borough?”."
)
SAY_WHAT_TO_GROUP_BY = (
    "Say what to break it down by: " + GROUPS_WE_GIVE + ". For example “total value by funding stream”."
)
_ARTICLES = frozenset({"the", "a", "an", "single", "of", "one", "them"})


def take_breakdown(reading: Reading) -> str | None:
    """The grouping the question asks for (`provider`, `funding_stream`, … `month`), or None.

    Raises `NotUnderstood` for a grouping the engine cannot give, and for two different groupings
    in one question ("by provider and by month"), rather than silently choosing one.
    """
    unsupported = UNSUPPORTED.search(reading.text)
    if unsupported:
        raise NotUnderstood(CANNOT_GROUP.format(what=unsupported.group("what")))
    found: list[str] = []
    for pattern in (GROUPING, GROUP_BEFORE_BREAKDOWN):
        for match in reading.take(pattern):
            found.extend(name for name, said in match.groupdict().items() if said)
    asks_for_one = bool(reading.take(BREAKDOWN_WORDS))
    if not found:
        other = OTHER_AFTER_EACH.search(reading.text)
        if other and other.group("what") not in _ARTICLES:
            raise NotUnderstood(CANNOT_GROUP.format(what=other.group("what")))
        if asks_for_one:
            raise NotUnderstood(SAY_WHAT_TO_GROUP_BY)
        return None
    if len(set(found)) > 1:
        raise NotUnderstood(
            "I can break an answer down one way at a time: ask for one of "
            + ", ".join(sorted({name.replace("_", " ") for name in found}))
            + "."
        )
    return found[0]


def mentions_breakdown(text: str) -> bool:
    """True when `text` (lower case) asks for any grouping, one we give or not."""
    return bool(
        GROUPING.search(text) or GROUP_BEFORE_BREAKDOWN.search(text) or UNSUPPORTED.search(text) or BREAKDOWN_WORDS.search(text)
    )
