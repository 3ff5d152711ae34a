"""Monitoring returns: the questions a return asks, how answers are checked, and its flags.

A return's answers are kept as a flat mapping of question key to the normalised text of
the answer ("kpi:referrals" → "96", "spend_to_date" → "41250.00", "rag" → "Amber"), so a
draft can be saved answer by answer, shown in data, and resumed after any interruption.
Which questions a return asks depends on the agreement (one per KPI) and on earlier
answers (a reason only when an actual is below 80% of target; an explanation only when
spend is over the agreement value or far behind a straight-line profile). The dialog asks
`next_question`; staff cards and the contracts-channel notification read `return_flags`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from domain.agreement import Agreement
from domain.monitoring import MonitoringPeriod
from domain.values import ValueNotUnderstood, parse_money, quoted

SHORTFALL_THRESHOLD = Decimal("0.8")
UNDERSPEND_THRESHOLD = Decimal("0.5")
MAX_TEXT = 2000

RAG_CHOICES: tuple[str, ...] = ("Red", "Amber", "Green")
# Procurement Act 2023 key performance indicator assessment scale.
RATINGS: tuple[str, ...] = ("Good", "Approaching target", "Requires improvement", "Inadequate")
NONE_WORDS = ("none", "no", "nil", "n/a", "na", "nothing", "no risks", "none to report")
SKIP_WORDS = ("skip", "none", "no", "n/a", "na", "not this time")

# Question kinds.
NUMBER = "number"
MONEY = "money"
TEXT = "text"
OPTIONAL_TEXT = "optional_text"
NONE_OR_TEXT = "none_or_text"
CHOICE = "choice"
YES_NO = "yes_no"

SAME_AS_LAST = "same_as_last"
SPEND_IN_PERIOD = "spend_in_period"
SPEND_TO_DATE = "spend_to_date"
SPEND_EXPLANATION = "spend_explanation"
RAG = "rag"
RISKS = "risks"
OUTCOMES = "outcomes"
CASE_STUDY = "case_study"
# Answers copied when the provider says the figures are the same as last period.
COPIED_FROM_LAST = (SPEND_IN_PERIOD, RAG, RISKS, OUTCOMES)


class AnswerRefused(ValueError):
    """An answer that cannot be accepted; `problem` names what was wrong, for the edge to word."""

    def __init__(self, problem: str, text: str = "", **details: object) -> None:
        super().__init__(f"{problem}: {quoted(text)}")
        self.problem = problem
        self.text = text
        self.details = details


# Problems an answer can have.
EMPTY = "empty"
NOT_A_NUMBER = "not_a_number"
NEGATIVE = "negative"
NOT_MONEY = "not_money"
TO_DATE_BELOW_PERIOD = "to_date_below_period"
NOT_A_CHOICE = "not_a_choice"
TOO_LONG = "too_long"


@dataclass(frozen=True)
class Question:
    """One question of a return: `key` in the answers, `kind` for validation, `kpi` when per KPI."""

    key: str
    kind: str
    kpi: str = ""
    target: Decimal | None = None
    choices: tuple[str, ...] = ()


def kpi_key(name: str) -> str:
    return f"kpi:{name}"


def reason_key(name: str) -> str:
    return f"reason:{name}"


_NUMBER = re.compile(r"^\s*(-)?\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*%?\s*$")


def parse_actual(text: object) -> Decimal:
    """A KPI actual: a number of 0 or more (`96`, `1,200`, `12.5`, `85%`)."""
    raw = "" if text is None else str(text).strip()
    if not raw:
        raise AnswerRefused(EMPTY, raw)
    match = _NUMBER.match(raw)
    if not match:
        raise AnswerRefused(NOT_A_NUMBER, raw)
    if match.group(1):
        raise AnswerRefused(NEGATIVE, raw)
    try:
        number = Decimal(match.group(2).replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise AnswerRefused(NOT_A_NUMBER, raw) from None
    try:
        return number.normalize() if number != number.to_integral_value() else number.quantize(Decimal(1))
    except InvalidOperation:  # more digits than the decimal context holds (29 and up): no KPI counts that high
        raise AnswerRefused(NOT_A_NUMBER, raw) from None


def parse_spend(text: object) -> Decimal:
    """Pounds spent: `£12,500`, `12.5k`, `12500`; never empty, never negative."""
    raw = "" if text is None else str(text).strip()
    if not raw:
        raise AnswerRefused(EMPTY, raw)
    if raw.lstrip().startswith("-") or raw.lstrip().startswith("£-"):
        raise AnswerRefused(NEGATIVE, raw)
    try:
        amount = parse_money(raw)
    except ValueNotUnderstood:
        raise AnswerRefused(NOT_MONEY, raw) from None
    assert amount is not None
    return amount


def parse_rag(text: object) -> str:
    """Red, Amber or Green, in any case, or their first letters."""
    return _parse_choice(text, RAG_CHOICES, {"r": "Red", "a": "Amber", "g": "Green"})


def parse_rating(text: object) -> str:
    """A Procurement Act 2023 rating: Good, Approaching target, Requires improvement, Inadequate."""
    return _parse_choice(text, RATINGS, {"approaching": "Approaching target", "requires": "Requires improvement"})


def _parse_choice(text: object, choices: tuple[str, ...], aliases: dict[str, str]) -> str:
    raw = "" if text is None else " ".join(str(text).split()).strip(" .!").lower()
    if not raw:
        raise AnswerRefused(EMPTY, raw)
    for choice in choices:
        if raw == choice.lower():
            return choice
    if raw in aliases:
        return aliases[raw]
    raise AnswerRefused(NOT_A_CHOICE, raw, choices=choices)


def parse_yes_no(text: object) -> bool:
    raw = "" if text is None else str(text).strip().lower().strip(" .!")
    if raw in ("yes", "y", "yes please", "same", "ok", "use them"):
        return True
    if raw in ("no", "n", "no thanks", "different"):
        return False
    raise AnswerRefused(NOT_A_CHOICE, raw, choices=("Yes", "No"))


def clean_text(text: object, *, none_means_empty: bool = False, skip_allowed: bool = False) -> str:
    """Free text as typed (trimmed); "none" → "" where allowed; too-long answers refused."""
    raw = "" if text is None else str(text).strip()
    words = raw.lower().strip(" .!")
    if none_means_empty and words in NONE_WORDS:
        return ""
    if skip_allowed and words in SKIP_WORDS:
        return ""
    if not raw:
        if skip_allowed:
            return ""
        raise AnswerRefused(EMPTY, raw)
    if len(raw) > MAX_TEXT:
        raise AnswerRefused(TOO_LONG, raw[:40], limit=MAX_TEXT)
    return raw


def needs_reason(actual: Decimal, target: Decimal) -> bool:
    """True when an actual is below 80% of a positive target: the provider must say why."""
    return target > 0 and actual < target * SHORTFALL_THRESHOLD


@dataclass(frozen=True)
class SpendCheck:
    """Spend to date against the agreement value and a straight-line profile."""

    expected_to_date: Decimal | None
    over_value: bool
    underspend: bool
    spend_to_date: Decimal = Decimal(0)
    # The expectation is the money actually paid to the provider, not a straight line of the value.
    from_payments: bool = False

    @property
    def needs_explanation(self) -> bool:
        return self.over_value or self.underspend

    @property
    def percent_of_profile(self) -> int | None:
        if not self.expected_to_date or self.expected_to_date <= 0:
            return None
        return int(round(self.spend_to_date / self.expected_to_date * 100))


def expected_spend_to_date(agreement: Agreement, as_of: date) -> Decimal | None:
    """What a straight-line profile of the agreement value expects spent by `as_of` (inclusive)."""
    start, end, value = agreement.start_date, agreement.current_end_date, agreement.value
    if start is None or end is None or value is None or end < start:
        return None
    total_days = (end - start).days + 1
    elapsed = min(max((as_of - start).days + 1, 0), total_days)
    return (value * elapsed / total_days).quantize(Decimal("0.01"))


def check_spend(
    agreement: Agreement, period: MonitoringPeriod, spend_to_date: Decimal, paid_to_date: Decimal | None = None,
) -> SpendCheck:
    """Over the agreement value, or under half of the profile expected by the period end.

    With `paid_to_date` (what the payment schedule shows actually paid by the period end), the
    profile is the money the provider has received, not a straight line of the value: a charity
    paid late cannot be blamed for spending late.
    """
    expected = paid_to_date if paid_to_date is not None else expected_spend_to_date(agreement, period.end)
    over = agreement.value is not None and spend_to_date > agreement.value
    under = expected is not None and expected > 0 and spend_to_date < expected * UNDERSPEND_THRESHOLD
    return SpendCheck(expected, over, under, spend_to_date, from_payments=paid_to_date is not None)


def questions_for(
    agreement: Agreement, period: MonitoringPeriod, answers: dict[str, str], *, has_previous: bool = False,
    paid_to_date: Decimal | None = None,
) -> list[Question]:
    """Every question this return asks now, in order; conditional ones follow earlier answers.

    `paid_to_date` (the money paid to the provider by the period end, when the agreement has a
    payment schedule) is what spend is judged against, as in `check_spend`.
    """
    questions: list[Question] = []
    if has_previous:
        questions.append(Question(SAME_AS_LAST, YES_NO))
    for kpi in agreement.kpis:
        questions.append(Question(kpi_key(kpi.name), NUMBER, kpi=kpi.name, target=kpi.target))
        actual = answers.get(kpi_key(kpi.name))
        if actual is not None and needs_reason(Decimal(actual), kpi.target):
            questions.append(Question(reason_key(kpi.name), TEXT, kpi=kpi.name, target=kpi.target))
    questions.append(Question(SPEND_IN_PERIOD, MONEY))
    questions.append(Question(SPEND_TO_DATE, MONEY))
    to_date = answers.get(SPEND_TO_DATE)
    if to_date is not None and check_spend(agreement, period, Decimal(to_date), paid_to_date).needs_explanation:
        questions.append(Question(SPEND_EXPLANATION, TEXT))
    questions.append(Question(RAG, CHOICE, choices=RAG_CHOICES))
    questions.append(Question(RISKS, NONE_OR_TEXT))
    questions.append(Question(OUTCOMES, TEXT))
    questions.append(Question(CASE_STUDY, OPTIONAL_TEXT))
    return questions


def next_question(questions: list[Question], answers: dict[str, str]) -> Question | None:
    """The first question without an answer; None when the return is ready to submit."""
    return next((q for q in questions if q.key not in answers), None)


def question_before(questions: list[Question], key: str) -> Question | None:
    """The question asked just before `key` (for "back"); None at the first."""
    keys = [q.key for q in questions]
    if key not in keys:
        return None
    index = keys.index(key)
    return questions[index - 1] if index > 0 else None


def normalise_answer(question: Question, text: object, answers: dict[str, str]) -> str:
    """The answer as it will be stored, or `AnswerRefused` saying what was wrong."""
    if question.kind == NUMBER:
        return str(parse_actual(text))
    if question.kind == MONEY:
        amount = parse_spend(text)
        in_period = answers.get(SPEND_IN_PERIOD)
        if question.key == SPEND_TO_DATE and in_period is not None and amount < Decimal(in_period):
            raise AnswerRefused(TO_DATE_BELOW_PERIOD, str(text), in_period=Decimal(in_period))
        return f"{amount:.2f}"
    if question.kind == CHOICE:
        return parse_rag(text)
    if question.kind == YES_NO:
        return "yes" if parse_yes_no(text) else "no"
    if question.kind == NONE_OR_TEXT:
        return clean_text(text, none_means_empty=True)
    if question.kind == OPTIONAL_TEXT:
        return clean_text(text, skip_allowed=True)
    return clean_text(text)


def apply_answer(
    agreement: Agreement, period: MonitoringPeriod, answers: dict[str, str], key: str, value: str, *, has_previous: bool = False,
    paid_to_date: Decimal | None = None,
) -> dict[str, str]:
    """Answers with `key` set to `value`, dropping answers the change made meaningless.

    A reason for a shortfall that is no longer a shortfall, or a spend explanation that is no
    longer needed, goes; so does a spend to date now below the spend in the period (it is
    asked again).
    """
    changed = dict(answers)
    changed[key] = value
    if key == SPEND_IN_PERIOD and SPEND_TO_DATE in changed and Decimal(changed[SPEND_TO_DATE]) < Decimal(value):
        del changed[SPEND_TO_DATE]
    asked = {q.key for q in questions_for(agreement, period, changed, has_previous=has_previous, paid_to_date=paid_to_date)}
    return {k: v for k, v in changed.items() if k in asked}


@dataclass(frozen=True)
class KpiActual:
    """One KPI in a return: target, actual (None until answered) and the shortfall reason."""

    name: str
    target: Decimal
    actual: Decimal | None = None
    reason: str = ""

    @property
    def short(self) -> bool:
        return self.actual is not None and needs_reason(self.actual, self.target)

    @property
    def percent(self) -> int | None:
        if self.actual is None or self.target <= 0:
            return None
        return int(round(self.actual / self.target * 100))


@dataclass(frozen=True)
class MonitoringReturn:
    """A return as people see it: the agreement, the period, the answers and where it stands."""

    id: int
    agreement: Agreement
    period: MonitoringPeriod
    state: str
    answers: dict[str, str] = field(default_factory=dict)
    submitted_by: str = ""
    submitted_at: datetime | None = None
    assessed_by: str = ""
    assessed_at: datetime | None = None
    rating: str = ""
    assessment_comment: str = ""
    # The return for the period before, when there is one: "same as last quarter?" and the
    # assessor's comparison read it.
    previous: MonitoringReturn | None = None
    # Paid to the provider by the period end, when the agreement has a stored payment schedule:
    # spend is judged against the money received, not a straight line of the value.
    paid_to_date: Decimal | None = None

    @property
    def questions(self) -> list[Question]:
        return questions_for(self.agreement, self.period, self.answers, has_previous=self.previous is not None,
                             paid_to_date=self.paid_to_date)

    @property
    def next_question(self) -> Question | None:
        return next_question(self.questions, self.answers)

    @property
    def complete(self) -> bool:
        return self.next_question is None

    @property
    def reference(self) -> str:
        return self.agreement.reference

    @property
    def provider(self) -> str:
        return self.agreement.provider

    @property
    def kpis(self) -> tuple[KpiActual, ...]:
        result = []
        for kpi in self.agreement.kpis:
            actual = self.answers.get(kpi_key(kpi.name))
            result.append(
                KpiActual(kpi.name, kpi.target, Decimal(actual) if actual is not None else None, self.answers.get(reason_key(kpi.name), ""))
            )
        return tuple(result)

    def money(self, key: str) -> Decimal | None:
        value = self.answers.get(key)
        return Decimal(value) if value is not None else None

    @property
    def spend_check(self) -> SpendCheck | None:
        to_date = self.money(SPEND_TO_DATE)
        return None if to_date is None else check_spend(self.agreement, self.period, to_date, self.paid_to_date)


def provider_key(name: str) -> str:
    """Provider names compare ignoring case and spacing, as roles do."""
    return " ".join(name.casefold().split())


def belongs_to(agreement: Agreement, providers: Iterable[str]) -> bool:
    """True when the agreement's provider is one of `providers`: the only authorisation test."""
    return provider_key(agreement.provider) in {provider_key(name) for name in providers}


