"""The words of each check-in question, built from the return so far.

Pure functions of a `MonitoringReturn` and a `Question`: what to ask, with the target, last
period's figure and the current answer (when going back or changing it), and the spend
warning that explains why an explanation is needed.
"""

from __future__ import annotations

from decimal import Decimal

from dialogs import checkin_text as say
from domain.returns import (
    CASE_STUDY,
    CHOICE,
    MONEY,
    NUMBER,
    OUTCOMES,
    RAG,
    RISKS,
    SAME_AS_LAST,
    SPEND_EXPLANATION,
    SPEND_IN_PERIOD,
    SPEND_TO_DATE,
    AnswerRefused,
    MonitoringReturn,
    Question,
    kpi_key,
)
from domain.values import format_date, format_money


def question_text(ret: MonitoringReturn, question: Question) -> str:
    """The full prompt for `question`, with hints where they help."""
    parts = [_ask(ret, question)]
    previous = ret.previous.answers.get(question.key) if ret.previous else None
    if previous is not None and question.kind in (NUMBER, MONEY, CHOICE) and question.key != SPEND_TO_DATE:
        parts.append(say.LAST_PERIOD_HINT.format(value=shown(question, previous)) + " Type 'same' to use it.")
    current = ret.answers.get(question.key)
    if current is not None and question.key != SAME_AS_LAST:
        parts.append(say.CURRENT_ANSWER_HINT.format(value=shown(question, current) or "none"))
    return " ".join(parts)


def _ask(ret: MonitoringReturn, question: Question) -> str:
    period = ret.period.label
    if question.key == SAME_AS_LAST:
        assert ret.previous is not None
        return say.SAME_AS_LAST.format(period=ret.previous.period.label, figures=figures(ret.previous), this_period=period)
    if question.key.startswith("kpi:"):
        return say.ASK_KPI.format(kpi=question.kpi, period=period, target=number(question.target))
    if question.key.startswith("reason:"):
        actual = ret.answers.get(kpi_key(question.kpi), "")
        return say.ASK_REASON.format(kpi=_capital(question.kpi), actual=actual, target=number(question.target))
    if question.key == SPEND_IN_PERIOD:
        return say.ASK_SPEND_IN_PERIOD.format(period=period)
    if question.key == SPEND_TO_DATE:
        return say.ASK_SPEND_TO_DATE.format(end=format_date(ret.period.end))
    if question.key == SPEND_EXPLANATION:
        return say.ASK_SPEND_EXPLANATION.format(warning=spend_warning(ret))
    return {RAG: say.ASK_RAG, RISKS: say.ASK_RISKS, OUTCOMES: say.ASK_OUTCOMES, CASE_STUDY: say.ASK_CASE_STUDY}[question.key]


def spend_warning(ret: MonitoringReturn) -> str:
    """Why spend needs explaining: over the agreement value, or far behind the profile."""
    check = ret.spend_check
    if check is None:
        return ""
    spent = format_money(check.spend_to_date)
    if check.over_value:
        return say.OVERSPEND_WARNING.format(spent=spent, value=format_money(ret.agreement.value))
    if check.underspend:
        warning = say.UNDERSPEND_PAID_WARNING if check.from_payments else say.UNDERSPEND_WARNING
        return warning.format(
            spent=spent, expected=format_money(check.expected_to_date), end=format_date(ret.period.end),
            percent=check.percent_of_profile,
        )
    return ""


def figures(ret: MonitoringReturn) -> str:
    """"referrals 130, sessions 310, £25,000 spent in the period, rated Green"."""
    parts = [f"{kpi.name} {number(kpi.actual)}" for kpi in ret.kpis if kpi.actual is not None]
    spend = ret.money(SPEND_IN_PERIOD)
    if spend is not None:
        parts.append(f"{format_money(spend)} spent in the period")
    if ret.answers.get(RAG):
        parts.append(f"rated {ret.answers[RAG]}")
    return ", ".join(parts) or "no figures"


def shown(question: Question, stored: str) -> str:
    """A stored answer as people read it."""
    if question.kind == MONEY:
        return format_money(Decimal(stored))
    return stored


def number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,}"


def problem_text(refused: AnswerRefused) -> str:
    """What was wrong with an answer, in words that say what to type instead."""
    template = say.PROBLEMS.get(refused.problem, say.PROBLEMS["empty"])
    details = dict(refused.details)
    if "in_period" in details:
        details["in_period"] = format_money(details["in_period"])  # type: ignore[arg-type]
    if "choices" in details:
        details["choices"] = ", ".join(details["choices"])  # type: ignore[arg-type]
    if "limit" in details:
        details["limit"] = f"{details['limit']:,}"
    return template.format(text=refused.text[:60], **details)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


TITLES = {
    SPEND_IN_PERIOD: "Spend in the period", SPEND_TO_DATE: "Spend to date", SPEND_EXPLANATION: "Spend explanation",
    RAG: "RAG rating", RISKS: "Risks and issues", OUTCOMES: "Outcomes", CASE_STUDY: "Case study",
    SAME_AS_LAST: "Same as last period",
}


def answer_title(question: Question) -> str:
    """The short name of an answer in lists and cards: "referrals", "Reason for referrals"."""
    if question.key.startswith("kpi:"):
        return question.kpi
    if question.key.startswith("reason:"):
        return f"Reason for {question.kpi}"
    return TITLES.get(question.key, question.key)
