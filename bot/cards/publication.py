"""The card staff get after "publish the register": counts, what blocks publication, or where the files went.

Problems are listed with the agreement each comes from and what to fix, so the register can be
corrected and the command typed again; a long list is cut short with the CLI command that shows
all of it.
"""

from __future__ import annotations

from typing import Any

from bot.cards.elements import Element, card, container, facts, heading, subtle, text
from bot.cards.text import plural, shorten

PUBLISHED = "{label} published"
REFUSED = "{label} not published: {problems} to fix"
SETTINGS_REFUSED = "The register was not published"
WHERE = "The files are in {folder}. Put them on the website at the address in PUBLICATION_URL."
FIX_THEN_AGAIN = "Fix these in the register, then say \"publish the register\" again. Nothing was written."
MORE_PROBLEMS = "…and {count} more. Run commissioning-bot publish --quarter {code} -o {folder} to see them all."
PROBLEMS_SHOWN = 15


def publication_card(outcome: Any) -> Element:
    """The card for a `publication.service.Outcome` (refused, blocked or written)."""
    pub = outcome.publication
    if pub is None:
        return card([heading(SETTINGS_REFUSED), text(outcome.refusal)], fallback_text=outcome.refusal)
    label = f"{pub.quarter.label} ({pub.code})"
    c = pub.counts
    counts = facts([
        ("Agreements", f"{c['agreements']:,}"), ("Contracts", f"{c['contracts']:,}"), ("Grants", f"{c['grants']:,}"),
        ("Partnerships", f"{c['partnerships']:,}"), ("Over £10,000", f"{c['over_10k']:,}"),
        ("Monitored", f"{c['monitored']:,} ({c['with_accepted_return']:,} with an accepted return)"),
    ])
    if not pub.clean:
        headline = REFUSED.format(label=label, problems=plural(len(pub.problems), "problem"))
        lines = [text(shorten(p.line(), 300), spacing="Small") for p in pub.problems[:PROBLEMS_SHOWN]]
        if len(pub.problems) > PROBLEMS_SHOWN:
            lines.append(subtle(MORE_PROBLEMS.format(count=len(pub.problems) - PROBLEMS_SHOWN, code=pub.code,
                                                                 folder=outcome.folder)))
        body = [heading(headline), counts, container(lines, spacing="Medium", style="attention"),
                text(FIX_THEN_AGAIN, spacing="Medium")]
        return card(body, fallback_text=headline)
    if outcome.refusal:
        return card([heading(SETTINGS_REFUSED), counts, text(outcome.refusal)], fallback_text=outcome.refusal)
    headline = PUBLISHED.format(label=label)
    body = [heading(headline), counts, text(WHERE.format(folder=outcome.folder), spacing="Medium")]
    body += [subtle(note, spacing="Small") for note in pub.notes]
    return card(body, fallback_text=headline)
