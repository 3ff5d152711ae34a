"""The meaning of a parsed question, applied to the register.

`bot/questions/engine.py` turns English into a `Query`; `run_query` applies it to the
agreements and builds the `Answer`. The rules here are the contract in docs/questions.md "What
questions mean": the current end date is what expires, terminated and draft agreements
are left out unless asked for, a period that has started includes agreements that have
already ended in it (marked), and every answer says how it read the question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.agreement import Agreement
from domain.agreement_fields import ASPECT_WORDS, FIELD_ASPECTS, agreement_details, describe_aspect
from domain.answers import Answer, Match, Period
from domain.breakdowns import GROUP_FIELDS, breakdown_answer
from domain.data_quality import LABELS as PROBLEM_LABELS
from domain.data_quality import Problem
from domain.data_quality import problems as data_quality_problems
from domain.periods import describe_range
from domain.register_index import RegisterIndex
from domain.values import format_date, format_money

KIND_PLURALS = {"contract": "contracts", "grant": "grants", "partnership": "partnerships"}
DATE_FIELD_WORDS = {"end": "current end date", "start": "start date", "running": "running during the period"}
EXTENSION_DECISION_DAYS = 120
SIGNED_WORDS = {"both": "signed by both parties", "ours": "signed by us only", "none": "not signed by either party",
                "": "signed status not recorded"}


@dataclass(frozen=True)
class NameFilter:
    """Register values a loosely named provider, stream, area or category resolved to."""

    field: str  # "provider" | "funding_stream" | "area" | "category"
    said: str
    values: frozenset[str]


@dataclass(frozen=True)
class Query:
    """What a question asks, with every name already resolved to register values."""

    question: str
    intent: str = "list"  # list | count | total | agreement | data_quality
    date_field: str | None = None  # end | start | running
    period: Period | None = None
    kinds: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset({"active"})
    names: tuple[NameFilter, ...] = ()
    min_value: Decimal | None = None
    min_inclusive: bool = False
    max_value: Decimal | None = None
    max_inclusive: bool = False
    extension: str | None = None  # options_left | decision_needed | extended | none_left | cannot_extend
    ended_only: bool = False
    current_only: bool = False
    problem_codes: frozenset[str] | None = None  # None: not a data-quality question
    references: tuple[str, ...] = ()
    aspect: str = "details"  # for one agreement: end | start | contact | manager | value | details
    loose_name: str = ""
    signed: frozenset[str] | None = None  # signed status wanted: "both", "ours", "none", "" (not recorded)
    group_by: str | None = None  # a breakdown: provider | funding_stream | area | category | kind | month
    notes: tuple[str, ...] = field(default=())


ProblemsOf = Callable[[Agreement, date], Sequence[Problem]]


def run_query(
    query: Query, register: Sequence[Agreement], today: date, problems_of: ProblemsOf = data_quality_problems,
    index: RegisterIndex | None = None,
) -> Answer:
    """Apply `query` to `register` as of `today`.

    `problems_of` finds an agreement's data-quality problems; a caller that answers many
    questions about one register may pass a remembering version. `index` (built from the same
    register) narrows the agreements the rules below are applied to; the answer is the same.
    """
    if query.references or query.loose_name:
        return _about_named(query, register, today, problems_of, index)
    pool = index.candidates(query) if index is not None else register
    in_order = False
    if index is not None and query.problem_codes is not None:
        # Only agreements with some problem can be listed, and the index keeps them in end-date order.
        flagged = index.flagged(today, _end_order)
        if len(flagged) < len(pool):
            pool, in_order = flagged, query.date_field != "start"
    candidates = [a for a in pool if _wanted(query, a, today)]
    if not in_order:
        candidates.sort(key=lambda a: _sort_key(query, a))
    if index is not None and query.problem_codes is not None:
        matches = _remembered_matches(query, candidates, today, problems_of, index)
    else:
        matches = tuple(_match(query, a, today, problems_of) for a in candidates)
    if query.problem_codes is not None:
        matches = tuple(m for m in matches if m.problems)
    answer = _list_answer(query, matches, today)
    if query.group_by:
        return breakdown_answer(answer, query.group_by, query.date_field, headline_for(query, len(matches)))
    return answer


def _wanted(query: Query, agreement: Agreement, today: date) -> bool:
    if agreement.status not in query.statuses:
        return False
    if query.kinds and agreement.kind not in query.kinds:
        return False
    for name in query.names:
        if getattr(agreement, name.field) not in name.values:
            return False
    if not _value_ok(query, agreement.value):
        return False
    if query.signed is not None and agreement.signed not in query.signed:
        return False
    if not _extension_ok(query, agreement, today):
        return False
    if query.ended_only and not agreement.has_ended(today):
        return False
    if query.current_only and agreement.has_ended(today):
        return False
    return _in_period(query, agreement)


def _value_ok(query: Query, value: Decimal | None) -> bool:
    if query.min_value is None and query.max_value is None:
        return True
    if value is None:
        return False
    if query.min_value is not None:
        if value < query.min_value or (value == query.min_value and not query.min_inclusive):
            return False
    if query.max_value is not None:
        if value > query.max_value or (value == query.max_value and not query.max_inclusive):
            return False
    return True


def _extension_ok(query: Query, agreement: Agreement, today: date) -> bool:
    if query.extension is None:
        return True
    if query.extension == "options_left":
        return agreement.has_extension_options
    if query.extension == "none_left":
        return bool(agreement.extension_options) and not agreement.has_extension_options
    if query.extension == "cannot_extend":
        return not agreement.has_extension_options
    if query.extension == "extended":
        return agreement.extension_years_used > 0
    if query.extension == "decision_needed":
        end = agreement.current_end_date
        if not agreement.has_extension_options or end is None:
            return False
        if query.period is not None:
            return True  # the period filter narrows the end date
        return today <= end <= today.fromordinal(today.toordinal() + EXTENSION_DECISION_DAYS)
    raise ValueError(f"unknown extension filter {query.extension}")


def _date_of(query: Query, agreement: Agreement) -> date | None:
    if query.date_field == "start":
        return agreement.start_date
    return agreement.current_end_date


def _in_period(query: Query, agreement: Agreement) -> bool:
    period = query.period
    if period is None:
        return True
    if query.date_field == "running":
        start = agreement.start_date
        end = agreement.current_end_date
        return (start is None or start <= period.end) and (end is None or end >= period.start)
    day = _date_of(query, agreement)
    return day is not None and day in period


def _sort_key(query: Query, agreement: Agreement) -> tuple[int, date, str]:
    if query.date_field != "start":
        return _end_order(agreement)
    day = agreement.start_date
    return (0 if day else 1, day or date.max, agreement.reference)


def _end_order(agreement: Agreement) -> tuple[int, date, str]:
    """Answer order unless the question is about start dates: by current end date, undated last."""
    day = agreement.current_end_date
    return (0 if day else 1, day or date.max, agreement.reference)


def _match(query: Query, agreement: Agreement, today: date, problems_of: ProblemsOf) -> Match:
    found: tuple[str, ...] = ()
    codes = query.problem_codes
    if codes is not None:
        problems = problems_of(agreement, today)
        if codes:
            found = tuple([p.message for p in problems if p.code in codes])
        else:
            found = tuple([p.message for p in problems])
    return Match(
        agreement=agreement,
        ended=agreement.has_ended(today),
        not_started=not agreement.has_started(today),
        problems=found,
    )


def _remembered_matches(
    query: Query, candidates: Sequence[Agreement], today: date, problems_of: ProblemsOf, index: RegisterIndex,
) -> tuple[Match, ...]:
    """Data-quality rows, each built once per day and set of problem codes (see `RegisterIndex.matches`).

    A row from the earlier day asked about is kept where the agreement has neither ended nor
    started in between: the first question of a new day rebuilds only the rows that changed.
    """
    assert query.problem_codes is not None
    kept, earlier = index.matches(today, query.problem_codes)
    rows: list[Match] = []
    for agreement in candidates:
        row = kept.get(id(agreement))
        if row is None:
            before = earlier.get(id(agreement))
            if before is not None and before.ended == agreement.has_ended(today) and before.not_started != agreement.has_started(today):
                row = before
            else:
                row = _match(query, agreement, today, problems_of)
            kept[id(agreement)] = row
        rows.append(row)
    return tuple(rows)


def _noun(query: Query, count: int) -> str:
    if len(query.kinds) == 1:
        kind = next(iter(query.kinds))
        return KIND_PLURALS[kind] if count != 1 else kind
    return "agreements" if count != 1 else "agreement"


def interpretation(query: Query, today: date) -> str:
    """How the question was read, in the words an officer would use to check it."""
    return ", ".join(interpretation_parts(query, today))


def interpretation_parts(query: Query, today: date) -> list[str]:
    """The pieces of the interpretation line, so a follow-up can say which were carried over."""
    parts: list[str] = []
    if query.period is not None:
        parts.append(f"{query.period.label}: {describe_range(query.period.start, query.period.end)}")
    elif query.ended_only:
        parts.append(f"ended before {format_date(today)}")
    elif query.current_only:
        parts.append(f"current (not ended by {format_date(today)})")
    parts.append(" and ".join(KIND_PLURALS[k] for k in sorted(query.kinds)) if query.kinds else "all kinds")
    for name in query.names:
        label = name.field.replace("_", " ")
        parts.append(f"{label} {' or '.join(sorted(name.values))}")
    if query.min_value is not None:
        parts.append(f"value {'at least' if query.min_inclusive else 'over'} {format_money(query.min_value)}")
    if query.max_value is not None:
        parts.append(f"value {'at most' if query.max_inclusive else 'under'} {format_money(query.max_value)}")
    if query.extension == "options_left":
        parts.append("extension options left")
    elif query.extension == "none_left":
        parts.append("used all their extension options")
    elif query.extension == "cannot_extend":
        parts.append("cannot be extended (no unused extension option, or never had one)")
    elif query.extension == "extended":
        parts.append("extended at least once")
    elif query.extension == "decision_needed":
        parts.append(
            "extension options left, ending"
            + ("" if query.period else f" within {EXTENSION_DECISION_DAYS} days")
        )
    if query.signed is not None:
        parts.append(" or ".join(SIGNED_WORDS[s] for s in sorted(query.signed)))
    if query.problem_codes is not None:
        named = sorted(PROBLEM_LABELS.get(code, code) for code in query.problem_codes)
        parts.append("data-quality problems" + (f" ({', '.join(named)})" if named else ""))
    if query.statuses != frozenset({"active"}):
        parts.append("status " + " or ".join(sorted(query.statuses)))
    if query.period is not None and query.date_field:
        parts.append(DATE_FIELD_WORDS[query.date_field])
    if query.group_by == "month":
        parts.append("by month of " + ("start date" if query.date_field == "start" else "current end date"))
    elif query.group_by:
        parts.append(f"by {GROUP_FIELDS[query.group_by]}")
    return parts + list(query.notes)


# (plural, singular) verbs for what happens to the date the question is about.
VERBS = {"end": ("end", "ends"), "start": ("start", "starts"), "running": ("run", "runs")}
# Period labels that read on their own after the verb ("end by 31 Mar 2027", not "end in by …").
_NO_IN = ("by ", "before ", "between ", "on ", "after ", "since ", "from ", "soon", "today", "tomorrow")


def headline_for(query: Query, count: int) -> str:
    """"10 grants end in Q3 2026/27", "63 current agreements", "3 contracts have ended"."""
    noun = _noun(query, count)
    if query.intent == "data_quality" or query.problem_codes is not None:
        return f"{count} {'current ' if query.current_only else ''}{noun} with data-quality problems"
    if query.period is not None and query.date_field in VERBS:
        verb = VERBS[query.date_field][1 if count == 1 else 0]
        label = query.period.label
        joined = label if label.startswith(_NO_IN) else f"in {label}"
        if query.date_field == "running":
            joined = f"during {label}" if not label.startswith(_NO_IN) else label
        return f"{count} {noun} {verb} {joined}"
    if query.ended_only:
        return f"{count} {noun} {'has' if count == 1 else 'have'} ended"
    if query.current_only:
        return f"{count} current {noun}"
    return f"{count} {noun}"


def _list_answer(query: Query, matches: tuple[Match, ...], today: date) -> Answer:
    total = sum((m.agreement.value or Decimal(0) for m in matches), Decimal(0))
    missing = sum(1 for m in matches if m.agreement.value is None)
    headline = headline_for(query, len(matches))
    if query.intent == "total":
        headline += f", worth {format_money(total) or '£0'} in total."
    else:
        headline += "."
    if missing:
        headline += f" {missing} {'has' if missing == 1 else 'have'} no value recorded."
    ended = sum(1 for m in matches if m.ended)
    if ended and query.period is not None:
        headline += f" {ended} already ended."
    if query.period is not None and query.period.end < query.period.start:
        headline += f" “{query.period.label}” has no days left from today, so nothing can match."
    return Answer(
        question=query.question,
        understood=True,
        intent=query.intent,
        headline=headline,
        interpretation=interpretation(query, today),
        period=query.period,
        matches=matches,
        missing_values=missing,
    )


def _about_named(
    query: Query, register: Sequence[Agreement], today: date, problems_of: ProblemsOf, index: RegisterIndex | None,
) -> Answer:
    """One agreement named by reference or by a loose name; several if the name fits several."""
    if index is not None:
        found = [a for a in map(index.find, query.references) if a is not None]
    else:
        by_key = {a.reference.upper(): a for a in register}
        found = [by_key[r.upper()] for r in query.references if r.upper() in by_key]
    if query.references and not found:
        named = ", ".join(query.references)
        return Answer(
            question=query.question,
            understood=True,
            intent="agreement",
            headline=f"There is no agreement {named} in the register. Check the reference and try again.",
            interpretation=f"agreement {named}",
            about_one=True,
        )
    if not query.references:
        found = [a for a in (index.candidates(query) if index is not None else register) if _wanted(query, a, today)]
        found.sort(key=lambda a: (a.reference,))
    if query.loose_name and len(found) > 1:
        # A loose name means the live agreement when there is one: terminated and draft
        # ones are left out unless nothing else fits.
        live = [a for a in found if a.status == "active"]
        found = live or found
    matches = tuple(_match(query, a, today, problems_of) for a in found)
    said = ", ".join(query.references) or f"“{query.loose_name}”"
    if len(matches) == 1:
        agreement = matches[0].agreement
        return Answer(
            question=query.question,
            understood=True,
            intent="agreement",
            headline=describe_aspect(agreement, query.aspect, today),
            interpretation=f"agreement {agreement.reference} ({_aspect_word(query.aspect)})",
            matches=matches,
            about_one=True,
            missing_values=0 if agreement.value is not None else 1,
            details=tuple(agreement_details(agreement, today)),
        )
    if not matches:
        headline = f"No agreement matches {said}. Try its reference, or ask “what do we fund?”."
    else:
        headline = f"{len(matches)} agreements match {said}; say which one you mean (by reference)."
    missing = sum(1 for m in matches if m.agreement.value is None)
    return Answer(
        question=query.question,
        understood=True,
        intent="agreement",
        headline=headline,
        interpretation=f"agreements named like {said} ({_aspect_word(query.aspect)})",
        matches=matches,
        missing_values=missing,
    )


def _aspect_word(aspect: str) -> str:
    return ASPECT_WORDS[aspect] if aspect in FIELD_ASPECTS else aspect
