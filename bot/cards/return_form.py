"""The one-card monitoring return: every question of the check-in as Adaptive Card inputs.

An alternative to answering one question at a time. Schema 1.5 with only 1.2 elements, so
labels and error messages are text blocks (Input `label`/`errorMessage` are 1.3): KPI actuals
are Input.Number, spend and free text Input.Text, RAG an Input.ChoiceSet. Fields are
prefilled with what the provider entered (or saved) and show last period's figures as
placeholders. Input ids are the answer keys of `domain.returns`; the submit button carries
`{"action": "submit_return_form", "return_id": ...}`, which the server checks against the
stored return and the caller, never trusting the card.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.cards.elements import card, heading, submit, subtle, text
from dialogs import return_form_text as say
from dialogs.checkin_questions import number
from dialogs.intents import OPEN_RETURN_FORM, SUBMIT_RETURN_FORM
from domain.return_form import form_value
from domain.returns import (
    CASE_STUDY,
    MAX_TEXT,
    OUTCOMES,
    RAG,
    RAG_CHOICES,
    RISKS,
    SHORTFALL_THRESHOLD,
    SPEND_EXPLANATION,
    SPEND_IN_PERIOD,
    SPEND_TO_DATE,
    MonitoringReturn,
    kpi_key,
    reason_key,
)
from domain.values import format_date, format_money

Card = dict[str, Any]


def form_offer_card(ret: MonitoringReturn) -> Card:
    """The small card under the first question: a button that opens the one-card form."""
    body = [subtle("Or answer everything at once on one card.")]
    actions = [submit(say.FORM_BUTTON, {"action": OPEN_RETURN_FORM, "return_id": ret.id})]
    return card(body, actions, fallback_text=say.FORM_BUTTON)


def return_form_card(
    ret: MonitoringReturn, entered: Mapping[str, object] | None = None, problems: Mapping[str, str] | None = None
) -> Card:
    """The whole return as one form; `entered` is what was sent last time, `problems` the message per field."""
    values: Mapping[str, object] = entered if entered is not None else _stored(ret)
    problems = problems or {}
    previous = ret.previous.answers if ret.previous else {}
    body: list[Card] = [
        heading(f"{ret.period.label} return \u2014 {ret.reference}"),
        subtle(f"{ret.agreement.title} \u00b7 due {format_date(ret.period.due)}"),
        text(say.FORM_INTRO),
    ]
    if problems:
        count = say.FORM_ONE_PROBLEM if len(problems) == 1 else say.FORM_PROBLEM_COUNT.format(count=len(problems))
        body.append(text(count, color="Attention", weight="Bolder"))
    for kpi in ret.agreement.kpis:
        key = kpi_key(kpi.name)
        label = say.KPI_LABEL.format(kpi=kpi.name, period=ret.period.label, target=number(kpi.target))
        hint = say.LAST_PERIOD.format(value=previous[key]) if key in previous else say.NUMBER_PLACEHOLDER
        body += _field(label, _number_input(key, form_value(values, key), hint), problems.get(key))
        why = reason_key(kpi.name)
        threshold = number(kpi.target * SHORTFALL_THRESHOLD)
        body += _field(say.REASON_LABEL.format(kpi=kpi.name, threshold=threshold), _text_input(why, values), problems.get(why))
    body += _field(
        say.SPEND_IN_PERIOD_LABEL.format(period=ret.period.label),
        _text_input(SPEND_IN_PERIOD, values, _money_hint(previous.get(SPEND_IN_PERIOD)), multiline=False),
        problems.get(SPEND_IN_PERIOD),
    )
    body += _field(
        say.SPEND_TO_DATE_LABEL.format(end=format_date(ret.period.end)),
        _text_input(SPEND_TO_DATE, values, say.MONEY_PLACEHOLDER, multiline=False),
        problems.get(SPEND_TO_DATE),
    )
    body += _field(say.SPEND_EXPLANATION_LABEL, _text_input(SPEND_EXPLANATION, values), problems.get(SPEND_EXPLANATION))
    rag_label = say.RAG_LABEL + (f" ({say.LAST_PERIOD.format(value=previous[RAG])})" if RAG in previous else "")
    body += _field(rag_label, _rag_input(form_value(values, RAG)), problems.get(RAG))
    body += _field(say.RISKS_LABEL, _text_input(RISKS, values, say.RISKS_PLACEHOLDER), problems.get(RISKS))
    body += _field(say.OUTCOMES_LABEL, _text_input(OUTCOMES, values), problems.get(OUTCOMES))
    body += _field(say.CASE_STUDY_LABEL, _text_input(CASE_STUDY, values), problems.get(CASE_STUDY))
    body.append(subtle(say.FORM_TYPED_INSTEAD))
    actions = [submit(say.CHECK_BUTTON, {"action": SUBMIT_RETURN_FORM, "return_id": ret.id})]
    return card(body, actions, fallback_text=f"{ret.period.label} return form for {ret.reference}")


def _stored(ret: MonitoringReturn) -> dict[str, str]:
    """Saved answers as a provider would type them (money as £12,500)."""
    shown = dict(ret.answers)
    for key in (SPEND_IN_PERIOD, SPEND_TO_DATE):
        if key in shown:
            shown[key] = format_money(Decimal(shown[key]))
    return shown


def _field(label: str, element: Card, problem: str | None) -> list[Card]:
    items = [text(label, weight="Bolder", spacing="Medium"), element]
    if problem:
        items.append(text(problem, color="Attention", spacing="None"))
    return items


def _number_input(key: str, value: str, placeholder: str) -> Card:
    element: Card = {"type": "Input.Number", "id": key, "min": 0, "placeholder": placeholder}
    try:
        amount = Decimal(value.replace(",", "")) if value else None
    except InvalidOperation:
        amount = None
    if amount is not None and amount.is_finite() and amount >= 0:
        element["value"] = int(amount) if amount == amount.to_integral_value() else float(amount)
    return element


def _text_input(key: str, values: Mapping[str, object], placeholder: str = "", *, multiline: bool = True) -> Card:
    element: Card = {"type": "Input.Text", "id": key, "maxLength": MAX_TEXT}
    if multiline:
        element["isMultiline"] = True
    if placeholder:
        element["placeholder"] = placeholder
    value = form_value(values, key)
    if value:
        element["value"] = value[:MAX_TEXT]
    return element


def _rag_input(value: str) -> Card:
    element: Card = {
        "type": "Input.ChoiceSet", "id": RAG, "style": "expanded",
        "choices": [{"title": choice, "value": choice} for choice in RAG_CHOICES],
    }
    chosen = next((c for c in RAG_CHOICES if c.lower() == value.strip().lower()), None)
    if chosen:
        element["value"] = chosen
    return element


def _money_hint(previous: str | None) -> str:
    return say.LAST_PERIOD.format(value=format_money(Decimal(previous))) if previous else say.MONEY_PLACEHOLDER
