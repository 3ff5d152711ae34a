"""The meaning of questions about monitoring returns, applied to the returns owed.

"Which returns are overdue?", "which providers haven't submitted Q2?", "which services are
red?", "returns awaiting assessment", "show the Q2 return for OPCC-2023-014". The answer
lists the agreements concerned (one row each, in due-date order) with a line per return,
so `ask --json`'s references name agreements exactly as register answers do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.agreement import Agreement
from domain.answers import Answer, Match, Period
from domain.monitoring import ACCEPTED, DUE, IN_PROGRESS, OVERDUE, QUERIED, SUBMITTED, ReturnStatus
from domain.periods import describe_range
from domain.values import format_date

NOT_SUBMITTED = frozenset({DUE, OVERDUE, IN_PROGRESS, QUERIED})
STATE_WORDS = {
    OVERDUE: "overdue",
    DUE: "due",
    IN_PROGRESS: "started, not submitted",
    SUBMITTED: "awaiting assessment",
    QUERIED: "queried",
    ACCEPTED: "accepted",
}


@dataclass(frozen=True)
class ReturnsQuery:
    """Which returns a question asks about."""

    question: str
    states: frozenset[str] | None = None  # None: any state
    # With `by_due`, the period filters due dates ("due this month"); otherwise the
    # monitoring period itself ("haven't submitted Q2").
    period: Period | None = None
    by_due: bool = False
    rag: str | None = None  # "red" | "amber" | "green": the latest rated return per agreement
    references: tuple[str, ...] = ()
    label: str = "returns"
    # How the agreements were narrowed ("grants", "area Southwark"), for the interpretation.
    scope: tuple[str, ...] = ()


def run_returns_query(
    query: ReturnsQuery, register: Sequence[Agreement], returns: Sequence[ReturnStatus], today: date
) -> Answer:
    """The agreements whose returns match, each with a line per matching return."""
    visible = {a.reference: a for a in register}
    wanted = [r for r in returns if r.reference in visible and _wanted(query, r)]
    if query.rag:
        wanted = _latest_rated(wanted, query.rag)
    lines: dict[str, list[str]] = {}
    for status in sorted(wanted, key=lambda r: (r.due, r.reference)):
        lines.setdefault(status.reference, []).append(describe_return(status))
    matches = tuple(
        Match(agreement=visible[reference], ended=visible[reference].has_ended(today),
              not_started=not visible[reference].has_started(today), notes=tuple(found))
        for reference, found in lines.items()
    )
    count = sum(len(found) for found in lines.values())
    noun = "return" if count == 1 else "returns"
    if query.rag:
        headline = f"{len(matches)} {'service' if len(matches) == 1 else 'services'} rated {query.rag} in their latest return."
    else:
        headline = f"{count} {noun} {query.label}, from {len(matches)} {'agreement' if len(matches) == 1 else 'agreements'}."
    return Answer(
        question=query.question,
        understood=True,
        intent="returns",
        headline=headline,
        interpretation=_interpretation(query, today),
        period=query.period,
        matches=matches,
        missing_values=sum(1 for m in matches if m.agreement.value is None),
    )


def describe_return(status: ReturnStatus) -> str:
    """`Q2 2026/27 return: overdue (due 15 Oct 2026), rated amber`."""
    text = f"{status.period_label} return: {STATE_WORDS.get(status.state, status.state)} (due {format_date(status.due)})"
    if status.rag:
        text += f", rated {status.rag.lower()}"
    return text


def _wanted(query: ReturnsQuery, status: ReturnStatus) -> bool:
    if query.references and status.reference not in query.references:
        return False
    if query.states is not None and status.state not in query.states:
        return False
    if query.period is not None:
        if query.by_due:
            return status.due in query.period
        start = status.period_start or status.due
        end = status.period_end or start
        return query.period.start <= start and end <= query.period.end
    return True


def _latest_rated(statuses: Sequence[ReturnStatus], rag: str) -> list[ReturnStatus]:
    """Each agreement's most recent rated return, kept when its rating is `rag`."""
    latest: dict[str, ReturnStatus] = {}
    for status in statuses:
        if status.rag and status.state in (SUBMITTED, ACCEPTED, QUERIED):
            current = latest.get(status.reference)
            if current is None or status.due > current.due:
                latest[status.reference] = status
    return [s for s in latest.values() if s.rag.lower() == rag]


def _interpretation(query: ReturnsQuery, today: date) -> str:
    parts = [f"monitoring returns {query.label}"]
    if query.period is not None:
        what = "due" if query.by_due else "for periods in"
        parts.append(f"{what} {query.period.label}: {describe_range(query.period.start, query.period.end)}")
    if query.rag:
        parts.append(f"latest rated return {query.rag}")
    if query.references:
        parts.append("agreement " + ", ".join(query.references))
    parts.extend(query.scope)
    parts.append(f"as of {format_date(today)}")
    return ", ".join(parts)
