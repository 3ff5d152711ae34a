"""Follow-up questions: "and in Southwark?", "only the grants", "who is the contact for the first one?".

A follow-up is read against the conversation's `Context` — the last register question as it
was finally read, and the references its answer showed, in order. `refine` is a pure
function of that context and the new words (read into a `Fragment` by the same engine that
reads whole questions): it gives the refined `Query` with a line saying what was carried
over, or a plain refusal when "the first one" cannot be resolved, or None when the words
are a complete question of their own (which then replaces the context).

What counts as a follow-up (docs/questions.md "Follow-ups"):
- words that open like one: "and …", "what about …", "how about …", "only …", "just …", "also …";
- words that point into the last answer: "the first one", "the 3rd", "the last one", "it",
  "that one", "them";
- "show all" (every row of the last answer);
- words that only narrow — a name, an amount, a period, a status, "how many?" — with no
  subject of their own (no kind of agreement, no verb such as "end" or "fund").
A name, amount or period said again replaces the one before ("and in Southwark?" after
"… in Lambeth" asks about Southwark); after "also" it is added ("also in Hackney").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from bot.questions.engine import MAX_QUESTION_LENGTH, MONTHS_NEED_A_DATE, QuestionEngine, not_understood
from bot.questions.reading import NotUnderstood, Reading, lower
from bot.questions.tolerance import without_courtesy
from domain.answers import Answer, Period
from domain.query import KIND_PLURALS, NameFilter, Query, interpretation_parts
from domain.query_codec import ContextUnreadable, query_from_json, query_to_json

NOTHING_TO_POINT_AT = (
    "I have no earlier answer in this conversation to pick from (I keep one for a day). "
    "Ask a question that lists agreements first, such as “which grants end this quarter?”."
)
EVERY_STATUS = frozenset({"active", "draft", "terminated"})

# Said at the start, these make the words a follow-up whatever follows.
_OPENER = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|right|so|great|thanks|cheers)\b[,.!]?\s*)?"
    r"(?P<opener>and also|and|but|also|plus|now|then|what about|how about|what if|same (?:for|but|again)|"
    r"only|just|except|excluding)\b"
)
_ALSO = frozenset({"and also", "also", "plus"})
_ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4, "5th": 4,
    "sixth": 5, "6th": 5, "seventh": 6, "7th": 6, "eighth": 7, "8th": 7, "ninth": 8, "9th": 8, "tenth": 9, "10th": 9,
    "last": -1, "top": 0,
}
_ROW_WORDS = r"(?:one|agreement|contract|grant|partnership|item|row|result|entry)"
_ORDINAL = re.compile(
    r"\b(?:the |that |this )?(?P<which>" + "|".join(_ORDINALS) + r")(?: " + _ROW_WORDS + r"| on (?:the|that) list| in (?:the|that) list)\b"
    r"|\b(?:the |that |this )(?P<alone>" + "|".join(_ORDINALS) + r")\b(?= *[?.!]* *$)"
    r"|\b(?:number|no\.?|row|#) ?(?P<number>\d{1,3})\b"
)
_POINTER = re.compile(r"\b(?:that|this|the same) " + _ROW_WORDS + r"\b|\bit\b|\bits\b")
_THEM = re.compile(r"\b(?:of )?(?:them|those|these|they)\b")
_QUESTION_START = re.compile(
    r"^\s*(?:which|what|whats|what's|how|who|whose|when|where|list|show|tell|give|find|are|is|do|does|did|can|could|"
    r"will|has|have)\b"
)
_REFERRING = re.compile(r"^\s*(?:which|what) (?:ones?|of (?:them|those|these))\b|^\s*which (?:are|is)\b(?! (?:the|our|all))")
_SHOW_ALL = re.compile(
    r"^\s*(?:please )?(?:(?:show|list|give|see|display)(?: me)?(?: them| those| these| the)? )?"
    r"(?:all|everything|every one|the (?:full|whole) list|the rest|all of them|all of those|all rows|all results|them all)"
    r"(?: of them| of those| please)?\s*[.!?]*\s*$"
)


@dataclass(frozen=True)
class Context:
    """What one person's conversation remembers from their last register answer.

    `query` is the last list question as finally read (a follow-up's refinement, not its
    words); `shown` the references its answer showed, in order; `focus` the agreement last
    asked about on its own, which "it" and "that one" mean.
    """

    query: Query
    shown: tuple[str, ...] = ()
    focus: tuple[str, ...] = ()
    # The interpretation line its answer showed, when a follow-up wrote its own ("…, as before; now …").
    interpretation: str = ""


@dataclass(frozen=True)
class Fragment:
    """The new words on their own: what they point at, and every filter they name."""

    text: str
    opener: str = ""
    ordinal: int | None = None  # "the first one" → 0, "the last one" → -1
    pointer: bool = False  # "it", "that one"
    them: bool = False  # "of them", "those"
    show_all: bool = False
    question_start: bool = False  # "which …", "how …", "list …": the words ask rather than add
    referring: bool = False  # "which ones …", "which of …": asks about the last answer
    references: tuple[str, ...] = ()
    min_value: tuple[object, bool] | None = None
    max_value: tuple[object, bool] | None = None
    period: Period | None = None
    intent: str | None = None
    aspect: str | None = None
    date_field: str | None = None
    state: str | None = None
    extension: str | None = None
    statuses: frozenset[str] | None = None
    problem_codes: frozenset[str] | None = None
    names: tuple[NameFilter, ...] = ()
    kinds: frozenset[str] = frozenset()
    said_kind: bool = False
    group_by: str | None = None  # "by provider", "per month"
    leftovers: tuple[str, ...] = ()

    @property
    def narrows(self) -> bool:
        """Names a filter to apply to the last answer."""
        return bool(
            self.names or self.kinds or self.period or self.min_value or self.max_value or self.statuses
            or self.extension or self.problem_codes is not None or self.state or self.group_by
        )

    @property
    def has_subject(self) -> bool:
        """Reads as a question of its own: a kind of agreement, a reference, a data-quality check, a total by group."""
        return bool(
            self.said_kind or self.references or self.problem_codes is not None or (self.group_by and self.intent)
        )


@dataclass(frozen=True)
class FollowUp:
    """A follow-up read: the query to run, the words for what was carried over, the new context."""

    query: Query
    carried: str
    show_all: bool = False


@dataclass(frozen=True)
class CannotFollow:
    """Words that are plainly a follow-up but cannot be resolved ("the fifth one" of three)."""

    message: str


class _NoneOfThem(Exception):
    """ "which of them are grants?" when the last answer held only contracts (the message names what it held)."""


def read_fragment(engine: QuestionEngine, text: str, today: date) -> Fragment:
    """The new words as a `Fragment`, read by `engine` (its names, periods and cues).

    Raises `NotUnderstood` as the engine does for words it cannot read (an amount, a date).
    """
    reading = Reading(lower(text).strip())
    opener_match = _OPENER.match(reading.text)
    opener = opener_match.group("opener") if opener_match else ""
    question_start = not opener and bool(_QUESTION_START.match(reading.text))
    referring = not opener and bool(_REFERRING.match(reading.text))
    if opener_match:
        reading.blank(opener_match.span())
    show_all = bool(_SHOW_ALL.match(reading.text))
    ordinal: int | None = None
    for match in reading.take(_ORDINAL):
        if match.group("number"):
            ordinal = int(match.group("number")) - 1
        else:
            ordinal = _ORDINALS[match.group("which") or match.group("alone")]
    pointer = bool(reading.take(_POINTER))
    them = bool(reading.take(_THEM))
    if show_all:
        return Fragment(text=text, opener=opener, show_all=True)
    pieces = engine.read(reading, today, text, keep=True)
    flags = pieces.flags
    money_min = pieces.money.get("min")
    money_max = pieces.money.get("max")
    found = pieces.period
    statuses = flags.get("statuses")
    return Fragment(
        text=text,
        opener=opener,
        ordinal=ordinal,
        pointer=pointer,
        them=them,
        question_start=question_start,
        referring=referring,
        references=pieces.references,
        min_value=money_min,
        max_value=money_max,
        period=found.period if found is not None else None,
        intent=_str(flags.get("intent")),
        aspect=_str(flags.get("aspect")),
        date_field=_str(flags.get("date_field")),
        state=_str(flags.get("state")),
        extension=_str(flags.get("extension")),
        statuses=statuses if isinstance(statuses, frozenset) else None,
        problem_codes=flags["problem_codes"] if flags.get("data_quality") else None,  # type: ignore[arg-type]
        names=_name_filters(pieces.hits),
        kinds=pieces.kinds,
        said_kind=pieces.said_kind,
        group_by=pieces.group_by,
        leftovers=tuple(pieces.leftovers),
    )


def _str(value: object) -> str | None:
    return str(value) if value else None


def _name_filters(hits: object) -> tuple[NameFilter, ...]:
    from bot.questions.engine import _name_filters as grouped

    return grouped(hits)  # type: ignore[arg-type]


def refine(context: Context, fragment: Fragment, today: date) -> FollowUp | CannotFollow | None:
    """The follow-up the fragment asks for, or None when it is a complete question of its own."""
    if fragment.leftovers:
        return None  # words the engine cannot read: let it say so in full
    marked = bool(fragment.opener or fragment.them or fragment.referring)
    points = fragment.ordinal is not None or (
        fragment.pointer and not (fragment.said_kind or fragment.names or fragment.period or fragment.references)
    )
    if points or (fragment.aspect and marked and not (fragment.references or fragment.names)):
        return _about_one(context, fragment)
    if fragment.show_all:
        query = replace(context.query, question=fragment.text, group_by=None)
        if query.intent in ("count", "total"):
            query = replace(query, intent="list")
        return FollowUp(query, _carried_line(context.query, query, today, extra="every row"), show_all=True)
    if context.query.intent == "agreement":
        return _another_agreement(context, fragment)
    if fragment.aspect or fragment.references:
        return None
    if not marked and (fragment.has_subject or (fragment.question_start and fragment.narrows)):
        return None
    if not (fragment.narrows or fragment.intent):
        return None
    try:
        query = _narrowed(context.query, fragment)
    except _NoneOfThem as none:
        return CannotFollow(f"None of them: the last answer listed only {none}. Ask a question of its own to see others.")
    if query.group_by == "month" and query.date_field == "running":
        return CannotFollow(MONTHS_NEED_A_DATE)
    return FollowUp(query, _carried_line(context.query, query, today, extra=_intent_words(context.query, query)))


def _about_one(context: Context, fragment: Fragment) -> FollowUp | CannotFollow:
    """ "who is the contact for the first one?", "when does it end?", "tell me more about that one"."""
    shown = context.shown
    if fragment.ordinal is not None:
        if not shown:
            return CannotFollow("The last answer listed no agreements, so there is none to pick. Ask a question that lists some first.")
        index = fragment.ordinal
        if index >= len(shown) or index < -len(shown):
            return CannotFollow(
                f"The last answer listed {len(shown)} agreement{'s' if len(shown) != 1 else ''}; "
                "say which one by its number in the list or its reference."
            )
        references: tuple[str, ...] = (shown[index],)
    elif context.focus:
        references = context.focus
    elif len(shown) == 1:
        references = shown
    else:
        return CannotFollow(
            "Which agreement do you mean? Say “the first one”, “the second one”…, or give its reference."
        )
    aspect = fragment.aspect or _aspect_of(fragment) or "details"
    query = Query(question=fragment.text, intent="agreement", references=references, aspect=aspect, statuses=EVERY_STATUS)
    return FollowUp(query, "")


def _aspect_of(fragment: Fragment) -> str | None:
    """ "when does it end?" reads its end date; "how much is it worth?" its value."""
    if fragment.date_field in ("end", "start"):
        return fragment.date_field
    if fragment.intent == "total":
        return "value"
    return None


def _another_agreement(context: Context, fragment: Fragment) -> FollowUp | None:
    """After one agreement's contact, "and for OPCC-2024-001?" asks the same of another."""
    if not (fragment.references and fragment.opener) or fragment.narrows:
        return None
    aspect = fragment.aspect or context.query.aspect
    query = Query(question=fragment.text, intent="agreement", references=fragment.references, aspect=aspect,
                  statuses=EVERY_STATUS)
    return FollowUp(query, "")


