"""The digest: every alert one chat is owed from a sweep, as one card a person reads in ten seconds.

Why it looks like this: the first sweep of a real register owes a channel a hundred alerts, and
a card per alert (or a fact list per alert) floods the channel. So the digest groups alerts by
rule ("3 agreements end soon", "5 returns overdue"), gives each alert one line (reference,
title, the date that matters, days left), puts the most urgent first, shows at most
`VISIBLE_LINES` lines and keeps the rest behind "Show all" in the same card. Pressing a line
opens that agreement, whose own card carries the actions, so buttons are not repeated twenty
times. Only 1.2 elements are used (ColumnSet `selectAction` and `Action.ShowCard` are 1.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.cards.elements import BOLD, card, column, columns, container, fits, rich, subtle, text
from bot.cards.text import day, london_day, plural, shorten
from domain.alerts import (
    ASSESSMENT_PENDING,
    DATA_QUALITY,
    DECISION_OVERDUE,
    EXPIRY,
    EXTENSION_DECISION,
    NOTICE_DUE,
    RETURN_DUE,
    RETURN_OVERDUE,
    WEEKLY_DIGEST,
)
from storage.outbox import OutboxEntry

VISIBLE_LINES = 25
TITLE_CHARS = 60

DIGEST_HEADING = "Deadline alerts, {day}"
DIGEST_INTRO = "{alerts}, most urgent first. Press a line to open its agreement and act on it."
SHOW_ALL = "Show all {count}"
MORE_NOT_SHOWN = "…and {count} more not shown here. Ask me, for example, \"what ends in the next 90 days?\""
# Group headings by rule: (one, several). The count goes in front.
GROUP_WORDS: dict[str, tuple[str, str]] = {
    DECISION_OVERDUE: ("extension decision overdue", "extension decisions overdue"),
    EXTENSION_DECISION: ("extension to decide", "extensions to decide"),
    EXPIRY: ("agreement ends soon", "agreements end soon"),
    NOTICE_DUE: ("grant ending: tell the provider", "grants ending: tell the providers"),
    RETURN_OVERDUE: ("monitoring return overdue", "monitoring returns overdue"),
    RETURN_DUE: ("monitoring return due", "monitoring returns due"),
    ASSESSMENT_PENDING: ("return waiting for assessment", "returns waiting for assessment"),
    DATA_QUALITY: ("register check", "register checks"),
    WEEKLY_DIGEST: ("weekly summary", "weekly summaries"),
}
CONTINUED = ", continued"
TODAY = "today"
DAYS_LEFT = "{days} left"
DAYS_OVERDUE = "{days} overdue"


def days_words(due: date | None, as_of: date | None) -> str:
    """ "12 days left", "1 day left", "today", "3 days overdue": what a reader needs from a date."""
    if due is None or as_of is None:
        return ""
    days = (due - as_of).days
    if days == 0:
        return TODAY
    if days > 0:
        return DAYS_LEFT.format(days=plural(days, "day"))
    return DAYS_OVERDUE.format(days=plural(-days, "day"))


def group_heading(rule: str, count: int) -> str:
    one, several = GROUP_WORDS.get(rule, (rule.replace("_", " "), rule.replace("_", " ")))
    return f"{count:,} {one if count == 1 else several}"


def _as_of(entries: Sequence[OutboxEntry]) -> date | None:
    """The sweep's day in London: days left are counted from the day the alerts were written."""
    moments = [e.created_at for e in entries if e.created_at is not None]
    return london_day(max(moments)) if moments else None


def _urgency(entry: OutboxEntry) -> tuple[date, str]:
    return (entry.due or date.max, entry.reference)


def _groups(entries: Sequence[OutboxEntry]) -> list[tuple[str, list[OutboxEntry]]]:
    """Alerts by rule, each group most urgent first, the group with the most urgent alert first."""
    by_rule: dict[str, list[OutboxEntry]] = {}
    for entry in entries:
        by_rule.setdefault(entry.rule, []).append(entry)
    groups = [(rule, sorted(items, key=_urgency)) for rule, items in by_rule.items()]
    return sorted(groups, key=lambda group: (_urgency(group[1][0]), group[0]))


def _quotas(sizes: list[int], limit: int) -> list[int]:
    """Lines shown per group: shared out a line at a time, so every group shows its most urgent."""
    shown = [0] * len(sizes)
    left = limit
    while left > 0 and any(s < size for s, size in zip(shown, sizes, strict=True)):
        for index, size in enumerate(sizes):
            if left and shown[index] < size:
                shown[index] += 1
                left -= 1
    return shown


