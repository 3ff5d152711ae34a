"""The demo's monitoring returns: a believable, deterministic mix whatever day the demo runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from demo.register import COLUMNS, demo_rows
from demo.returns import NAMED, first_loaded, plan_returns
from domain.agreement import Agreement
from domain.monitoring import ACCEPTED, IN_PROGRESS, OVERDUE, QUERIED, SUBMITTED, monitoring_periods, return_state
from domain.register_rows import parse_rows
from domain.returns import SPEND_IN_PERIOD, SPEND_TO_DATE, kpi_key, needs_reason, reason_key

# Mid-quarter, first and last days of quarters and years, a leap day, a due date.
TODAYS = [date(2026, 11, 22), date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 15), date(2027, 3, 31),
          date(2028, 2, 29), date(2026, 12, 31), date(2027, 1, 1)]


def demo_register(today: date) -> list[Agreement]:
    """The demo register as `demo` loads it: first imported two quarters before `today`."""
    rows = demo_rows(today)
    result = parse_rows(list(COLUMNS), ((n, [row[c] for c in COLUMNS]) for n, row in enumerate(rows, start=2)),
                        first_imported=first_loaded(today))
    return list(result.agreements)


def states(agreements: list[Agreement], today: date) -> Counter[str]:
    """How many owed returns people would see in each state once the plan is written."""
    plans = {(p.reference, p.period.start): p.outcome for p in plan_returns(agreements, today)}
    return Counter(
        return_state(period, plans.get((a.reference, period.start)), today)
        for a in agreements if a.status == "active"
        for period in monitoring_periods(a, today)
    )


@pytest.mark.parametrize(("today", "first"), [
    (date(2026, 11, 22), date(2026, 4, 1)), (date(2026, 4, 1), date(2025, 10, 1)),
    (date(2027, 3, 31), date(2026, 7, 1)), (date(2027, 1, 1), date(2026, 7, 1)), (date(2026, 2, 28), date(2025, 7, 1)),
], ids=str)
def test_the_demo_register_counts_as_loaded_two_financial_quarters_ago(today: date, first: date) -> None:
    """22 Nov 2026 is in Q3, so the register counts as first loaded on 1 April (the start of Q1)."""
    assert first_loaded(today) == first


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_on_any_day_something_is_overdue_awaiting_assessment_queried_and_red(today: date) -> None:
    """Every monitoring question the README suggests has an answer, whatever day the demo runs."""
    agreements = demo_register(today)
    seen = states(agreements, today)
    assert seen[OVERDUE] >= 3 and seen[SUBMITTED] >= 3 and seen[ACCEPTED] >= 10
    assert seen[QUERIED] == 2
    plans = plan_returns(agreements, today)
    latest: dict[str, str] = {}
    for plan in sorted(plans, key=lambda p: p.period.start):
        if plan.outcome != IN_PROGRESS:
            latest[plan.reference] = plan.rag
    assert list(latest.values()).count("Red") >= 2
    assert list(latest.values()).count("Amber") >= 2


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_opcc_2023_014_has_an_accepted_return_and_then_a_submitted_one(today: date) -> None:
    """The agreement people ask about by name: last quarter's return waits for assessment."""
    named = [p for p in plan_returns(demo_register(today), today) if p.reference == NAMED and p.period.end < today]
    assert [p.outcome for p in named][-2:] == [ACCEPTED, SUBMITTED]


def test_the_same_day_and_seed_give_the_same_returns() -> None:
    """The plan is deterministic; a different seed gives different returns."""
    today = date(2026, 11, 22)
    agreements = demo_register(today)
    assert plan_returns(agreements, today) == plan_returns(agreements, today)
    assert plan_returns(agreements, today, seed=7) != plan_returns(agreements, today)


def test_answers_look_like_a_providers() -> None:
    """KPI actuals near target with a reason when under 80%; spend within the agreement value."""
    today = date(2026, 11, 22)
    agreements = {a.reference: a for a in demo_register(today)}
    plans = plan_returns(list(agreements.values()), today)
    shortfalls = 0
    for plan in plans:
        answers = dict(plan.answers)
        agreement = agreements[plan.reference]
        for kpi in agreement.kpis:
            if kpi_key(kpi.name) in answers:
                actual = Decimal(answers[kpi_key(kpi.name)])
                assert Decimal("0.4") * kpi.target <= actual <= Decimal("1.25") * kpi.target
                if needs_reason(actual, kpi.target) and plan.outcome != IN_PROGRESS:
                    shortfalls += 1
                    assert answers[reason_key(kpi.name)]
        if SPEND_TO_DATE in answers:  # (a "same as last period" return copied its spend in the period)
            assert Decimal(answers.get(SPEND_IN_PERIOD, 0)) <= Decimal(answers[SPEND_TO_DATE]) <= agreement.value
    assert shortfalls >= 3
    rags = Counter(p.rag for p in plans if p.outcome != IN_PROGRESS)
    assert rags["Green"] > rags["Amber"] > rags["Red"] > 0


def test_accepted_returns_are_rated_and_queried_ones_say_why() -> None:
    """Accepted: Good or Approaching target. Queried: a comment telling the provider what to fix."""
    today = date(2026, 11, 22)
    plans = plan_returns(demo_register(today), today)
    assert {p.rating for p in plans if p.outcome == ACCEPTED} == {"Good", "Approaching target"}
    queried = [p for p in plans if p.outcome == QUERIED]
    assert len(queried) == 2 and all("resubmit" in p.comment for p in queried)
    for plan in plans:
        assert plan.started_at.date() <= today
        if plan.submitted_at:
            assert plan.started_at <= plan.submitted_at
        if plan.assessed_at:
            assert plan.submitted_at and plan.submitted_at <= plan.assessed_at and plan.assessed_at.date() <= today


def test_only_live_agreements_with_kpis_get_returns() -> None:
    """Drafts, terminated agreements and agreements without KPIs owe nothing, so get nothing."""
    today = date(2026, 11, 22)
    agreements = demo_register(today)
    without_kpis = [replace(a, kpis=()) if a.reference == NAMED else a for a in agreements]
    planned = {p.reference for p in plan_returns(without_kpis, today)}
    assert NAMED not in planned
    assert not planned & {a.reference for a in agreements if a.status != "active"}
