"""Contract managers assess submitted returns; providers hear the outcome; every step audited."""

from __future__ import annotations

from datetime import date

import pytest
from card_reading import block_text, facts_of
from returns_chat import MANAGER, NORTH, SAFE, ReturnsChat
from returns_data import add_agreements
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs import checkin_text as say
from storage.db import session_factory
from storage.models import OutboxItem

START_Q2 = "check in for OPCC-2023-014 Q2"
ANSWERS = ["95", "Two advisers off sick", "310", "£25,000", "£50k", "amber", "Waiting list growing", "Clients felt safer", "skip"]


@pytest.fixture
async def chat(engine: AsyncEngine) -> ReturnsChat:
    await add_agreements(engine)
    chat = ReturnsChat(engine)
    await chat.say(START_Q2)
    for text in ANSWERS + ["submit"]:
        await chat.say(text)
    return chat


async def return_id(chat: ReturnsChat) -> int:
    owed = await chat.repo.owed_periods("OPCC-2023-014", date(2026, 10, 5))
    found = owed[0].return_id
    assert found is not None
    return found


async def test_staff_see_returns_awaiting_assessment_with_an_assess_button(chat: ReturnsChat) -> None:
    """The list card names each submitted return and offers Assess."""
    replies = await chat.say("returns awaiting assessment", who=MANAGER)
    card = replies[-1].card
    assert card is not None and "Returns awaiting assessment: 1" in block_text(card["body"][0])
    row = next(e for e in card["body"] if e["type"] == "Container")
    assert row["items"][-1]["actions"][0]["data"] == {"action": "assess_return", "return_id": await return_id(chat)}


async def test_nothing_waiting_is_said_plainly(engine: AsyncEngine) -> None:
    """With no submitted returns the list says so."""
    await add_agreements(engine)
    assert await ReturnsChat(engine).last("returns awaiting assessment", who=MANAGER) == say.NONE_AWAITING


async def test_the_assessment_card_shows_targets_previous_period_and_the_rating_scale(chat: ReturnsChat) -> None:
    """Assess opens a card with KPI vs target, flags, and the Procurement Act 2023 ratings."""
    replies = await chat.say(value={"action": "assess_return", "return_id": await return_id(chat)}, who=MANAGER)
    assert replies[-1].text == say.ASSESS_PROMPT
    card = replies[-1].card
    assert card is not None
    facts = facts_of(card)
    assert facts["referrals"] == "95 (target 120, 79%)"
    assert facts["Reason for referrals"] == "Two advisers off sick"
    ratings = next(e for e in card["body"] if e.get("id") == "rating")
    assert [c["value"] for c in ratings["choices"]] == ["Good", "Approaching target", "Requires improvement", "Inadequate"]
    assert [a["title"] for a in card["actions"]] == ["Accept", "Query"]


async def test_a_query_from_the_card_reopens_the_return_and_the_provider_sees_the_comment(chat: ReturnsChat, engine: AsyncEngine) -> None:
    """Query with rating and comment in one submit; the provider's return re-opens showing it."""
    rid = await return_id(chat)
    await chat.say(value={"action": "assess_return", "return_id": rid}, who=MANAGER)
    decision = await chat.assessment_press(rid, decision="query", rating="Requires improvement",
                                           comment="Please say when the advisers return")
    assert await chat.last(value=decision, who=MANAGER) == say.ASSESSED_QUERIED.format(period="Q2 2026/27", reference="OPCC-2023-014")
    replies = await chat.say("continue my return")
    assert replies[1].text == say.QUERIED_NOTE.format(comment="Please say when the advisers return")
    assert replies[-1].text == say.SUMMARY_PROMPT
    async with session_factory(engine)() as session:
        outcome = (await session.scalars(select(OutboxItem).where(OutboxItem.rule == "return_queried"))).one()
    assert outcome.audience == "provider" and outcome.recipient == SAFE.actor
    trail = [(e.action, e.field, e.actor) for e in await chat.repo.audit_trail("OPCC-2023-014")]
    assert ("return_queried", "state", MANAGER.actor) in trail
    assert ("return_queried", "rating", MANAGER.actor) in trail
    assert ("return_queried", "comment", MANAGER.actor) in trail


