"""Example questions that name this register's own agreements, providers and areas.

A help card that suggests "who is the contact for OPCC-2023-014?" to a team whose register has no
such agreement teaches people that the bot does not work. `examples_for` picks, deterministically
(the same register always gives the same examples), a real reference, the provider and the area
with the most live agreements, and the kind there is most of, and builds the questions from them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.questions.names import COUNCIL_PREFIXES
from domain.agreement import Agreement
from domain.query import KIND_PLURALS

# Questions that name nothing in particular, for an empty register and to fill the list.
GENERAL: tuple[str, ...] = (
    "which grants expire this quarter?",
    "how many contracts end in the next 90 days?",
    "which agreements have extension options left?",
    "data quality problems",
)
KIND_ORDER = ("grant", "contract", "partnership")


def _most_common(values: Sequence[str]) -> str | None:
    """The value said most often; ties go to the first in alphabetical order."""
    counts = Counter(v for v in values if v and v.strip())
    if not counts:
        return None
    return min(counts, key=lambda value: (-counts[value], value.lower(), value))


def _short_place(area: str) -> str:
    """"London Borough of Southwark" → "Southwark": how people say it (the names index knows both)."""
    for prefix in COUNCIL_PREFIXES:
        if area.lower().startswith(prefix) and len(area) > len(prefix):
            return area[len(prefix):]
    return area


def examples_for(register: Sequence[Agreement]) -> tuple[str, ...]:
    """Example questions about `register`, naming its own reference, provider and area.

    Live (active) agreements are preferred, so an example never names only a terminated or draft
    one; with no agreements at all the examples name nothing.
    """
    live = [a for a in register if a.status == "active"] or list(register)
    if not live:
        return GENERAL
    kinds = Counter(a.kind for a in live)
    kind = min(kinds, key=lambda k: (-kinds[k], KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER), k))
    questions = [f"which {KIND_PLURALS.get(kind, 'agreements')} expire this quarter?"]
    area = _most_common([a.area or "" for a in live])
    if area:
        questions.append(f"what do we fund in {_short_place(area)}?")
    with_contact = sorted((a for a in live if a.contact_name or a.contact_email), key=lambda a: a.reference)
    named = with_contact[0] if with_contact else min(live, key=lambda a: a.reference)
    questions.append(f"who is the contact for {named.reference}?")
    provider = _most_common([a.provider or "" for a in live])
    if provider:
        questions.append(f"what do we fund with {provider}?")
    questions.extend(q for q in GENERAL[1:])
    return tuple(dict.fromkeys(questions))
