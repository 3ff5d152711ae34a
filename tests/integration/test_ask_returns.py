"""Questions about monitoring returns, answered from real returns in the database.

Three agreements monitored from April 2026; today is 5 October 2026, so Q1 (April–June,
due 15 July) is owed and Q2 (July–September) falls due on 15 October. The returns are
written through the same repository the check-in dialog uses.
"""

from datetime import date

import pytest
from returns_data import NORTHSIDE, SAFE_HARBOUR, TODAY, add_agreements
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.questions.engine import QuestionEngine
from domain.returns import CASE_STUDY, OUTCOMES, RAG, RISKS, SPEND_IN_PERIOD, SPEND_TO_DATE, kpi_key
from storage.agreements import load_register
from storage.db import session_factory
from storage.returns import ACCEPT, ReturnsRepository, returns_overview

Q1_START = date(2026, 4, 1)


def _answers(rag: str, kpis: dict[str, str]) -> dict[str, str]:
    return {**{kpi_key(k): v for k, v in kpis.items()}, SPEND_IN_PERIOD: "25000", SPEND_TO_DATE: "25000",
            RAG: rag, RISKS: "none", OUTCOMES: "Clients felt safer", CASE_STUDY: ""}


async def _submit(repo: ReturnsRepository, reference: str, actor: str, answers: dict[str, str]) -> int:
    ret = await repo.open_return(reference, Q1_START, actor, TODAY)
    for key, value in answers.items():
        await repo.save_answer(ret.id, key, value, actor)
    await repo.submit(ret.id, actor)
    return ret.id


@pytest.fixture
async def ask(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    """Ask as staff (whole register) or as a provider (its own agreements only)."""
    await add_agreements(engine)
    repo = ReturnsRepository(engine)
    await _submit(repo, "OPCC-2023-014", "returns@safeharbour.org.uk",
                  _answers("Red", {"referrals": "130", "sessions": "310"}))
    accepted = await _submit(repo, "OPCC-2024-077", "data@northside.org.uk", _answers("Green", {"young people": "61"}))
    await repo.assess(accepted, "cm@opcc.gov.uk", ACCEPT, "Good", "")
    async with session_factory(engine)() as session:
        register = await load_register(session)
        returns = await returns_overview(session, TODAY)

    def _ask(question: str, provider: str | None = None):  # type: ignore[no-untyped-def]
        visible = [a for a in register if provider is None or a.provider == provider]
        return QuestionEngine(visible).answer(question, TODAY, returns)

    return _ask


async def test_overdue_returns_are_the_ones_past_due_and_not_in(ask) -> None:  # type: ignore[no-untyped-def]
    """Q1 was due 15 July; only the agreement that never sent it is overdue."""
    answer = ask("which returns are overdue?")
    assert answer.understood and answer.references == ["OPCC-2024-031"]
    assert "Q1 2026/27 return: overdue (due 15 Jul 2026)" in answer.matches[0].notes


async def test_red_services_come_from_the_latest_rated_return(ask) -> None:  # type: ignore[no-untyped-def]
    """'Which services are red?' names the agreement whose provider rated itself red."""
    assert ask("which services are red?").references == ["OPCC-2023-014"]
    assert ask("which services are green?").references == ["OPCC-2024-077"]


async def test_returns_awaiting_assessment_are_the_submitted_ones(ask) -> None:  # type: ignore[no-untyped-def]
    """An accepted return is no longer waiting; a submitted one is."""
    assert ask("returns awaiting assessment").references == ["OPCC-2023-014"]


async def test_who_has_not_submitted_a_named_quarter(ask) -> None:  # type: ignore[no-untyped-def]
    """'Haven't submitted Q1' lists the agreements whose Q1 return has not arrived."""
    answer = ask("which providers haven't submitted Q1?")
    assert answer.references == ["OPCC-2024-031"]
    assert "Q1 2026/27: 1 Apr – 30 Jun 2026" in answer.interpretation


async def test_returns_due_soon_are_listed_by_due_date(ask) -> None:  # type: ignore[no-untyped-def]
    """Q2 returns fall due on 15 October for all three agreements."""
    answer = ask("which returns are due this month?")
    assert answer.references == ["OPCC-2023-014", "OPCC-2024-031", "OPCC-2024-077"]


async def test_one_agreements_return_for_a_quarter(ask) -> None:  # type: ignore[no-untyped-def]
    """'Show the Q1 return for OPCC-2024-077' shows that return's state."""
    answer = ask("show the Q1 return for OPCC-2024-077")
    assert answer.references == ["OPCC-2024-077"]
    assert answer.matches[0].notes == ("Q1 2026/27 return: accepted (due 15 Jul 2026), rated green",)


async def test_a_provider_sees_only_its_own_returns(ask) -> None:  # type: ignore[no-untyped-def]
    """Northside asking about red services learns nothing about Safe Harbour's return."""
    assert ask("which services are red?", provider=NORTHSIDE).references == []
    assert ask("show the Q1 return for OPCC-2023-014", provider=NORTHSIDE).references == []
    assert ask("which returns are overdue?", provider=SAFE_HARBOUR).references == ["OPCC-2024-031"]
