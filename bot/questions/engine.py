"""Reading a register question in English and answering it.

`answer_question` is the one entry point for Teams and `ask`. It finds, in order, the
agreement references, money limits, the period, the phrases that set the intent (data
quality, extensions, one agreement's contact…), the register names (loosely), and the
kind words. Anything left that is not a common filler word means the question was not
fully understood, and the answer says so with examples instead of guessing.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Container, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from rapidfuzz import fuzz, process

from bot.questions.breakdowns import mentions_breakdown, take_breakdown
from bot.questions.examples import GENERAL as GENERAL_EXAMPLES
from bot.questions.examples import examples_for
from bot.questions.names import STOPWORDS, Hit, Vocabulary, normalise
from bot.questions.payments import is_about_payments, parse_payments
from bot.questions.period_phrases import MONTHS, NUMBER_WORDS, FoundPeriod, PeriodAmbiguous, PeriodNotUnderstood, find_period
from bot.questions.reading import NeedsChoice, NotUnderstood, Reading, lower, take_cues, take_kinds, take_money, taken
from bot.questions.refusals import HERE_IS_WHAT, LEADING_VERBS, NOT_HELD, Refusal, refusal
from bot.questions.tolerance import Mended, Mender, without_courtesy
from bot.questions.words import FILLER, KIND_WORDS, READ_WORDS, RESERVED, RETURNS_CUES, RETURNS_TOPIC
from domain.agreement import Agreement
from domain.answers import Answer
from domain.data_quality import Problem
from domain.data_quality import problems as data_quality_problems
from domain.monitoring import ACCEPTED, DUE, IN_PROGRESS, OVERDUE, QUERIED, SUBMITTED, ReturnStatus
from domain.payments import Instalment
from domain.payments_query import run_payments_query
from domain.query import KIND_PLURALS, NameFilter, Query, run_query
from domain.register_index import RegisterIndex
from domain.returns_query import NOT_SUBMITTED, ReturnsQuery, run_returns_query

MAX_QUESTION_LENGTH = 500
# Examples that name nothing in a register, for answers built without an engine.
EXAMPLES: tuple[str, ...] = GENERAL_EXAMPLES
# The examples name no date, so any day checks that they are read; a fixed one keeps them deterministic.
EXAMPLES_CHECKED_ON = date(2026, 4, 1)
NOTHING_ASKED = "Hello! Ask me a question about the register, or type help to see what I can answer."
NOT_UNDERSTOOD = "Sorry, I didn't understand that question."
BREAKDOWN_OF_LISTS_ONLY = (
    "I can break down lists of agreements (count and total value by provider, funding stream, area, category, "
    "kind or month), not one agreement's details, payments or monitoring returns. Try “total value by provider”."
)
MONTHS_NEED_A_DATE = (
    "An agreement runs across many months, so I can't group what runs in a period by month. "
    "Ask which agreements end (or start) in the period, by month: “grants ending this year by month”."
)
# A run of letters, digits, "_" and "-" standing alone: where a register's reference may be.
WORD_RUN = re.compile(r"(?<![\w-])[\w-]+(?![\w-])")
REFERENCE_LIKE = re.compile(r"(?<![\w-])[a-z]{2,10}[-_/]\d{2,4}[-_/]\d{1,5}[a-z]?(?![\w-])")
# Words before a name that say which kind of name it is.
AREA_CONTEXT = frozenset({"in", "across", "within", "around", "covering", "serving"})
PROVIDER_CONTEXT = frozenset({"with", "to", "by", "from", "for", "does", "has", "have", "provider"})
STREAM_CONTEXT = frozenset({"funded", "under", "through", "stream", "paid"})


ANSWERS_KEPT = 256


class Pieces(NamedTuple):
    """What `QuestionEngine.read` found in a question, before it is made into a `Query`."""

    references: tuple[str, ...]
    money: dict[str, tuple[Decimal, bool]]
    period: FoundPeriod | None
    flags: dict[str, object]
    hits: list[Hit]
    kinds: frozenset[str]
    leftovers: list[str]
    said_kind: bool  # a kind word, or "agreements", "projects"… was said
    group_by: str | None  # "per provider", "by month"…: a breakdown


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
        # Words of the register's own names and titles: never mended as slips, and never read as a
        # judgement or a refusal ("Best Start Trust" is a provider).
        self._name_words = frozenset(
            word
            for a in self.register
            for value in (a.provider, a.funding_stream, a.area, a.category, a.title)
            if value
            for word in normalise(value).split()
        )
        self._name_phrases = self.vocabulary.phrases()
        self._mender = Mender(READ_WORDS | FILLER | set(KIND_WORDS) | set(MONTHS) | set(NUMBER_WORDS), self._name_words)
        self._examples: tuple[str, ...] | None = None
        self._kept_read: tuple[tuple[str, date, str], str, Pieces] | None = None
        # References, dates per kind and status, and name values: questions look up, not scan.
        self.index = RegisterIndex(self.register)
        # Reading references in a question always goes through the index's reference map.
        self._find_reference = self.index.find
        # Answers by (query, day): the register never changes under an engine, so twenty
        # people asking "which grants expire this quarter?" today share one answer.
        self._answers: OrderedDict[tuple[Query, date], Answer] = OrderedDict()
        # References are found word by word through the index; only those with characters other
        # than letters, digits, "_" and "-" (rare) need a pattern, which at 100,000 references
        # would cost tens of megabytes.
        odd = {a.reference.lower(): a.reference for a in self.register if not WORD_RUN.fullmatch(a.reference)}
        self._odd_references = odd
        self._odd_pattern = (
            re.compile(r"(?<![\w-])(" + "|".join(re.escape(r) for r in sorted(odd, key=len, reverse=True)) + r")(?![\w-])")
            if odd
            else None
        )

    def _problems_of(self, agreement: Agreement, today: date) -> Sequence[Problem]:
        """Problems remembered per day by the index (worked out afresh when there is none, as tests compare)."""
        if self.index is None:
            return data_quality_problems(agreement, today)
        return self.index.problems_of(agreement, today)

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
        return self.answer_and_query(question, today, returns, payments)[0]

    def answer_and_query(
        self, question: str | None, today: date, returns: Sequence[ReturnStatus] = (),
        payments: Mapping[str, Sequence[Instalment]] | None = None,
    ) -> tuple[Answer, Query | None]:
        """The answer, and the register `Query` it ran (None for returns, payments and refusals),
        so a conversation can keep the question for follow-ups.

        Greetings and politeness are dropped, and a question not understood as typed is read again
        with slips in its ordinary words mended (the interpretation says what was mended). Requests
        to act, to judge, or about what the register does not hold are refused with the nearest
        question that can be answered.
        """
        schedules = payments if payments is not None else self.payments
        text = (question or "").strip()
        if not text:
            return self._with_examples(not_understood(text, "Ask me a question about the register.")), None
        if len(text) > MAX_QUESTION_LENGTH:
            return self._with_examples(
                not_understood(text[:100], f"That question is too long; keep it under {MAX_QUESTION_LENGTH} characters.")
            ), None
        courteous = without_courtesy(text)
        if not courteous:
            return self._with_examples(not_understood(text, NOTHING_ASKED)), None
        refused = refusal(lower(courteous), self._name_words)
        if refused is not None:
            return self._refused(text, refused, lower(courteous), today), None
        answer, query = self._answer(courteous, today, returns, schedules)
        if not (answer.understood or answer.choices):
            # Only a question not understood as typed is read again with its slips mended, so a
            # real word the vocabulary lacks ("later") never changes a question that was understood.
            mended = self._mender.mend(lower(courteous))
            if mended.corrections:
                refused = refusal(mended.text, self._name_words)
                if refused is not None:
                    return self._refused(text, refused, mended.text, today), None
                second, second_query = self._answer(mended.text, today, returns, schedules)
                if second.understood:
                    answer, query = replace(second, interpretation=f"{second.interpretation} ({mended.describe()})"), second_query
                elif second.choices:
                    answer = replace(second, details=(*second.details, f"I {mended.describe()}."))
        if answer.question != text:
            answer = replace(answer, question=text)
        if query is not None and query.question != text:
            query = replace(query, question=text)  # "Show more" and follow-ups know it as typed
        return (answer if answer.understood or answer.choices else self._with_examples(answer)), query

    def refuses(self, question: str) -> bool:
        """True for a request to act or judge, or about what the register does not hold (see `answer`)."""
        return refusal(lower(without_courtesy(question)), self._name_words) is not None

    def mend(self, question: str) -> Mended:
        """The question, lower-cased, with slips in its ordinary words mended (as `answer` reads it again)."""
        return self._mender.mend(lower(question))

    def _answer(
        self, text: str, today: date, returns: Sequence[ReturnStatus], schedules: Mapping[str, Sequence[Instalment]] | None
    ) -> tuple[Answer, Query | None]:
        try:
            if mentions_breakdown(lower(text)) and (is_about_payments(text) or self.is_about_returns(text)):
                raise NotUnderstood(BREAKDOWN_OF_LISTS_ONLY)
            if schedules is not None and is_about_payments(text):
                payments_query, register = parse_payments(self, text, today)
                return run_payments_query(payments_query, register, schedules, today, self.bank_holidays), None
            if self.is_about_returns(text):
                returns_query, register = self.parse_returns(text, today)
                return run_returns_query(returns_query, register, returns, today), None
            query = self.parse(text, today)
        except NeedsChoice as ambiguous:
            return replace(not_understood(text, str(ambiguous)), intent="choose", choices=ambiguous.choices), None
        except NotUnderstood as refusal:
            return not_understood(text, str(refusal)), None
        return self.run(query, today), query

    def run(self, query: Query, today: date) -> Answer:
        """Apply a query (this engine's own reading, or a follow-up's refinement) to the register.

        Remembered for the last few hundred (query, day) pairs: the register never changes under
        an engine, so a question many people ask today is answered once.
        """
        try:
            key = (query, today)
            kept = self._answers.get(key)
        except TypeError:  # a query carrying something unhashable is simply not remembered
            return run_query(query, self.register, today, self._problems_of, self.index)
        if kept is not None:
            self._answers.move_to_end(key)
            return kept
        answer = self._answers[key] = run_query(query, self.register, today, self._problems_of, self.index)
        while len(self._answers) > ANSWERS_KEPT:
            self._answers.popitem(last=False)
        return answer

    @property
    def examples(self) -> tuple[str, ...]:
        """Example questions naming this register's own reference, provider and area, each one it answers."""
        if self._examples is None:
            today = EXAMPLES_CHECKED_ON
            self._examples = tuple(q for q in examples_for(self.register) if self._answer(q, today, (), None)[0].understood)
        return self._examples

    def _with_examples(self, answer: Answer) -> Answer:
        return replace(answer, examples=self.examples)

    def _refused(self, question: str, refused: Refusal, lowered: str, today: date) -> Answer:
        """A plain refusal, offering first the nearest question this register can answer."""
        nearest = self._nearest(refused, lowered, today)
        examples = tuple(dict.fromkeys(([nearest] if nearest else []) + list(self.examples)))
        return Answer(
            question=question,
            understood=False,
            intent="refused",
            headline=f"{refused.message} {HERE_IS_WHAT}" if nearest else refused.message,
            interpretation=f"refused ({refused.kind.replace('_', ' ')})",
            examples=examples,
        )

    def _nearest(self, refused: Refusal, lowered: str, today: date) -> str | None:
        """The first of a few nearby questions that this engine understands.

        A question about the agreement the request named ("when does the X contract end?") counts
        only when it finds that agreement; the topic's own questions (overdue returns, total value)
        count whenever they are understood.
        """
        rest = " ".join(re.sub(r"[?!.]+$", "", refused.rest).split())
        rest = LEADING_VERBS.sub("", re.sub(r"^(?:all |the |our |about |on |for |of |to )+", "", rest))
        rest = self._restore_references(rest)
        topical: list[str] = []
        if RETURNS_TOPIC.search(lowered):
            state = "overdue" if re.search(r"\b(?:overdue|late)\b", lowered) else "due"
            topical.append(f"which monitoring returns are {state}?")
        if refused.kind == NOT_HELD:
            try:
                found = find_period(lowered, today, self.fy_start_month)
            except ValueError:
                found = None
            if found is not None:
                said = " ".join(lowered[a:b] for a, b in found.spans).strip()
                topical.append(f"what is the total value of agreements running {_as_period_words(said)}?")
            topical.append("what is the total value of current agreements?")
        for candidate in topical:
            if self._answer(candidate, today, (), None)[0].understood:
                return candidate
        if rest and not re.match(r"^(?:which|what|who|how|when|where|is|are|do|does)\b", rest):
            for candidate in (f"when does {rest} end?", f"tell me about {rest}"):
                answer = self._answer(candidate, today, (), None)[0]
                if answer.understood and answer.intent == "agreement" and 1 <= answer.count <= 3:
                    return candidate
        return None

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

    def read(self, reading: Reading, today: date, question: str, *, keep: bool = False) -> Pieces:
        """Every piece of a register question, in the order they are read; what is left is not understood.

        With `keep`, the reading is kept for the next read of the same words, once: a follow-up
        check reads the words first, and when they are a complete question the engine's own
        parse of them then costs nothing more.
        """
        key = (reading.text, today, question)
        kept, self._kept_read = self._kept_read, None
        if kept is not None and kept[0] == key:
            reading.text = kept[1]
            return kept[2]
        pieces = self._read(reading, today, question)
        if keep:
            self._kept_read = (key, reading.text, pieces)
        return pieces

    def _read(self, reading: Reading, today: date, question: str) -> Pieces:
        references = self._take_references(reading)
        names = self._hide_names(reading)
        group_by = take_breakdown(reading)
        money = take_money(reading)
        period = self._take_period(reading, today, question)
        flags = take_cues(reading)
        for (start, end), said in names:  # back for the name reader, which finds them whole
            reading.text = reading.text[:start] + said + reading.text[end:]
        hits, words = self._take_names(reading, flags)
        said_kind = any(w in KIND_WORDS for w in words if w is not None)
        kinds = take_kinds(words)
        leftovers = [w for w in words if w is not None and w not in FILLER]
        return Pieces(references, money, period, flags, hits, kinds, leftovers, said_kind, group_by)

    def parse(self, question: str, today: date) -> Query:
        pieces = self.read(Reading(lower(question)), today, question)
        references, money, period, flags, hits, kinds, leftovers, _, group_by = pieces
        anchors = references or money or period or hits or kinds or flags.get("anchor") or group_by
        aspect = flags.get("aspect")
        if not aspect and flags.get("signed") and (references or leftovers):
            aspect = flags["aspect"] = "signed"  # "is GR-2024-015 signed by both parties?"
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

    def _hide_names(self, reading: Reading) -> list[tuple[tuple[int, int], str]]:
        """Blank the register's names of two or more words, said exactly, until the names are read.

        Dates, money and cue phrases are read first, and a name may hold their words: "Best Start
        Trust" holds "start", so "what do we fund with Best Start Trust?" would lose it to the date reader.
        """
        if self._name_phrases is None:
            return []
        hidden = [(match.span(), match.group(0)) for match in self._name_phrases.finditer(reading.text)]
        for span, _said in hidden:
            reading.blank(span)
        return hidden

    def _take_references(self, reading: Reading) -> tuple[str, ...]:
        found: list[str] = []
        if self._odd_pattern:
            for match in reading.take(self._odd_pattern):
                found.append(self._odd_references[match.group(1)])
        for match in list(WORD_RUN.finditer(reading.text)):
            agreement = self._find_reference(match.group(0))
            if agreement is not None:
                reading.blank(match.span())
                found.append(agreement.reference)
        for match in reading.take(REFERENCE_LIKE):
            found.append(match.group(0).upper())
        return tuple(dict.fromkeys(found))

    def _restore_references(self, text: str) -> str:
        """`text` (lower case) with each reference in the register written as the register writes it."""
        if self._odd_pattern:
            text = self._odd_pattern.sub(lambda m: self._odd_references[m.group(1)], text)

        def written(match: re.Match[str]) -> str:
            agreement = self._find_reference(match.group(0))
            return match.group(0) if agreement is None else agreement.reference

        return WORD_RUN.sub(written, text)

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


def _as_period_words(said: str) -> str:
    """"for 2030" → "in 2030": a period said after "budget for" reads as one after "running"."""
    return re.sub(r"^(?:for|of)\s+", "in ", said) if re.match(r"^(?:for|of)\s+\d{4}$", said) else (
        said if re.match(r"^(?:in|during|by|before|this|next|last|between|from|on|q\d)\b", said) else f"in {said}"
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
    if flags.get("extension") in ("options_left", "none_left", "cannot_extend"):
        return "extensions"  # "does GR-2024-015 have extension options left?"
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
    ended_only = period is None and state == "ended"
    # "Current" said outright always means not ended by today, data-quality questions included.
    current_only = period is None and not ended_only and (
        state == "current"
        or (not data_quality and flags.get("extension") not in ("extended", "none_left") and statuses == frozenset({"active"}))
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
        signed=flags.get("signed"),  # type: ignore[arg-type]
    )


__all__ = ["EXAMPLES", "QuestionEngine", "answer_question", "not_understood", "STOPWORDS"]
