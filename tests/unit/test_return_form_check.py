"""The one-card form is checked question by question with the dialog's rules, in the dialog's order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.agreement import Agreement, Kpi
from domain.monitoring import MonitoringPeriod
from domain.return_form import check_form
from domain.returns import (
    EMPTY,
    NOT_A_NUMBER,
    SAME_AS_LAST,
    SPEND_EXPLANATION,
    SPEND_IN_PERIOD,
    SPEND_TO_DATE,
    TO_DATE_BELOW_PERIOD,
    MonitoringReturn,
    kpi_key,
    reason_key,
)

AGREEMENT = Agreement(
    reference="R-1", kind="grant", title="Outreach", provider="Safe Harbour", value=Decimal("100000"),
    start_date=date(2026, 4, 1), end_date=date(2027, 3, 31), kpis=(Kpi("referrals", Decimal(100)),),
)
Q1 = MonitoringPeriod("Q1 2026/27", date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 15))
Q2 = MonitoringPeriod("Q2 2026/27", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15))
DRAFT = MonitoringReturn(1, AGREEMENT, Q1, "in_progress")
GOOD = {kpi_key("referrals"): "90", SPEND_IN_PERIOD: "25k", SPEND_TO_DATE: "25k", "rag": "g", "risks": "none", "outcomes": "Helped"}


def test_a_good_form_gives_every_answer_normalised() -> None:
    """Money, RAG and "none" are stored exactly as the dialog stores them."""
    check = check_form(DRAFT, GOOD)
    assert check.ok
    assert check.answers == {
        kpi_key("referrals"): "90", SPEND_IN_PERIOD: "25000.00", SPEND_TO_DATE: "25000.00", "rag": "Green",
        "risks": "", "outcomes": "Helped", "case_study": "",
    }


def test_a_bad_actual_does_not_also_ask_for_a_reason() -> None:
    """Only the actual is wrong; the reason is needed once a valid actual is below 80%."""
    assert set(check_form(DRAFT, {**GOOD, kpi_key("referrals"): "ninety"}).problems) == {kpi_key("referrals")}
    problems = check_form(DRAFT, {**GOOD, kpi_key("referrals"): "70"}).problems
    assert {key: p.problem for key, p in problems.items()} == {reason_key("referrals"): EMPTY}


def test_spend_to_date_is_checked_against_the_forms_own_period_spend() -> None:
    """To date below the period's spend is refused; a bad to date asks for no explanation."""
    problems = check_form(DRAFT, {**GOOD, SPEND_TO_DATE: "10k"}).problems
    assert {key: p.problem for key, p in problems.items()} == {SPEND_TO_DATE: TO_DATE_BELOW_PERIOD}
    problems = check_form(DRAFT, {**GOOD, SPEND_TO_DATE: {"forged": 1}}).problems
    assert {key: p.problem for key, p in problems.items()} == {SPEND_TO_DATE: EMPTY}
    problems = check_form(DRAFT, {**GOOD, SPEND_TO_DATE: "150k", kpi_key("referrals"): "x"}).problems
    assert {key: p.problem for key, p in problems.items()} == {kpi_key("referrals"): NOT_A_NUMBER, SPEND_EXPLANATION: EMPTY}


def test_answering_by_form_means_the_figures_were_not_copied() -> None:
    """With a previous return, `same_as_last` is answered "no" so the return can be complete."""
    later = MonitoringReturn(2, AGREEMENT, Q2, "in_progress", previous=MonitoringReturn(1, AGREEMENT, Q1, "accepted"))
    check = check_form(later, {**GOOD, SPEND_TO_DATE: "50k"})
    assert check.ok and check.answers[SAME_AS_LAST] == "no"