def _narrowed(previous: Query, fragment: Fragment) -> Query:
    """The previous query with the fragment's filters put in place of (or, after "also", beside) its own."""
    also = fragment.opener in _ALSO
    # "which of them are grants?" picks from the last answer: a kind or name there is kept and narrowed.
    within = (fragment.them or fragment.referring) and not fragment.opener
    query = replace(previous, question=fragment.text, references=(), loose_name="")
    if fragment.kinds:
        if also and query.kinds:
            kinds = query.kinds | fragment.kinds
        elif within and query.kinds:
            kinds = query.kinds & fragment.kinds
            if not kinds:
                raise _NoneOfThem(" and ".join(KIND_PLURALS[k] for k in sorted(query.kinds)))
        else:
            kinds = fragment.kinds
        query = replace(query, kinds=kinds)
    if fragment.names:
        query = replace(query, names=_merged_names(query.names, fragment.names, also=also, within=within))
    query = _with_money(query, fragment)
    if fragment.statuses is not None:
        query = replace(query, statuses=fragment.statuses)
    if fragment.extension:
        query = replace(query, extension=fragment.extension)
    if fragment.extension in ("extended", "none_left"):
        query = replace(query, current_only=False)
    if fragment.problem_codes is not None:
        query = replace(query, problem_codes=fragment.problem_codes, intent="data_quality", current_only=False)
    if fragment.intent:
        query = replace(query, intent=fragment.intent)
    if fragment.group_by:
        query = replace(query, group_by=fragment.group_by)
    return _with_time(previous, query, fragment)


