"""Returns in the database: drafts saved answer by answer, submission, assessment, overview."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from returns_data import NORTHSIDE, SAFE_HARBOUR, TODAY, add_agreements
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.returns import CASE_STUDY, OUTCOMES, RAG, RISKS, SAME_AS_LAST, SPEND_IN_PERIOD, SPEND_TO_DATE, kpi_key, reason_key
from storage.db import session_factory
from storage.models import MonitoringReturn as ReturnRow
from storage.models import OutboxItem, ReturnKpiActual
from storage.returns import (
    ACCEPT,
    QUERY,
    NotAwaitingAssessment,
    NotYourReturn,
    ReturnIncomplete,
    ReturnNotOpen,
    ReturnsRepository,
    StalePrompt,
    UnknownReturn,
    returns_overview,
)

Q2_START = date(2026, 7, 1)
Q1_START = date(2026, 4, 1)
ACTOR = "returns@safeharbour.org.uk"
FULL = {
    kpi_key("referrals"): "130", kpi_key("sessions"): "310", SPEND_IN_PERIOD: "25000.00",
    SPEND_TO_DATE: "50000.00", RAG: "Green", RISKS: "", OUTCOMES: "Clients felt safer", CASE_STUDY: "",
}


@pytest.fixture
async def repo(engine: AsyncEngine) -> ReturnsRepository:
    await add_agreements(engine)
    return ReturnsRepository(engine)


async def answer_all(repo: ReturnsRepository, return_id: int, answers: dict[str, str]) -> None:
    for key, value in answers.items():
        await repo.save_answer(return_id, key, value, ACTOR)


async def test_a_provider_sees_only_its_own_agreements(repo: ReturnsRepository) -> None:
    """Agreements are chosen by the provider's organisation, never anyone else's."""
    mine = await repo.agreements_of([SAFE_HARBOUR.upper()])
    assert [a.reference for a in mine] == ["OPCC-2023-014", "OPCC-2024-031"]
    assert [a.reference for a in await repo.agreements_of([NORTHSIDE])] == ["OPCC-2024-077"]
    assert await repo.agreements_of([]) == []


async def test_each_answer_is_in_the_return_data_as_soon_as_it_is_given(repo: ReturnsRepository, engine: AsyncEngine) -> None:
    """A draft is real data: answers JSON, KPI rows and state in_progress after one answer."""
    ret = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    await repo.save_answer(ret.id, kpi_key("referrals"), "90", ACTOR)
    await repo.save_answer(ret.id, reason_key("referrals"), "Two advisers on leave", ACTOR)
    async with session_factory(engine)() as session:
        row = await session.get(ReturnRow, ret.id)
        actuals = (await session.scalars(select(ReturnKpiActual))).all()
    assert row is not None and row.state == "in_progress"
    assert row.answers == {kpi_key("referrals"): "90", reason_key("referrals"): "Two advisers on leave"}
    assert [(a.kpi_name, a.actual, a.target, a.shortfall_reason) for a in actuals] == [
        ("referrals", "90", "120", "Two advisers on leave")
    ]
    reloaded = await ReturnsRepository(engine).load(ret.id)
    assert reloaded.next_question.key == kpi_key("sessions")  # type: ignore[union-attr]


async def test_opening_a_return_twice_gives_the_same_draft(repo: ReturnsRepository) -> None:
    """Resuming finds the draft already started rather than a new blank return."""
    first = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    await repo.save_answer(first.id, kpi_key("referrals"), "125", ACTOR)
    again = await repo.open_return("OPCC-2023-014", Q2_START, "someone@else", TODAY)
    assert again.id == first.id and again.answers == {kpi_key("referrals"): "125"}


async def test_a_period_not_owed_cannot_be_opened(repo: ReturnsRepository) -> None:
    """Forged periods (future quarters, made-up dates) and unknown references are refused."""
    with pytest.raises(UnknownReturn):
        await repo.open_return("OPCC-2023-014", date(2027, 1, 1), ACTOR, TODAY)
    with pytest.raises(UnknownReturn):
        await repo.open_return("OPCC-2023-014", date(2026, 7, 2), ACTOR, TODAY)
    with pytest.raises(UnknownReturn):
        await repo.open_return("NOPE-1", Q2_START, ACTOR, TODAY)


async def test_an_incomplete_return_cannot_be_submitted(repo: ReturnsRepository) -> None:
    """Submit needs every question answered."""
    ret = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    await repo.save_answer(ret.id, kpi_key("referrals"), "125", ACTOR)
    with pytest.raises(ReturnIncomplete):
        await repo.submit(ret.id, ACTOR)


async def test_submitting_records_who_and_when_and_queues_the_channel_card(repo: ReturnsRepository, engine: AsyncEngine) -> None:
    """Submission changes the state, is audited, and puts one card in the outbox."""
    ret = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    await answer_all(repo, ret.id, FULL)
    submitted = await repo.submit(ret.id, ACTOR, notification={"type": "AdaptiveCard"})
    assert submitted.state == "submitted" and submitted.submitted_by == ACTOR and submitted.submitted_at
    with pytest.raises(ReturnNotOpen):
        await repo.save_answer(ret.id, RAG, "Red", ACTOR)
    async with session_factory(engine)() as session:
        outbox = (await session.scalars(select(OutboxItem))).all()
    assert [(o.rule, o.reference, o.audience, o.payload) for o in outbox] == [
        ("return_submitted", "OPCC-2023-014", "contracts_channel", {"card": {"type": "AdaptiveCard"}})
    ]
    actions = [(e.action, e.field) for e in await repo.audit_trail("OPCC-2023-014")]
    assert actions[0] == ("return_started", "period")
    assert ("return_submitted", "state") in actions
    assert not any(a[0] == "return_answer" for a in actions)  # drafts live in the return row, not the audit log


async def test_a_query_reopens_the_return_with_the_comment_and_resubmission_works(repo: ReturnsRepository) -> None:
    """Queried returns can be changed and submitted again; the comment is kept for the provider."""
    ret = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    await answer_all(repo, ret.id, FULL)
    await repo.submit(ret.id, ACTOR)
    assert [r.id for r in await repo.awaiting_assessment()] == [ret.id]
    queried = await repo.assess(ret.id, "cm@opcc.gov.uk", QUERY, "Requires improvement", "Please explain sessions")
    assert queried.state == "queried" and queried.assessment_comment == "Please explain sessions"
    assert await repo.awaiting_assessment() == []
    await repo.save_answer(ret.id, kpi_key("sessions"), "305", ACTOR)
    await repo.submit(ret.id, ACTOR)
    accepted = await repo.assess(ret.id, "cm@opcc.gov.uk", ACCEPT, "Good", "")
    assert accepted.state == "accepted" and accepted.rating == "Good" and accepted.assessed_by == "cm@opcc.gov.uk"
    with pytest.raises(NotAwaitingAssessment):
        await repo.assess(ret.id, "cm@opcc.gov.uk", ACCEPT, "Good", "")
    trail = [(e.action, e.field, e.new_value, e.actor) for e in await repo.audit_trail("OPCC-2023-014")]
    assert ("return_queried", "comment", "Please explain sessions", "cm@opcc.gov.uk") in trail
    assert ("return_accepted", "rating", "Good", "cm@opcc.gov.uk") in trail


async def test_same_as_last_quarter_copies_figures_but_not_spend_to_date(repo: ReturnsRepository) -> None:
    """Last quarter's actuals, spend in period, RAG, risks and outcomes are the starting point."""
    q1 = await repo.open_return("OPCC-2023-014", Q1_START, ACTOR, TODAY)
    await answer_all(repo, q1.id, FULL | {SPEND_TO_DATE: "25000.00", CASE_STUDY: "A story"})
    await repo.submit(q1.id, ACTOR)
    q2 = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    assert q2.previous is not None and q2.next_question.key == SAME_AS_LAST  # type: ignore[union-attr]
    copied = await repo.use_previous_figures(q2.id, ACTOR)
    assert copied.answers[kpi_key("referrals")] == "130" and copied.answers[RAG] == "Green"
    assert SPEND_TO_DATE not in copied.answers and CASE_STUDY not in copied.answers
    assert copied.next_question.key == SPEND_TO_DATE  # type: ignore[union-attr]