def _title(entry: OutboxEntry) -> str:
    details = {str(a): str(b) for a, b in entry.payload.get("details", []) if isinstance(a, str)}
    return details.get("Title") or str(entry.payload.get("message", ""))


def _line(entry: OutboxEntry, as_of: date | None, *, compact: bool = False) -> dict[str, Any]:
    """One alert in one line; pressing it asks about the agreement (its card has the actions).

    Shown lines put the date in a right-hand column; `compact` lines (behind "Show all") are one
    plain run, about half the bytes, so a hundred alerts still fit in one card.
    """
    if not entry.reference:
        return text(shorten(entry.payload.get("message", ""), 300), spacing="Small")
    reference = (entry.reference, BOLD)
    title = shorten(_title(entry), TITLE_CHARS)
    when = days_words(entry.due, as_of)
    # ASCII separators: Teams counts every other character as a six-character escape, twice over.
    right = f"{day(entry.due)}, {when}" if when else day(entry.due)
    question = f"tell me about {entry.reference}"
    # Plain submit data, not a messageBack: it costs half the bytes, and the answer names the agreement.
    press = {"type": "Action.Submit", "data": {"action": "ask", "question": question}}
    if compact:
        # The date before the title, so a narrow screen cuts the title, never the date.
        # The press on the text itself (TextRun `selectAction`, 1.2), without a Container round it:
        # 60 bytes a line, which is what lets a first sweep's hundred lines fit in one card.
        return rich([(f"{entry.reference} {right}: {title}", {"selectAction": press})])
    overdue = entry.due is not None and as_of is not None and entry.due < as_of
    right_style: dict[str, Any] = {"color": "Attention"} if overdue else {}
    return columns(
        [
            column([rich([reference, f" {title}"])]),
            column([text(right, horizontalAlignment="Right", **right_style)], width="auto"),
        ],
        spacing="Small",
        selectAction=press,
    )


def _section(
    rule: str, heading_count: int, items: Sequence[OutboxEntry], as_of: date | None, *, first: bool, compact: bool = False,
) -> dict[str, Any]:
    words = group_heading(rule, heading_count) + (CONTINUED if compact else "")
    lines = [text(words, weight="Bolder")]
    lines += [_line(entry, as_of, compact=compact) for entry in items]
    return container(lines, spacing="Default" if first else "Medium", separator=not first)


def _build(entries: Sequence[OutboxEntry], visible: int, hidden_cap: int | None) -> dict[str, Any]:
    as_of = _as_of(entries)
    groups = _groups(entries)
    quotas = _quotas([len(items) for _, items in groups], visible)
    body: list[dict[str, Any]] = [
        text(DIGEST_HEADING.format(day=day(as_of)), size="Medium", weight="Bolder"),
        subtle(DIGEST_INTRO.format(alerts=plural(len(entries), "alert")), spacing="None"),
    ]
    rest: list[dict[str, Any]] = []
    hidden_total = 0
    hidden_shown = 0
    for index, ((rule, items), quota) in enumerate(zip(groups, quotas, strict=True)):
        body.append(_section(rule, len(items), items[:quota], as_of, first=index == 0))
        hidden = items[quota:]
        hidden_total += len(hidden)
        if hidden_cap is not None:
            hidden = hidden[: max(0, hidden_cap - hidden_shown)]
        hidden_shown += len(hidden)
        if hidden:
            rest.append(_section(rule, len(items), hidden, as_of, first=not rest, compact=True))
    actions: list[dict[str, Any]] = []
    if hidden_total:
        if hidden_shown < hidden_total:
            rest.append(subtle(MORE_NOT_SHOWN.format(count=hidden_total - hidden_shown)))
        actions.append({"type": "Action.ShowCard", "title": SHOW_ALL.format(count=len(entries)),
                        "card": {"type": "AdaptiveCard", "body": rest}})
    summary = f"{plural(len(entries), 'alert')}: " + "; ".join(group_heading(rule, len(items)) for rule, items in groups)
    return card(body, actions, fallback_text=summary)


def digest_card(entries: Sequence[OutboxEntry]) -> dict[str, Any]:
    """One card for all of `entries`, trimmed (never silently) until Teams will take it."""
    built = _build(entries, VISIBLE_LINES, None)
    cap = len(entries)
    while not fits(built) and cap > 0:
        cap //= 2
        built = _build(entries, VISIBLE_LINES, cap)
    return built if fits(built) else _build(entries, 10, 0)
