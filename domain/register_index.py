"""What questions look agreements up by, built once per register version.

A question about one agreement is a dictionary lookup; a period question is a bisect on the
agreements of its kinds and statuses sorted by date; a question naming a provider, stream,
area or category starts from the agreements with those values. The index only narrows the
*candidates*: `domain/query.py` still applies every rule (`_wanted`) to them, so it may hand
back more than match, never fewer, and answers are exactly those of a scan of the register.

Data-quality problems are worked out with the index, all but one: whether an active agreement
is past its end date depends on the day, and the agreements sorted by end date answer that
with a bisect. The agreements with any problem are kept per day in answer order, so "which
agreements have data quality problems?" walks those few thousand rows, not the whole
register, even on the day's first asking.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from domain.agreement import Agreement
from domain.answers import Match
from domain.data_quality import Problem, standing_problems, with_expiry

if TYPE_CHECKING:
    from domain.query import Query

NAME_FIELDS = ("provider", "funding_stream", "area", "category")
MATCH_SETS_KEPT = 16


@dataclass(frozen=True)
class _Dated:
    """Agreements of one (kind, status), sorted by one date; those without it apart."""

    days: list[date]
    agreements: list[Agreement]
    undated: list[Agreement]

    @classmethod
    def build(cls, agreements: Iterable[Agreement], day_of: Callable[[Agreement], date | None]) -> _Dated:
        dated: list[tuple[date, int, Agreement]] = []
        undated: list[Agreement] = []
        for position, agreement in enumerate(agreements):
            day = day_of(agreement)
            if day is None:
                undated.append(agreement)
            else:
                dated.append((day, position, agreement))
        dated.sort(key=lambda item: (item[0], item[1]))
        return cls([d for d, _, _ in dated], [a for _, _, a in dated], undated)

    def between(self, first: date | None, last: date | None) -> Sequence[Agreement]:
        low = 0 if first is None else bisect_left(self.days, first)
        high = len(self.days) if last is None else bisect_right(self.days, last)
        return self.agreements[low:high]


class _DayProblems:
    """Data-quality problems on one day: which agreements have any, and the rows built for them."""

    def __init__(self, day: date) -> None:
        self.day = day
        self.flagged: list[Agreement] | None = None
        self.flagged_order: Callable[[Agreement], object] | None = None
        # Answer rows by the problem codes asked about, then by id(agreement).
        self.matches: dict[frozenset[str], dict[int, Match]] = {}
        # The rows of the last day asked about before this one: most agreements' rows are unchanged.
        self.earlier: dict[frozenset[str], dict[int, Match]] = {}


def _reference_key(reference: str) -> str:
    """A reference with case ignored: upper case, the register's own string when it is already so.

    References are written in capitals; keying on a lower-case copy kept one more string per
    agreement (10 MB at 100,000 agreements).
    """
    key = reference.upper()
    return reference if key == reference else key


class RegisterIndex:
    """Lookups over one register; immutable once built (share it between threads freely)."""

    def __init__(self, register: Sequence[Agreement]) -> None:
        self.register = register
        self.by_reference: dict[str, Agreement] = {}
        groups: dict[tuple[str, str], list[Agreement]] = {}
        self.by_value: dict[str, dict[str, list[Agreement]]] = {name: {} for name in NAME_FIELDS}
        for agreement in register:
            self.by_reference[_reference_key(agreement.reference)] = agreement  # the last one wins, as a dict built in order
            groups.setdefault((agreement.kind, agreement.status), []).append(agreement)
            for name in NAME_FIELDS:
                self.by_value[name].setdefault(getattr(agreement, name), []).append(agreement)
        self.groups = groups
        self.kinds = frozenset(kind for kind, _ in groups)
        self._by_end = {key: _Dated.build(group, lambda a: a.current_end_date) for key, group in groups.items()}
        self._by_start = {key: _Dated.build(group, lambda a: a.start_date) for key, group in groups.items()}
        # Problems that do not depend on the day, by id(agreement), for the agreements that have any.
        self._standing: dict[int, tuple[Problem, ...]] = {}
        for agreement in register:
            found = standing_problems(agreement)
            if found:
                self._standing[id(agreement)] = found
        # Rebuilt when the day changes. Threads may race to fill it; each fills it with the same values.
        self._day_problems: _DayProblems | None = None

    def find(self, reference: str) -> Agreement | None:
        """The agreement with this reference, ignoring case."""
        return self.by_reference.get(_reference_key(reference))

    def problems_of(self, agreement: Agreement, today: date) -> tuple[Problem, ...]:
        """`domain.data_quality.problems`, from what the index worked out once for its register."""
        standing = self._standing.get(id(agreement))  # the register holds its agreements, so ids are theirs
        if standing is None:
            if self.find(agreement.reference) is agreement:
                return with_expiry((), agreement, today)
            # Not this register's (or an earlier row with a repeated reference): work it out afresh.
            standing = standing_problems(agreement)
        return with_expiry(standing, agreement, today)

    def flagged(self, today: date, order: Callable[[Agreement], object]) -> list[Agreement]:
        """The agreements with any data-quality problem on `today`, sorted stably by `order`.

        A superset of any data-quality answer's rows, already in its order when `order` is the
        answer's sort key, so the question filters and explains only these.
        """
        day = self._on(today)
        if day.flagged is None or day.flagged_order is not order:
            wanted = set(self._standing)
            yesterday = today - timedelta(days=1)
            for (_kind, status), by_end in self._by_end.items():
                if status == "active":
                    wanted.update(id(a) for a in by_end.between(None, yesterday))
            found = [a for a in self.register if id(a) in wanted]
            found.sort(key=order)  # type: ignore[arg-type]  # the caller's key returns comparable tuples
            day.flagged, day.flagged_order = found, order
        return day.flagged

    def matches(self, today: date, codes: frozenset[str]) -> tuple[dict[int, Match], dict[int, Match]]:
        """Data-quality answer rows for these problem codes, by id(agreement): today's, and the earlier day's.

        The caller fills today's: a row depends only on the agreement, the day and the codes, so a
        second question about the same problems reuses the rows instead of explaining them again.
        A row from the earlier day still holds where the agreement has neither ended nor started
        in between (its problems then differ only by expiry, which is "active and ended").
        """
        day = self._on(today)
        kept = day.matches
        if codes not in kept and len(kept) >= MATCH_SETS_KEPT:
            kept.clear()  # a few sets of codes are asked about in practice; never grow without bound
        return kept.setdefault(codes, {}), day.earlier.get(codes, {})

    def _on(self, today: date) -> _DayProblems:
        day = self._day_problems
        if day is None or day.day != today:
            fresh = _DayProblems(today)
            if day is not None:
                fresh.earlier = day.matches
            day = self._day_problems = fresh
        return day

    def candidates(self, query: Query) -> Sequence[Agreement]:
        """Agreements that may match `query`: a superset of those `_wanted` accepts, in register order or not."""
        keys = [(kind, status) for kind in (query.kinds or self.kinds) for status in query.statuses]
        options: list[Sequence[Agreement]] = [self._grouped(keys, query)]
        for name in query.names:
            values = self.by_value.get(name.field)
            if values is None:
                continue
            found = [values.get(value, ()) for value in name.values]
            options.append(found[0] if len(found) == 1 else [a for group in found for a in group])
        return min(options, key=len)

    def _grouped(self, keys: list[tuple[str, str]], query: Query) -> Sequence[Agreement]:
        period = query.period
        parts: list[Sequence[Agreement]] = []
        for key in keys:
            if key not in self.groups:
                continue
            if period is None or query.date_field not in (None, "end", "start", "running"):
                parts.append(self.groups[key])
            elif query.date_field == "start":
                parts.append(self._by_start[key].between(period.start, period.end))
            elif query.date_field == "running":
                # Running during the period: ended on or after its start, or no end date.
                by_end = self._by_end[key]
                parts.append(by_end.between(period.start, None))
                parts.append(by_end.undated)
            else:
                parts.append(self._by_end[key].between(period.start, period.end))
        if len(parts) == 1:
            return parts[0]
        return [agreement for part in parts for agreement in part]