def _merged_names(
    before: tuple[NameFilter, ...], new: tuple[NameFilter, ...], *, also: bool, within: bool = False
) -> tuple[NameFilter, ...]:
    by_field = {name.field: name for name in before}
    for name in new:
        old = by_field.get(name.field)
        if also and old is not None:
            by_field[name.field] = NameFilter(name.field, f"{old.said} or {name.said}", old.values | name.values)
        elif within and old is not None:
            if not old.values & name.values:
                raise _NoneOfThem(f"{name.field.replace('_', ' ')} {' or '.join(sorted(old.values))}")
            by_field[name.field] = NameFilter(name.field, name.said, old.values & name.values)
        else:
            by_field[name.field] = name
    return tuple(by_field.values())


def _with_money(query: Query, fragment: Fragment) -> Query:
    """A new lower or upper limit replaces the same side; an old limit it contradicts is dropped."""
    if fragment.min_value is not None:
        amount, inclusive = fragment.min_value
        query = replace(query, min_value=amount, min_inclusive=inclusive)  # type: ignore[arg-type]
        if fragment.max_value is None and query.max_value is not None and query.max_value < query.min_value:  # type: ignore[operator]
            query = replace(query, max_value=None, max_inclusive=False)
    if fragment.max_value is not None:
        amount, inclusive = fragment.max_value
        query = replace(query, max_value=amount, max_inclusive=inclusive)  # type: ignore[arg-type]
        if fragment.min_value is None and query.min_value is not None and query.min_value > query.max_value:  # type: ignore[operator]
            query = replace(query, min_value=None, min_inclusive=False)
    return query


