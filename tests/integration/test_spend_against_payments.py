"""Spend in a monitoring return is judged against the money actually paid, where payments are recorded."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from returns_data import TODAY, add_agreements
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cards.checkin import assessment_card
from dialogs.checkin_questions import spend_warning
from domain.returns import OUTCOMES, RAG, RISKS, SPEND_EXPLANATION, SPEND_IN_PERIOD, SPEND_TO_DATE, kpi_key, return_flags
from storage.db import session_factory
from storage.payments import record_payment
from storage.returns import ReturnsRepository

Q2_START = date(2026, 7, 1)
ACTOR = "returns@safeharbour.org.uk"
FINANCE = "finance@opcc.example"


@pytest.fixture
async def repo(engine: AsyncEngine) -> ReturnsRepository:
    await add_agreements(engine)
    return ReturnsRepository(engine)


async def paid(engine: AsyncEngine, amount: str, on: date, reference: str = "OPCC-2023-014") -> None:
    async with session_factory(engine)() as session, session.begin():
        await record_payment(session, reference, Decimal(amount), on, actor=FINANCE)


async def spend(repo: ReturnsRepository, to_date: str, reference: str = "OPCC-2023-014"):  # type: ignore[no-untyped-def]
    ret = await repo.open_return(reference, Q2_START, ACTOR, TODAY)
    figures = {kpi_key(kpi.name): str(kpi.target) for kpi in ret.agreement.kpis}
    for key, value in {**figures, SPEND_IN_PERIOD: to_date, SPEND_TO_DATE: to_date}.items():
        ret = await repo.save_answer(ret.id, key, value, ACTOR)
    return ret


async def test_a_provider_paid_late_is_not_asked_to_explain_spending_late(repo: ReturnsRepository, engine: AsyncEngine) -> None:
    """£20,000 spent of the £25,000 received by 30 September is fine, though a straight line expected £50,000."""
    await paid(engine, "25000", date(2026, 7, 20))
    await paid(engine, "25000", date(2026, 10, 2))  # after the period end: not money they had to spend
    ret = await spend(repo, "20000")
    assert ret.paid_to_date == Decimal("25000.00")
    assert ret.next_question is not None and ret.next_question.key == RAG
    assert not any("spend" in flag.lower() for flag in return_flags(ret))
    assert "80% of the £25,000 paid to date" in json.dumps(assessment_card(ret), ensure_ascii=False)


async def test_spending_well_behind_what_was_paid_needs_explaining(repo: ReturnsRepository, engine: AsyncEngine) -> None:
    """£100,000 paid in advance and £40,000 spent: behind the money received, though on a straight line."""
    await paid(engine, "100000", date(2026, 4, 1))
    ret = await spend(repo, "40000")
    assert ret.next_question is not None and ret.next_question.key == SPEND_EXPLANATION
    assert spend_warning(ret) == (
        "Spend to date of £40,000 is well behind the £100,000 we had paid you by 30 Sep 2026 (40% of it).")
    ret = await repo.save_answer(ret.id, SPEND_EXPLANATION, "Recruitment took a quarter longer", ACTOR)
    for key, value in {RAG: "Amber", RISKS: "none", OUTCOMES: "Clients felt safer"}.items():
        ret = await repo.save_answer(ret.id, key, value, ACTOR)
    assert "Underspend: spend to date is 40% of the money paid to date" in return_flags(await repo.load(ret.id))


async def test_without_payments_spend_is_judged_against_a_straight_line_of_the_value(repo: ReturnsRepository) -> None:
    """No schedule stored: the profile is the value spread evenly over the term, as before."""
    ret = await spend(repo, "20000", reference="OPCC-2024-031")
    assert ret.paid_to_date is None
    assert ret.next_question is not None and ret.next_question.key == SPEND_EXPLANATION
    assert "straight-line profile" in spend_warning(ret)