def copy_from_previous(ret: MonitoringReturn) -> dict[str, str]:
    """Answers after "same as last period": KPI actuals, reasons, period spend, RAG, risks, outcomes.

    Spend to date and the case study are never copied: they are new every period.
    """
    if ret.previous is None:
        return dict(ret.answers)
    answers = dict(ret.answers)
    answers[SAME_AS_LAST] = "yes"
    previous = ret.previous.answers
    for kpi in ret.agreement.kpis:
        for key in (kpi_key(kpi.name), reason_key(kpi.name)):
            if key in previous and key not in answers:
                answers[key] = previous[key]
    for key in COPIED_FROM_LAST:
        if key in previous and key not in answers:
            answers[key] = previous[key]
    asked = {q.key for q in questions_for(ret.agreement, ret.period, answers, has_previous=True, paid_to_date=ret.paid_to_date)}
    return {k: v for k, v in answers.items() if k in asked}


def return_flags(ret: MonitoringReturn) -> list[str]:
    """What a contract manager should notice, in plain words, most serious first."""
    flags: list[str] = []
    if ret.answers.get(RAG) == "Red":
        flags.append("Provider rates the service Red")
    for kpi in ret.kpis:
        if kpi.short:
            flags.append(f"{kpi.name}: {kpi.actual} against a target of {kpi.target} ({kpi.percent}%)")
    check = ret.spend_check
    if check is not None and check.over_value:
        flags.append("Spend to date is above the agreement value")
    if check is not None and check.underspend:
        against = "the money paid to date" if check.from_payments else "the expected profile"
        flags.append(f"Underspend: spend to date is {check.percent_of_profile}% of {against}")
    if ret.answers.get(RISKS):
        flags.append("Risks or issues reported")
    return flags
