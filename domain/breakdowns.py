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
from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.agreement import Agreement
from domain.answers import Answer, Group, Match
from domain.values import format_money

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
    return _field_group(str(getattr(agreement, by) or ""), by)


def _field_group(raw: str, by: str) -> tuple[str, str]:
    value = raw.strip()
    if not value:
        return "", f"No {GROUP_FIELDS[by]} recorded"
    return value, value.capitalize() if by == "kind" else value


def group_agreements(agreements: Sequence[Agreement], by: str, date_field: str | None = None) -> tuple[Group, ...]:
    """The groups of `agreements` by `by`, largest total first (then most agreements, then name).

    `date_field` says which date a month breakdown groups on: the start date for questions about
    starts, otherwise the current end date. A month breakdown of agreements *running* in a period
    has no one month per agreement, so it is refused.
    """
    return _grouped([Match(agreement) for agreement in agreements], by, date_field)[0]


def _grouped(matches: Sequence[Match], by: str, date_field: str | None) -> tuple[tuple[Group, ...], list[Match]]:
    """The groups, and `matches` reordered group by group (their order kept within each group).

    One pass: matches are bucketed by the raw field value, and each bucket is named once, so a
    breakdown of 10,000 matches costs little more than listing them.
    """
    if by == "month" and date_field == "running":
        raise BreakdownNotPossible("running")
    if by != "month" and by not in GROUP_FIELDS:
        raise BreakdownNotPossible(f"cannot group by {by}")
    buckets: dict[object, list[Match]] = {}
    by_start = date_field == "start"
    for match in matches:
        agreement = match.agreement
        if by == "month":
            day = agreement.start_date if by_start else agreement.current_end_date
            raw: object = (day.year, day.month) if day else None
        else:
            raw = getattr(agreement, by)
        bucket = buckets.get(raw)
        if bucket is None:
            bucket = buckets[raw] = []
        bucket.append(match)
    merged: dict[str, tuple[str, list[Match]]] = {}
    for members in buckets.values():
        key, name = group_key(members[0].agreement, by, date_field)
        merged.setdefault(key, (name, []))[1].extend(members)
    groups: list[tuple[Group, list[Match]]] = []
    for key, (name, members) in merged.items():
        values = [m.agreement.value for m in members]
        known = [value for value in values if value is not None]
        references = tuple(m.agreement.reference for m in members)
        group = Group(name, len(members), sum(known, Decimal(0)), references, len(values) - len(known), key)
        groups.append((group, members))
    # Not-recorded groups go last among equal totals; months of equal total run in date order.
    groups.sort(key=lambda pair: (-pair[0].total_value, -pair[0].count, pair[0].key == "",
                                  pair[0].key if by == "month" else pair[0].name.lower()))
    ordered = [member for _group, members in groups for member in members]
    return tuple(group for group, _members in groups), ordered


def breakdown_answer(answer: Answer, by: str, date_field: str | None, base: str) -> Answer:
    """`answer` (a list answer) as a breakdown by `by`: its groups, and its matches in group order.

    `base` is the list headline without its full stop ("7 current agreements"); the breakdown's
    headline adds the grouping and the grand total, so the total is never read as one group's.
    """
    groups, ordered = _grouped(answer.matches, by, date_field)
    matches = tuple(ordered)
    total = sum((group.total_value for group in groups), Decimal(0))
    word = GROUP_FIELDS[by]
    plural = "categories" if word == "category" else f"{word}es" if word.endswith("s") else f"{word}s"
    headline = (
        f"{base} by {word}: {len(groups)} {word if len(groups) == 1 else plural}, "
        f"{format_money(total) or '£0'} in total."
    )
    missing = answer.missing_values
    if missing:
        headline += f" {missing} {'has' if missing == 1 else 'have'} no value recorded."
    ended = sum(1 for m in matches if m.ended) if answer.period is not None else 0
    if ended:
        headline += f" {ended} already ended."
    return replace(answer, headline=headline, matches=matches, groups=groups, group_by=by)
