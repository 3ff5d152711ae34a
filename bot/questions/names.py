"""Loose matching of the names people say to the names the register holds.

People say "CSF", "the MoJ grant", "LCPF", "VRU", "southwak" and "Safer London"; the
register holds "Commissioner's Safety Fund", "Ministry of Justice victims grant",
"London Borough of Southwark" and so on. A `Vocabulary` is built from the register's own
values (providers, funding streams, areas, categories) with the aliases people use —
acronyms, distinctive prefixes, council names without "London Borough of" — and finds
them in a question with rapidfuzz, tolerating small typos but never guessing at short
words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from domain.agreement import Agreement

FIELDS: tuple[str, ...] = ("area", "funding_stream", "category", "provider")
STOPWORDS = frozenset(
    "a an and the of for in on to by with from at our we do does is are be it its this that".split()
)
# Words that make a name generic rather than distinctive.
GENERIC = frozenset("fund grant grants funding unit service services the of and board boards".split())
# Words too common in organisation names to pick one out on their own.
COMMON_ORG_WORDS = frozenset(
    """london borough council trust centre center services service support network partnership
    charity foundation group project community communities women womens youth young people victim
    victims witness care safe safer association society limited ltd cic alliance national city
    county district royal united first new centre centres crisis rape domestic abuse violence
    sexual justice action advice hub house futures""".split()
)
COUNCIL_PREFIXES = ("london borough of ", "royal borough of ", "city of ", "borough of ")
COUNCIL_SUFFIXES = (" council", " borough council", " city council", " county council")


def normalise(text: str) -> str:
    """Lower case, `&` as "and", apostrophes dropped, other punctuation as spaces."""
    text = text.lower().replace("&", " and ")
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^a-z0-9@.]+", " ", text)
    text = text.replace(".", " ")
    return re.sub(r"\s+", " ", text).strip()


def tokens(text: str) -> list[str]:
    return normalise(text).split()


@dataclass(frozen=True)
class Hit:
    """A name found in a question: which register values it means and where it was."""

    field: str
    values: frozenset[str]
    start: int  # token index
    end: int  # token index, exclusive
    said: str
    score: float


@dataclass(frozen=True)
class _Alias:
    field: str
    value: str
    text: str
    exact_only: bool


def _aliases_for(field: str, value: str) -> set[tuple[str, bool]]:
    """(alias text, exact-only) pairs for one register value."""
    full = normalise(value)
    if not full:
        return set()
    found: set[tuple[str, bool]] = {(full, len(full) <= 4)}
    words = full.split()
    for prefix in COUNCIL_PREFIXES:
        if full.startswith(prefix):
            place = full[len(prefix):]
            found.add((place, len(place) <= 4))
            found.add((f"{place} council", False))
    for suffix in COUNCIL_SUFFIXES:
        if full.endswith(suffix):
            found.add((full[: -len(suffix)], False))
    if len(words) >= 2:
        found.add(("".join(w[0] for w in words), True))
        content = [w for w in words if w not in STOPWORDS]
        if len(content) >= 2:
            found.add(("".join(w[0] for w in content), True))
        # "Ministry of Justice victims grant" → "ministry of justice", "moj"
        for size in range(2, len(words)):
            head = words[:size]
            if head[-1] in STOPWORDS or sum(w not in STOPWORDS for w in head) < 2:
                continue
            found.add((" ".join(head), False))
            found.add(("".join(w[0] for w in head), True))
        trimmed = [w for w in words if w not in GENERIC]
        if 2 <= len(trimmed) < len(words):
            found.add((" ".join(trimmed), False))
    if field == "area":
        found.add((full.replace("pan ", "pan"), False))
    return {(text, exact) for text, exact in found if len(text) >= 2}


def _typed(text: str) -> str:
    """A pattern for a normalised name as lower-cased text may hold it: "womens" also as "women's"."""

    def word(w: str) -> str:
        return "(?:and|&)" if w == "and" else "['’`]?".join(re.escape(c) for c in w)

    return "[^a-z0-9&]+".join(word(w) for w in text.split())


def _distinctive_provider_words(providers: Iterable[str]) -> list[tuple[str, str]]:
    """(provider, word) for words that name exactly one provider: "Rivermead" → Rivermead Rape Crisis Centre."""
    owners: dict[str, set[str]] = defaultdict(set)
    for provider in providers:
        for word in set(normalise(provider).split()):
            if len(word) >= 5 and word not in COMMON_ORG_WORDS and word not in STOPWORDS and word not in GENERIC:
                owners[word].add(provider)
    return [(next(iter(names)), word) for word, names in owners.items() if len(names) == 1]


def _without_absorbed_words(candidates: list[Hit], words: Sequence[str | None], filler: frozenset[str]) -> list[Hit]:
    """Drop near matches that only come from an exact name with neighbouring words absorbed."""
    exact = [hit for hit in candidates if hit.score >= 100]
    kept: list[Hit] = []
    for hit in candidates:
        if hit.score < 100 and _absorbs(hit, exact, words, filler):
            continue
        kept.append(hit)
    return kept


def _absorbs(hit: Hit, exact: Sequence[Hit], words: Sequence[str | None], filler: frozenset[str]) -> bool:
    inside = [e for e in exact if hit.start <= e.start and e.end <= hit.end and (e.end - e.start) < (hit.end - hit.start)]
    if not inside:
        return False
    covered = {index for e in inside for index in range(e.start, e.end)}
    rest = [index for index in range(hit.start, hit.end) if index not in covered]
    return all(words[index] in filler or words[index] in STOPWORDS for index in rest)


class Vocabulary:
    """Every name in the register, with aliases, for finding names in questions."""

    def __init__(self, register: Iterable[Agreement]) -> None:
        values: dict[str, set[str]] = defaultdict(set)
        for agreement in register:
            for field in FIELDS:
                value = getattr(agreement, field)
                if value:
                    values[field].add(value)
        counts: dict[tuple[str, str], set[str]] = defaultdict(set)
        for field, names in values.items():
            for value in names:
                for text, _ in _aliases_for(field, value):
                    counts[(field, text)].add(value)
        taken = {text for (_field, text) in counts}
        for value, word in _distinctive_provider_words(values.get("provider", set())):
            if word not in taken:
                counts[("provider", word)].add(value)
        self._aliases: list[_Alias] = []
        for (field, text), owners in counts.items():
            if field == "provider" and len(text.split()) == 1 and text not in taken and len(owners) == 1:
                self._aliases.append(_Alias(field, next(iter(owners)), text, False))
        for field, names in values.items():
            for value in names:
                for text, exact in _aliases_for(field, value):
                    # A prefix or acronym shared by several values of one field stays only
                    # when it is some value's full name.
                    if len(counts[(field, text)]) > 1 and text != normalise(value):
                        continue
                    self._aliases.append(_Alias(field, value, text, exact))
        self._exact: dict[str, list[_Alias]] = defaultdict(list)
        self._fuzzy_texts: dict[int, list[str]] = defaultdict(list)
        self._fuzzy_aliases: dict[int, list[_Alias]] = defaultdict(list)
        for alias in self._aliases:
            self._exact[alias.text].append(alias)
            if not (alias.exact_only or len(alias.text) <= 4):
                self._fuzzy_texts[len(alias.text.split())].append(alias.text)
                self._fuzzy_aliases[len(alias.text.split())].append(alias)
        self._longest = max((len(a.text.split()) for a in self._aliases), default=0)
        self.values = {field: frozenset(names) for field, names in values.items()}

    def find(
        self, words: Sequence[str | None], reserved: frozenset[str] = frozenset(), filler: frozenset[str] = frozenset()
    ) -> list[Hit]:
        """Names in `words` (None marks a word already used); longest, best matches first.

        A window containing a `reserved` word (kind or intent words) only matches a name
        exactly, so "grants" is never read as a typo of a provider. A near match that is an
        exact name plus words that are `filler` or other exact names is not a typo but two
        things said side by side: "Charnwood through" is the area and a filler word, never
        "Charnwood Borough"; "MoJ domestic abuse" is a stream and a category.
        """
        candidates: list[Hit] = []
        longest = self._longest
        for size in range(min(longest + 1, len(words)), 0, -1):
            for start in range(0, len(words) - size + 1):
                window = words[start : start + size]
                if any(word is None for word in window):
                    continue
                if window[0] in STOPWORDS or window[-1] in STOPWORDS:
                    continue
                said = " ".join(window)  # type: ignore[arg-type]
                has_reserved = any(word in reserved for word in window)
                hit = self._best(said, size, start, exact_only=has_reserved)
                if hit:
                    candidates.append(hit)
        candidates = _without_absorbed_words(candidates, words, filler)
        candidates.sort(key=lambda h: (-(h.end - h.start), -h.score, h.start))
        chosen: list[Hit] = []
        used: set[int] = set()
        for hit in candidates:
            span = set(range(hit.start, hit.end))
            if span & used:
                continue
            same = [c for c in candidates if (c.start, c.end) == (hit.start, hit.end) and c.score == hit.score]
            chosen.extend(same)
            used |= span
        return chosen

    def _scored(self, said: str, exact_only: bool) -> list[tuple[float, _Alias]]:
        """Aliases that `said` names: exactly, or within a small typo for longer names."""
        found = [(100.0, alias) for alias in self._exact.get(said, ())]
        if exact_only:
            return found
        size = len(said.split())
        # A name of as many words as were said, or one more ("saferlondon" for Safer London), never one
        # fewer: "Safer London kangaroo" or "Violence volcano Reduction Unit" would read a word that is
        # not in the name into it, and the question would be answered as if it had not been said.
        for length in (size, size + 1):
            texts = self._fuzzy_texts.get(length)
            if not texts:
                continue
            for _text, score, index in process.extract(
                said, texts, scorer=fuzz.ratio, score_cutoff=85, limit=None
            ):
                alias = self._fuzzy_aliases[length][index]
                if score >= (90 if len(alias.text) <= 8 else 85) and score < 100:
                    found.append((score, alias))
        return found

    def _best(self, said: str, size: int, start: int, exact_only: bool) -> Hit | None:
        best: dict[str, tuple[float, set[str]]] = {}
        for score, alias in self._scored(said, exact_only):
            current = best.get(alias.field)
            if current is None or score > current[0]:
                best[alias.field] = (score, {alias.value})
            elif score == current[0]:
                current[1].add(alias.value)
        if not best:
            return None
        # One hit per field; the caller chooses between fields by context.
        field, (score, values) = max(best.items(), key=lambda item: (item[1][0], -FIELDS.index(item[0])))
        return Hit(field, frozenset(values), start, start + size, said, score)

    def phrases(self) -> re.Pattern[str] | None:
        """The register's names of two or more words as a question may type them (any case, with
        apostrophes, `&` for "and", any punctuation between words), longest first.

        The engine keeps these from the date, money and cue readers, so the words of a name are
        read as the name: "Best Start Trust" holds the date word "start".
        """
        texts = sorted({a.text for a in self._aliases if len(a.text.split()) >= 2}, key=len, reverse=True)
        if not texts:
            return None
        return re.compile(r"(?<![a-z0-9])(?:" + "|".join(_typed(text) for text in texts) + r")(?![a-z0-9])")

    def all_fields_for(self, said: str) -> dict[str, frozenset[str]]:
        """Every field in which `said` names something (best matches), for choosing by context."""
        best: dict[str, tuple[float, frozenset[str]]] = {}
        for score, alias in self._scored(said, exact_only=False):
            current = best.get(alias.field)
            if current is None or score > current[0]:
                best[alias.field] = (score, frozenset({alias.value}))
            elif score == current[0]:
                best[alias.field] = (score, current[1] | {alias.value})
        return {field: values for field, (_, values) in best.items()}