def _with_time(previous: Query, query: Query, fragment: Fragment) -> Query:
    """A new period replaces the old one, keeping what the date was about ("ending", "running")."""
    if fragment.period is not None:
        date_field = fragment.date_field or previous.date_field or ("running" if previous.current_only else "end")
        if fragment.state == "current" and not fragment.date_field:
            date_field = "running"
        return replace(query, period=fragment.period, date_field=date_field, current_only=False, ended_only=False)
    if fragment.state == "ended":
        return replace(query, period=None, date_field=None, ended_only=True, current_only=False)
    if fragment.state == "current":
        return replace(query, period=None, date_field=None, ended_only=False, current_only=True)
    if fragment.date_field and previous.period is not None and fragment.date_field != previous.date_field:
        return replace(query, date_field=fragment.date_field)  # "and starting then?"
    if query.statuses != previous.statuses and query.statuses != frozenset({"active"}):
        return replace(query, current_only=False)
    return query


def _intent_words(previous: Query, query: Query) -> str:
    if query.intent == previous.intent:
        return ""
    return {"count": "how many", "total": "total value", "list": "every row"}.get(query.intent, "")


def _carried_line(previous: Query, query: Query, today: date, *, extra: str = "") -> str:
    """ "Q4 2026/27: 1 Jan – 31 Mar 2027, grants, current end date, as before; now area Southwark"."""
    before = interpretation_parts(previous, today)
    after = interpretation_parts(query, today)
    carried = [part for part in after if part in before]
    now = [part for part in after if part not in before] + ([extra] if extra else [])
    carried = [part for part in carried if part != "all kinds"]
    dropped = [part for part in before if part not in after and part != "all kinds"]
    line = ", ".join(carried)
    if carried:
        line += ", as before"
    if now:
        line += ("; now " if carried else "now ") + ", ".join(now)
    if dropped:
        line += f" (instead of {', '.join(dropped)})"
    return line


