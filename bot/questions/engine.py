"""Reading a register question in English and answering it.

`answer_question` is the one entry point for Teams and `ask`. It finds, in order, the
agreement references, money limits, the period, the phrases that set the intent (data
quality, extensions, one agreement's contact…), the register names (loosely), and the
kind words. Anything left that is not a common filler word means the question was not
fully understood, and the answer says so with examples instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from rapidfuzz import fuzz, process

from bot.questions.breakdowns import mentions_breakdown, take_breakdown
from bot.questions.names import STOPWORDS, Hit, Vocabulary, normalise
from bot.questions.payments import is_about_payments, parse_payments
from bot.questions.period_phrases import FoundPeriod, PeriodAmbiguous, PeriodNotUnderstood, find_period
from bot.questions.reading import NeedsChoice, NotUnderstood, Reading, lower, take_cues, take_kinds, take_money, taken
from bot.questions.words import FILLER, RESERVED, RETURNS_CUES, RETURNS_TOPIC
from domain.agreement import Agreement
from domain.answers import Answer
from domain.data_quality import Problem
from domain.data_quality import problems as data_quality_problems
from domain.monitoring import ACCEPTED, DUE, IN_PROGRESS, OVERDUE, QUERIED, SUBMITTED, ReturnStatus
from domain.payments import Instalment
from domain.payments_query import run_payments_query
from domain.query import KIND_PLURALS, NameFilter, Query, run_query
from domain.returns_query import NOT_SUBMITTED, ReturnsQuery, run_returns_query

MAX_QUESTION_LENGTH = 500
EXAMPLES: tuple[str, ...] = (
    "which grants expire this quarter?",
    "what do we fund in Southwark?",
    "how many contracts end in the next 90 days?",
    "who is the contact for OPCC-2023-014?",
    "which agreements have extension options left?",
    "data quality problems",
)
NOT_UNDERSTOOD = "Sorry, I didn't understand that question."
BREAKDOWN_OF_LISTS_ONLY = (
    "I can break down lists of agreements (count and total value by provider, funding stream, area, category, "
    "kind or month), not one agreement's details, payments or monitoring returns. Try “total value by provider”."
)
MONTHS_NEED_A_DATE = (
    "An agreement runs across many months, so I can't group what runs in a period by month. "
    "Ask which agreements end (or start) in the period, by month: “grants ending this year by month”."
)
REFERENCE_LIKE = re.compile(r"(?<![\w-])[a-z]{2,10}[-_/]\d{2,4}[-_/]\d{1,5}[a-z]?(?![\w-])")
# Words before a name that say which kind of name it is.
AREA_CONTEXT = frozenset({"in", "across", "within", "around", "covering", "serving"})
PROVIDER_CONTEXT = frozenset({"with", "to", "by", "from", "for", "does", "has", "have", "provider"})
STREAM_CONTEXT = frozenset({"funded", "under", "through", "stream", "paid"})


class QuestionEngine:
    """Answers questions about one register; build once, ask many times."""

    def __init__(
        self, register: Sequence[Agreement], *, fy_start_month: int = 4,
        payments: Mapping[str, Sequence[Instalment]] | None = None, bank_holidays: Container[date] = frozenset(),
    ) -> None:
        self.register = list(register)
        # Payment schedules by reference; questions about payments are answered only when given.
        self.payments = payments
        self.bank_holidays = bank_holidays
        self.vocabulary = Vocabulary(self.register)
        self.fy_start_month = fy_start_month
        self._titles = [normalise(a.title) for a in self.register]
        # Data-quality problems per agreement for one day: the register does not change
        # under an engine, so a second "data quality" question costs nothing.
        self._problems: dict[int, Sequence[Problem]] = {}
        self._problems_day: date | None = None
        self._references = {a.reference.lower(): a.reference for a in self.register}
        self._reference_pattern = (
            re.compile(
                r"(?<![\w-])(" + "|".join(re.escape(r) for r in sorted(self._references, key=len, reverse=True)) + r")(?![\w-])"
            )
            if self._references
            else None
        )

    @staticmethod
    def is_about_returns(question: str | None) -> bool:
        """True when answering needs the monitoring returns (load them only then)."""
        return bool(question) and bool(RETURNS_TOPIC.search(lower(question or "")))

    def answer(
        self, question: str | None, today: date, returns: Sequence[ReturnStatus] = (),
        payments: Mapping[str, Sequence[Instalment]] | None = None,
    ) -> Answer:
        """The answer to `question` as of `today`; never raises for odd input.

        `returns` is the monitoring overview, needed only when `is_about_returns`; `payments` the
        schedules, needed only when `is_about_payments` (else those given when the engine was built).
        """
        schedules = payments if payments is not None else self.payments
        text = (question or "").strip()
        if not text:
            return not_understood(text, "Ask me a question about the register.")
        if len(text) > MAX_QUESTION_LENGTH:
            return not_understood(text[:100], f"That question is too long; keep it under {MAX_QUESTION_LENGTH} characters.")
        try:
            if mentions_breakdown(lower(text)) and (is_about_payments(text) or self.is_about_returns(text)):
                raise NotUnderstood(BREAKDOWN_OF_LISTS_ONLY)
            if schedules is not None and is_about_payments(text):
                payments_query, register = parse_payments(self, text, today)
                return run_payments_query(payments_query, register, schedules, today, self.bank_holidays)
            if self.is_about_returns(text):
                returns_query, register = self.parse_returns(text, today)
                return run_returns_query(returns_query, register, returns, today)
            query = self.parse(text, today)
        except NeedsChoice as ambiguous:
            return replace(not_understood(text, str(ambiguous)), intent="choose", choices=ambiguous.choices)
        except NotUnderstood as refusal:
            return not_understood(text, str(refusal))
        return run_query(query, self.register, today, self._problems_of)

    def _problems_of(self, agreement: Agreement, today: date) -> Sequence[Problem]:
        if today != self._problems_day:
            self._problems, self._problems_day = {}, today
        found = self._problems.get(id(agreement))
        if found is None:
            found = self._problems[id(agreement)] = data_quality_problems(agreement, today)
        return found

    def parse_returns(self, question: str, today: date) -> tuple[ReturnsQuery, list[Agreement]]:
        """A returns question, and the agreements it is about (names and kinds narrow them)."""
        reading = Reading(lower(question))
        references = self._take_references(reading)
        found = self._take_period(reading, today, question)
        cues = taken(reading, RETURNS_CUES)
        hits, words = self._take_names(reading, {})
        kinds = take_kinds(words)
        leftovers = [w for w in words if w is not None and w not in FILLER]
        if leftovers:
            raise NotUnderstood(f"I didn't understand “{' '.join(leftovers)}” in a question about monitoring returns.")
        names = _name_filters(hits)
        register = [
            a for a in self.register
            if (not kinds or a.kind in kinds) and all(getattr(a, f.field) in f.values for f in names)
        ]
        scope = tuple(sorted(KIND_PLURALS[k] for k in kinds)) + tuple(
            f"{f.field.replace('_', ' ')} {' or '.join(sorted(f.values))}" for f in names
        )
        return replace(_returns_query(question, cues, found, references), scope=scope), register

    def parse(self, question: str, today: date) -> Query:
        reading = Reading(lower(question))
        references = self._take_references(reading)
        group_by = take_breakdown(reading)
        money = take_money(reading)
        period = self._take_period(reading, today, question)
        flags = take_cues(reading)
        hits, words = self._take_names(reading, flags)
        kinds = take_kinds(words)
        leftovers = [w for w in words if w is not None and w not in FILLER]
        anchors = references or money or period or hits or kinds or flags.get("anchor") or group_by
        aspect = flags.get("aspect")
        if group_by and (aspect or references):
            raise NotUnderstood(BREAKDOWN_OF_LISTS_ONLY)
        if aspect and not references and (hits or leftovers):
            return self._named_query(question, aspect, hits, kinds, leftovers, flags)
        if leftovers:
            said = " ".join(leftovers)
            raise NotUnderstood(
                f"I didn't understand “{said}”. If it is a name, I couldn't find it in the register "
                "as a provider, funding stream, area or category."
            )
        if not anchors:
            raise NotUnderstood(NOT_UNDERSTOOD)
        query = _list_query(question, references, money, period, flags, hits, kinds, today)
        if group_by == "month" and query.date_field == "running":
            raise NotUnderstood(MONTHS_NEED_A_DATE)
        return replace(query, group_by=group_by) if group_by else query

    def _take_references(self, reading: Reading) -> tuple[str, ...]:
        found: list[str] = []
        if self._reference_pattern:
            for match in reading.take(self._reference_pattern):
                found.append(self._references[match.group(1)])
        for match in reading.take(REFERENCE_LIKE):
            found.append(match.group(0).upper())
        return tuple(dict.fromkeys(found))

    def _take_period(self, reading: Reading, today: date, question: str) -> FoundPeriod | None:
        try:
            found = find_period(reading.text, today, self.fy_start_month)
        except PeriodAmbiguous as ambiguous:
            raise NeedsChoice(f"Which do you mean by “{ambiguous.said}”?", _choices(question, reading.text, ambiguous)) from None
        except PeriodNotUnderstood as error:
            raise NotUnderstood(f"I couldn't read “{error}” as a date or period. Try “by 31/03/2027” or “this quarter”.") from None
        if found is None:
            return None
        for span in found.spans:
            reading.blank(span)
        return found

    def _take_names(self, reading: Reading, flags: dict[str, object]) -> tuple[list[Hit], list[str | None]]:
        words: list[str | None] = list(normalise(reading.text).split())
        hits = self.vocabulary.find(words, reserved=RESERVED, filler=FILLER)
        chosen: list[Hit] = []
        for hit in hits:
            if any(words[i] is None for i in range(hit.start, hit.end)):
                continue  # another field's reading of the same words was chosen
            chosen.append(self._in_context(hit, words))
            for index in range(hit.start, hit.end):
                words[index] = None
        return chosen, words

    def _in_context(self, hit: Hit, words: Sequence[str | None]) -> Hit:
        """Choose area, provider or stream for a name by the words just before it."""
        options = self.vocabulary.all_fields_for(hit.said)
        if len(options) <= 1:
            return hit
        before = {w for w in words[max(0, hit.start - 2) : hit.start] if w}
        for context, field_name in ((STREAM_CONTEXT, "funding_stream"), (AREA_CONTEXT, "area"), (PROVIDER_CONTEXT, "provider")):
            if before & context and field_name in options:
                return Hit(field_name, options[field_name], hit.start, hit.end, hit.said, hit.score)
        return hit

    def _named_query(
        self,
        question: str,
        aspect: object,
        hits: list[Hit],
        kinds: frozenset[str],
        leftovers: list[str],
        flags: dict[str, object],
    ) -> Query:
        """One agreement by a loose name: register names first, then words of its title."""
        names = _name_filters(hits)
        said = " ".join([h.said for h in hits] + leftovers)
        statuses = flags.get("statuses") or frozenset({"active", "draft", "terminated"})
        query = Query(
            question=question,
            intent="agreement",
            kinds=kinds,
            statuses=statuses,  # type: ignore[arg-type]
            names=names,
            aspect=str(aspect),
            loose_name=said,
        )
        if leftovers:
            titles = self._titles_like(" ".join(leftovers), kinds)
            if not titles and not names:
                raise NotUnderstood(
                    f"I couldn't find an agreement called “{' '.join(leftovers)}”. Try its reference, "
                    "or ask “what do we fund?” to see them all."
                )
            if titles:
                query = replace(query, references=tuple(titles))
        return query

    def _titles_like(self, said: str, kinds: frozenset[str]) -> list[str]:
        """References of agreements whose title contains words like `said` (best matches only)."""
        found = process.extract(
            normalise(said), self._titles, scorer=fuzz.partial_ratio, score_cutoff=90, limit=None
        )
        scored = [
            (score, self.register[index].reference)
            for _title, score, index in found
            if not kinds or self.register[index].kind in kinds
        ]
        if not scored:
            return []
        best = max(score for score, _ in scored)
        return sorted(ref for score, ref in scored if score == best)


def _choices(question: str, read: str, ambiguous: PeriodAmbiguous) -> tuple[tuple[str, str], ...]:
    """Each reading of an ambiguous phrase as the whole question asked again with exact dates.

    The span is in the lower-cased text; it fits the question as typed when lower-casing kept
    every character in place, and the lower-cased question is used otherwise.
    """
    said = question.strip()
    base = said if len(lower(said)) == len(read) else read
    start, end = ambiguous.span
    return tuple(
        (choice.title, " ".join((base[:start] + choice.phrase + base[end:]).split())) for choice in ambiguous.choices
    )


def answer_question(question: str | None, register: Sequence[Agreement], today: date) -> Answer:
    """Answer one question about `register` as of `today` (builds the name index each call)."""
    return QuestionEngine(register).answer(question, today)


def not_understood(question: str, reason: str) -> Answer:
    return Answer(
        question=question,
        understood=False,
        intent="not_understood",
        headline=reason,
        interpretation="not understood",
        examples=EXAMPLES,
    )


_RETURN_STATES: dict[str, tuple[frozenset[str], str]] = {
    "awaiting": (frozenset({SUBMITTED}), "awaiting assessment"),
    "not_submitted": (NOT_SUBMITTED, "not submitted"),
    "overdue": (frozenset({OVERDUE}), "overdue"),
    "queried": (frozenset({QUERIED}), "queried"),
    "accepted": (frozenset({ACCEPTED}), "accepted"),
    "submitted": (frozenset({SUBMITTED, QUERIED, ACCEPTED}), "submitted"),
    "due": (frozenset({DUE, IN_PROGRESS}), "due"),
}


def _returns_query(question: str, cues: list[str | None], found: object, references: tuple[str, ...]) -> ReturnsQuery:
    """The first state cue decides which returns; a colour asks for the latest rating."""
    rag = next((c for c in cues if c in ("red", "amber", "green")), None)
    state = next((c for c in cues if c in _RETURN_STATES), None)
    states, label = _RETURN_STATES[state] if state else (None, "of any state")
    if states is None and not references and not rag:
        states, label = frozenset({DUE, OVERDUE, IN_PROGRESS, SUBMITTED, QUERIED, ACCEPTED}), "owed so far"
    return ReturnsQuery(
        question=question,
        states=states,
        period=getattr(found, "period", None),
        by_due=state in ("due", "overdue"),
        rag=rag,
        references=references,
        label=label,
    )


def _name_filters(hits: Sequence[Hit]) -> tuple[NameFilter, ...]:
    """Hits grouped by field: two areas mean either area; a provider and an area mean both."""
    grouped: dict[str, tuple[list[str], set[str]]] = {}
    for hit in hits:
        said, values = grouped.setdefault(hit.field, ([], set()))
        said.append(hit.said)
        values |= hit.values
    return tuple(NameFilter(name, " or ".join(said), frozenset(values)) for name, (said, values) in grouped.items())


def _aspect_from(flags: dict[str, object]) -> str:
    """"What is the end date of X?" asks about its end; "what is X worth?" its value."""
    if flags.get("date_field") in ("end", "start"):
        return str(flags["date_field"])
    if flags.get("intent") == "total":
        return "value"
    return "details"


def _list_query(
    question: str,
    references: tuple[str, ...],
    money: dict[str, tuple[Decimal, bool]],
    found_period: object,
    flags: dict[str, object],
    hits: list[Hit],
    kinds: frozenset[str],
    today: date,
) -> Query:
    period = getattr(found_period, "period", None)
    date_field = flags.get("date_field")
    state = flags.get("state")
    statuses = flags.get("statuses") or frozenset({"active"})
    data_quality = bool(flags.get("data_quality"))
    intent = str(flags.get("intent") or ("data_quality" if data_quality else "list"))
    if references:
        return Query(question=question, intent="agreement", references=references,
                     aspect=str(flags.get("aspect") or _aspect_from(flags)),
                     statuses=frozenset({"active", "draft", "terminated"}))
    if period is not None and date_field is None:
        date_field = "running" if state == "current" else "end"
    if period is not None and state == "ended" and date_field is None:
        date_field = "end"
    if data_quality and "statuses" not in flags:
        statuses = frozenset({"active", "draft"})
    ended_only = period is None and state == "ended"
    current_only = (
        period is None
        and not ended_only
        and not data_quality
        and flags.get("extension") not in ("extended", "none_left")
        and statuses == frozenset({"active"})
    )
    min_value = money.get("min")
    max_value = money.get("max")
    return Query(
        question=question,
        intent=intent,
        date_field=str(date_field) if (date_field and period is not None) else None,
        period=period,
        kinds=kinds,
        statuses=statuses,  # type: ignore[arg-type]
        names=_name_filters(hits),
        min_value=min_value[0] if min_value else None,
        min_inclusive=min_value[1] if min_value else False,
        max_value=max_value[0] if max_value else None,
        max_inclusive=max_value[1] if max_value else False,
        extension=flags.get("extension"),  # type: ignore[arg-type]
        ended_only=ended_only,
        current_only=current_only,
        problem_codes=flags["problem_codes"] if data_quality else None,  # type: ignore[arg-type]
    )


__all__ = ["EXAMPLES", "QuestionEngine", "answer_question", "not_understood", "STOPWORDS"]