async def test_overview_lists_owed_returns_with_states_for_the_question_engine(repo: ReturnsRepository, engine: AsyncEngine) -> None:
    """Q1 is overdue everywhere except where submitted; Q2 is due; RAG shows once answered."""
    ret = await repo.open_return("OPCC-2023-014", Q1_START, ACTOR, TODAY)
    await answer_all(repo, ret.id, FULL | {RAG: "Red"})
    await repo.submit(ret.id, ACTOR)
    async with session_factory(engine)() as session:
        overview = await returns_overview(session, TODAY)
    states = {(s.reference, s.period_label): (s.state, s.rag, s.due) for s in overview}
    assert states[("OPCC-2023-014", "Q1 2026/27")] == ("submitted", "Red", date(2026, 7, 15))
    assert states[("OPCC-2024-077", "Q1 2026/27")][0] == "overdue"
    assert states[("OPCC-2024-031", "Q2 2026/27")] == ("due", "", date(2026, 10, 15))
    assert [s.provider for s in overview if s.reference == "OPCC-2024-077"] == [NORTHSIDE, NORTHSIDE]
    assert overview == sorted(overview, key=lambda s: (s.due, s.reference))


async def test_money_columns_hold_the_spend_for_staff_queries(repo: ReturnsRepository, engine: AsyncEngine) -> None:
    """Spend answers are also stored as pounds in their own columns."""
    ret = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    await repo.save_answer(ret.id, SPEND_IN_PERIOD, "12500.00", ACTOR)
    async with session_factory(engine)() as session:
        row = await session.get(ReturnRow, ret.id)
    assert row is not None and row.spend_in_period == Decimal("12500.00") and row.spend_to_date is None