def answer_in_context(
    engine: QuestionEngine, question: str | None, today: date, context: Context | None, **sources: object
) -> tuple[Answer, Context | None, bool]:
    """Answer `question` in a conversation: the answer, the context to keep, and whether to show every row.

    With no context, or words that make a complete question, this is the engine's own answer
    and the new context is that question (None for returns and payments questions, which
    follow-ups do not refine). Reading one agreement of the last list keeps the list.
    """
    text = (question or "").strip()
    if context is None and _ORDINAL.search(lower(text)):
        return not_understood(text, NOTHING_TO_POINT_AT), None, False
    if context is not None and _may_follow(engine, text, sources):
        outcome, mended = _follow_up(engine, context, without_courtesy(text), today)
        if isinstance(outcome, CannotFollow):
            return not_understood(text, outcome.message), context, False
        if outcome is not None:
            outcome = replace(outcome, query=replace(outcome.query, question=text))  # as typed, for "Show more"
            answer = engine.run(outcome.query, today)
            if mended:  # "the frist one": what was read, as the answer says it, and what was mended
                outcome = replace(outcome, carried=f"{outcome.carried or answer.interpretation} ({mended})")
            if outcome.carried:
                answer = replace(answer, interpretation=outcome.carried)
            kept = _next_context(context, outcome.query, answer)
            if kept is not None and kept.query is outcome.query:
                kept = replace(kept, interpretation=outcome.carried)
            return answer, kept, outcome.show_all
    answer, query = engine.answer_and_query(question, today, **sources)  # type: ignore[arg-type]
    if query is None:
        return answer, (context if not answer.understood else None), False
    return answer, _next_context(context, query, answer), False


def answer_again(engine: QuestionEngine, context: Context, today: date) -> Answer:
    """The context's own answer once more (another page of it), with the interpretation it showed."""
    answer = engine.run(context.query, today)
    return replace(answer, interpretation=context.interpretation) if context.interpretation else answer


def _may_follow(engine: QuestionEngine, text: str, sources: dict[str, object]) -> bool:
    """Refusals, returns and payments questions are answered afresh, never as a refinement."""
    if not text or len(text) > MAX_QUESTION_LENGTH or not without_courtesy(text):
        return False
    return not (engine.refuses(text) or _other_topic(engine, text, sources))


def _follow_up(engine: QuestionEngine, context: Context, text: str, today: date) -> tuple[FollowUp | CannotFollow | None, str]:
    """The follow-up as typed, else with slips mended ("whcih of them …"), and what was mended."""
    try:
        fragment = read_fragment(engine, text, today)
        outcome = refine(context, fragment, today)
        if outcome is not None or not fragment.leftovers:
            return outcome, ""
        mended = engine.mend(text)
        if not mended.corrections:
            return None, ""
        return refine(context, read_fragment(engine, mended.text, today), today), mended.describe()
    except NotUnderstood:
        return None, ""


def _other_topic(engine: QuestionEngine, text: str, sources: dict[str, object]) -> bool:
    """Returns and payments questions are answered afresh, never as a refinement."""
    from bot.questions.payments import is_about_payments

    if engine.is_about_returns(text):
        return True
    has_payments = sources.get("payments") is not None or engine.payments is not None
    return has_payments and is_about_payments(text)


def _next_context(context: Context | None, query: Query, answer: Answer) -> Context | None:
    """The context after an answer: a list replaces it; reading one of the last list keeps the list."""
    if not answer.understood:
        return context
    shown = tuple(answer.references)
    if query.intent == "agreement":
        if context is not None and shown and set(shown) <= set(context.shown):
            return replace(context, focus=shown)
        return Context(query=query, shown=shown, focus=shown if len(shown) == 1 else ())
    return Context(query=query, shown=shown)


CONTEXT_VERSION = 1


def context_to_json(context: Context) -> dict[str, object]:
    """The context as JSON for the database (`storage/question_context.py` keeps it for a day)."""
    return {"version": CONTEXT_VERSION, "query": query_to_json(context.query), "shown": list(context.shown),
            "focus": list(context.focus), "interpretation": context.interpretation}


def context_from_json(data: object) -> Context | None:
    """The stored context, or None when it was written in a form this version cannot read."""
    if not isinstance(data, dict) or data.get("version") != CONTEXT_VERSION:
        return None
    shown, focus, line = data.get("shown"), data.get("focus"), data.get("interpretation", "")
    if not isinstance(shown, list) or not isinstance(focus, list) or not isinstance(line, str):
        return None
    if not all(isinstance(reference, str) for reference in shown + focus):
        return None
    try:
        return Context(query=query_from_json(data.get("query")), shown=tuple(shown), focus=tuple(focus), interpretation=line)
    except ContextUnreadable:
        return None