async def test_a_resubmitted_return_can_be_accepted_by_typing(chat: ReturnsChat, engine: AsyncEngine) -> None:
    """The typed path: accept, a rating, an optional comment; the provider is told."""
    rid = await return_id(chat)
    await chat.say(value={"action": "assess_return", "return_id": rid}, who=MANAGER)
    query = await chat.assessment_press(rid, decision="query", comment="Check sessions", rating="Approaching target")
    assert await chat.last(value=query, who=MANAGER) == say.ASSESSED_QUERIED.format(period="Q2 2026/27", reference="OPCC-2023-014")
    await chat.say("continue my return")
    await chat.say("submit")
    await chat.say("assess OPCC-2023-014", who=MANAGER)
    assert await chat.last("accept", who=MANAGER) == say.ASK_RATING
    assert await chat.last("brilliant", who=MANAGER) == say.ASK_RATING
    assert await chat.last("good", who=MANAGER) == say.ASK_ACCEPT_COMMENT
    assert await chat.last("none", who=MANAGER) == say.ASSESSED_ACCEPTED.format(
        period="Q2 2026/27", reference="OPCC-2023-014", rating="Good"
    )
    accepted = await chat.repo.load(rid)
    assert accepted.state == "accepted" and accepted.rating == "Good" and accepted.assessed_by == MANAGER.actor
    async with session_factory(engine)() as session:
        rules = (await session.scalars(select(OutboxItem.rule).order_by(OutboxItem.id))).all()
    assert rules == ["return_submitted", "return_queried", "return_submitted", "return_accepted"]


async def test_a_query_needs_a_comment(chat: ReturnsChat) -> None:
    """Typed query: a rating, then a comment that cannot be "none"."""
    await chat.say("assess OPCC-2023-014", who=MANAGER)
    await chat.say("query", who=MANAGER)
    assert await chat.last("inadequate", who=MANAGER) == say.ASK_QUERY_COMMENT
    assert await chat.last("none", who=MANAGER) == say.QUERY_NEEDS_COMMENT
    assert await chat.last("cancel", who=MANAGER) == say.ASSESS_CANCELLED
    assert (await chat.repo.load(await return_id(chat))).state == "submitted"


async def test_an_accepted_return_cannot_be_assessed_again(chat: ReturnsChat) -> None:
    """A second click on an old Assess button says where the return stands."""
    rid = await return_id(chat)
    await chat.say(value=await chat.assessment_press(rid, decision="accept", rating="Good"), who=MANAGER)
    assert await chat.last(value={"action": "assess_return", "return_id": rid}, who=MANAGER) == say.NOT_AWAITING.format(state="accepted")


async def test_providers_cannot_assess_even_their_own_return(chat: ReturnsChat) -> None:
    """Assessment is for staff only, by button or by typing."""
    rid = await return_id(chat)
    assert await chat.last(value={"action": "assess_decision", "return_id": rid, "decision": "accept", "rating": "Good"}) == say.STAFF_ONLY
    assert await chat.last("assess OPCC-2023-014", who=NORTH) == say.STAFF_ONLY
    assert (await chat.repo.load(rid)).state == "submitted"


async def test_an_assess_button_for_a_missing_return_is_refused(chat: ReturnsChat) -> None:
    """Made-up ids find nothing and change nothing."""
    assert await chat.last(value={"action": "assess_return", "return_id": 4242}, who=MANAGER) == say.UNKNOWN_RETURN
    assert await chat.last(value={"action": "assess_return", "return_id": "x"}, who=MANAGER) == say.UNKNOWN_RETURN