async def test_answers_saved_at_the_same_moment_are_all_kept(repo: ReturnsRepository) -> None:
    """Two devices answering different questions at once lose nothing (no last-writer-wins)."""
    ret = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    keys = {kpi_key("referrals"): "130", kpi_key("sessions"): "310", SPEND_IN_PERIOD: "25000.00", RAG: "Green",
            RISKS: "", OUTCOMES: "Clients felt safer", CASE_STUDY: ""}
    await asyncio.gather(*(repo.save_answer(ret.id, key, value, ACTOR) for key, value in keys.items()))
    assert (await repo.load(ret.id)).answers == keys


async def test_opening_the_same_return_at_once_makes_one_return(repo: ReturnsRepository, engine: AsyncEngine) -> None:
    """Ten simultaneous opens of one period share a single return row."""
    opened = await asyncio.gather(*(repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY) for _ in range(10)))
    assert len({r.id for r in opened}) == 1
    async with session_factory(engine)() as session:
        assert len((await session.scalars(select(ReturnRow))).all()) == 1


async def test_every_write_refuses_a_caller_who_no_longer_speaks_for_the_agreement(repo: ReturnsRepository) -> None:
    """Answers, "same as last period" and submit check the provider at the write, and change nothing when refused."""
    ret = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    await answer_all(repo, ret.id, FULL)
    with pytest.raises(NotYourReturn):
        await repo.save_answer(ret.id, RAG, "Red", ACTOR, speaking_for=[NORTHSIDE])
    with pytest.raises(NotYourReturn):
        await repo.use_previous_figures(ret.id, ACTOR, speaking_for=())
    with pytest.raises(NotYourReturn):
        await repo.submit(ret.id, ACTOR, speaking_for=[NORTHSIDE])
    stored = await repo.load(ret.id)
    assert stored.answers == FULL and stored.state == "in_progress"
    assert (await repo.submit(ret.id, ACTOR, speaking_for=[SAFE_HARBOUR])).state == "submitted"


async def test_an_answer_is_stored_only_for_the_prompt_sent_and_only_once(repo: ReturnsRepository) -> None:
    """A prompt never recorded as sent, or already answered, takes no answer."""
    ret = await repo.open_return("OPCC-2023-014", Q2_START, ACTOR, TODAY)
    with pytest.raises(StalePrompt):
        await repo.save_answer(ret.id, kpi_key("referrals"), "130", ACTOR, prompt_id="never-sent")
    await repo.prompt_sent(ret.id, "p1")
    assert await repo.waiting_prompt(ret.id) == "p1"
    await repo.save_answer(ret.id, kpi_key("referrals"), "130", ACTOR, prompt_id="p1")
    with pytest.raises(StalePrompt):
        await repo.save_answer(ret.id, kpi_key("referrals"), "25000", ACTOR, prompt_id="p1")
    assert (await repo.load(ret.id)).answers == {kpi_key("referrals"): "130"}
    assert await repo.waiting_prompt(ret.id) == ""
