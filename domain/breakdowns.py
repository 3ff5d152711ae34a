"""Breakdowns: the matches of a question grouped by provider, funding stream, area, category, kind or month.

"Total value per provider" and "how much do we fund in each borough?" ask for one row per group,
not one grand total of a flat list that an officer could mistake for a breakdown. Each group has
its count, its total value (agreements with no value recorded add nothing and are counted apart)
and the references it holds; groups run largest total first, as docs/questions.md says.
Agreements with no value in the grouped field are one group of their own ("No area recorded"),
never dropped, so the groups always add up to the grand total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.agreement import Agreement
from domain.values import format_money

if TYPE_CHECKING:
    from domain.answers import Answer

# What a breakdown may group by, and how the field is named in words.
GROUP_FIELDS: dict[str, str] = {
    "provider": "provider",
    "funding_stream": "funding stream",
    "area": "area",
    "category": "category",
    "kind": "kind",
    "month": "month",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class BreakdownNotPossible(ValueError):
    """The grouping asked for cannot be worked out for this question; the message says why."""


@dataclass(frozen=True)
class Group:
    """One row of a breakdown: the group's name, how many agreements, their total value and references."""

    name: str
    count: int
    total_value: Decimal
    references: tuple[str, ...]
    # Agreements in the group with no value recorded (not in `total_value`).
    missing_values: int = 0
    # The value the agreements hold in the grouped field ("" for the not-recorded group).
    key: str = ""


def month_label(day: date) -> str:
    """`Mar 2027`: the month an agreement falls in, as the breakdown names it."""
    return f"{_MONTHS[day.month - 1]} {day.year}"


def group_key(agreement: Agreement, by: str, date_field: str | None) -> tuple[str, str]:
    """(key, name) of the group `agreement` belongs to; the key sorts months in order."""
    if by == "month":
        day = agreement.start_date if date_field == "start" else agreement.current_end_date
        if day is None:
            return "", "No start date" if date_field == "start" else "No end date"
        return day.strftime("%Y-%m"), month_label(day)
    if by not in GROUP_FIELDS:
        raise BreakdownNotPossible(f"cannot group by {by}")
    value = str(getattr(agreement, by) or "").strip()
    if not value:
        return "", f"No {GROUP_FIELDS[by]} recorded"
    if by == "kind":
        return value, value.capitalize()
    return value, value


def group_agreements(agreements: Sequence[Agreement], by: str, date_field: str | None = None) -> tuple[Group, ...]:
    """The groups of `agreements` by `by`, largest total first (then most agreements, then name).

    `date_field` says which date a month breakdown groups on: the start date for questions about
    starts, otherwise the current end date. A month breakdown of agreements *running* in a period
    has no one month per agreement, so it is refused.
    """
    if by == "month" and date_field == "running":
        raise BreakdownNotPossible("running")
    rows: dict[str, tuple[str, list[Agreement]]] = {}
    for agreement in agreements:
        key, name = group_key(agreement, by, date_field)
        rows.setdefault(key, (name, []))[1].append(agreement)
    groups = [
        Group(
            name=name,
            count=len(members),
            total_value=sum((a.value or Decimal(0) for a in members), Decimal(0)),
            references=tuple(a.reference for a in members),
            missing_values=sum(1 for a in members if a.value is None),
            key=key,
        )
        for key, (name, members) in rows.items()
    ]
    # Not-recorded groups go last among equal totals; months of equal total run in date order.
    groups.sort(key=lambda g: (-g.total_value, -g.count, g.key == "", g.key if by == "month" else g.name.lower()))
    return tuple(groups)


def breakdown_answer(answer: Answer, by: str, date_field: str | None, base: str) -> Answer:
    """`answer` (a list answer) as a breakdown by `by`: its groups, and its matches in group order.

    `base` is the list headline without its full stop ("7 current agreements"); the breakdown's
    headline adds the grouping and the grand total, so the total is never read as one group's.
    """
    groups = group_agreements([m.agreement for m in answer.matches], by, date_field)
    order = {reference: index for index, group in enumerate(groups) for reference in group.references}
    matches = tuple(sorted(answer.matches, key=lambda m: order[m.agreement.reference]))
    word = GROUP_FIELDS[by]
    plural = "categories" if word == "category" else f"{word}es" if word.endswith("s") else f"{word}s"
    headline = (
        f"{base} by {word}: {len(groups)} {word if len(groups) == 1 else plural}, "
        f"{format_money(answer.total_value) or '£0'} in total."
    )
    missing = answer.missing_values
    if missing:
        headline += f" {missing} {'has' if missing == 1 else 'have'} no value recorded."
    ended = sum(1 for m in matches if m.ended)
    if ended and answer.period is not None:
        headline += f" {ended} already ended."
    return replace(answer, headline=headline, matches=matches, groups=groups, group_by=by)
