"""The assessment card's one submit: every invalid combination comes back with nothing lost."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from card_reading import block_text
from returns_chat import MANAGER, SAFE, ReturnsChat
from returns_data import add_agreements
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs import checkin_text as say
from dialogs.turn import COMMISSIONER, Participant
from storage.returns import ACCEPT, NotStaff

START_Q2 = "check in for OPCC-2023-014 Q2"
ANSWERS = ["95", "Two advisers off sick", "310", "£25,000", "£50k", "amber", "Waiting list growing", "Clients felt safer", "skip"]
OTHER_MANAGER = Participant("grace.okafor@opcc.gov.uk", COMMISSIONER)
LONG = "x" * 2001


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


async def pressed(chat: ReturnsChat, rid: int, **fields: Any) -> dict[str, Any]:
    return await chat.assessment_press(rid, **fields)


def field_value(card: dict[str, Any], field_id: str) -> Any:
    return next(e for e in card["body"] if e.get("id") == field_id).get("value")


def card_texts(card: dict[str, Any]) -> list[str]:
    return [block_text(e) for e in card["body"]]


async def decisions_audited(chat: ReturnsChat) -> list[tuple[str, str]]:
    trail = await chat.repo.audit_trail("OPCC-2023-014")
    return [(e.action, e.actor) for e in trail if e.field == "state" and e.action in ("return_accepted", "return_queried")]


INVALID = {
    "accept with no rating": ({"decision": "accept"}, ["rating"]),
    "accept with a comment but no rating": ({"decision": "accept", "comment": "Well done"}, ["rating"]),
    "query with no rating and no comment": ({"decision": "query"}, ["rating", "comment"]),
    "query with a comment but no rating": ({"decision": "query", "comment": "Explain the sessions"}, ["rating"]),
    "query with a rating but no comment": ({"decision": "query", "rating": "Inadequate"}, ["comment"]),
    "query with 'none' for a comment": ({"decision": "query", "rating": "Inadequate", "comment": "none"}, ["comment"]),
    "query with a blank comment": ({"decision": "query", "rating": "Inadequate", "comment": "   "}, ["comment"]),
    "a rating not on the scale": ({"decision": "accept", "rating": "Brilliant", "comment": "Great year"}, ["rating"]),
    "a comment over 2,000 characters": ({"decision": "accept", "rating": "Good", "comment": LONG}, ["comment"]),
    "no outcome pressed": ({"rating": "Good", "comment": "Fine"}, ["decision"]),
    "an outcome the card never offers": ({"decision": "approve", "rating": "Good"}, ["decision"]),
}
PROBLEM_WORDS = {
    "rating": say.FORM_NEEDS_RATING,
    "decision": say.FORM_NEEDS_DECISION,
}


@pytest.mark.parametrize("case", sorted(INVALID))
async def test_each_invalid_combination_comes_back_filled_in_with_the_problem_said(chat: ReturnsChat, case: str) -> None:
    """Nothing is recorded; the card returns with every value as entered and each problem beside its field."""
    fields, wrong = INVALID[case]
    rid = await return_id(chat)
    [reply] = await chat.say(value=await pressed(chat, rid, **fields), who=MANAGER)
    assert reply.text.startswith("Not recorded yet.") and reply.text.endswith("Everything you entered is still on the card below.")
    assert reply.card is not None
    texts = card_texts(reply.card)
    for name in wrong:
        expected = PROBLEM_WORDS.get(name) or (
            say.PROBLEMS["too_long"].format(limit="2,000") if fields.get("comment") == LONG else say.QUERY_NEEDS_COMMENT
        )
        assert expected in reply.text and expected in texts
    for name in {"rating", "comment", "decision"} - set(wrong):
        assert not any(PROBLEM_WORDS.get(name, "\0") == t for t in texts)
    if fields.get("rating") in ("Good", "Inadequate"):
        assert field_value(reply.card, "rating") == fields["rating"]
    if fields.get("comment", "").strip():
        assert field_value(reply.card, "comment") == fields["comment"][:2000]
    ret = await chat.repo.load(rid)
    assert ret.state == "submitted" and ret.rating == "" and ret.assessed_by == ""
    assert await decisions_audited(chat) == []


async def test_query_without_a_rating_then_a_rating_and_accept_on_the_same_card_is_saved(chat: ReturnsChat) -> None:
    """The reported trip: Query with no rating, then choose a rating and press Accept: accepted, audited once."""
    rid = await return_id(chat)
    opened = await chat.say(value={"action": "assess_return", "return_id": rid}, who=MANAGER)
    assert opened[-1].card is not None
    refused = await chat.say(value=await pressed(chat, rid, decision="query", comment="Looks fine in the end"), who=MANAGER)
    assert refused[-1].card is not None and field_value(refused[-1].card, "comment") == "Looks fine in the end"
    done = await chat.last(value=await pressed(chat, rid, decision="accept", rating="Good", comment="Looks fine in the end"), who=MANAGER)
    assert done == say.ASSESSED_ACCEPTED.format(period="Q2 2026/27", reference="OPCC-2023-014", rating="Good")
    ret = await chat.repo.load(rid)
    assert (ret.state, ret.rating, ret.assessment_comment) == ("accepted", "Good", "Looks fine in the end")
    assert await decisions_audited(chat) == [("return_accepted", MANAGER.actor)]


async def test_a_card_press_during_the_typed_questions_is_taken_not_called_a_different_return(chat: ReturnsChat) -> None:
    """Typing "query" starts the typed path; pressing Accept on the card then records it."""
    await chat.say("assess OPCC-2023-014", who=MANAGER)
    assert await chat.last("query", who=MANAGER) == say.ASK_RATING
    rid = await return_id(chat)
    reply = await chat.last(value=await pressed(chat, rid, decision="accept", rating="Approaching target"), who=MANAGER)
    assert reply == say.ASSESSED_ACCEPTED.format(period="Q2 2026/27", reference="OPCC-2023-014", rating="Approaching target")
    assert (await chat.repo.load(rid)).state == "accepted"


async def test_a_second_press_on_a_stale_card_is_refused_with_what_was_decided(chat: ReturnsChat) -> None:
    """Grace accepts; a colleague's Query on their older card changes nothing and says what stands."""
    rid = await return_id(chat)
    await chat.say(value=await pressed(chat, rid, decision="accept", rating="Good"), who=OTHER_MANAGER)
    [reply] = await chat.say(value=await pressed(chat, rid, decision="query", rating="Inadequate", comment="Explain"), who=MANAGER)
    assert reply.text.startswith("Nothing changed: this return was already assessed. Accepted by Grace Okafor, ")
    assert reply.text.endswith(", rated Good.")
    ret = await chat.repo.load(rid)
    assert ret.state == "accepted" and ret.assessed_by == OTHER_MANAGER.actor
    assert await decisions_audited(chat) == [("return_accepted", OTHER_MANAGER.actor)]


async def test_a_providers_forged_assessment_is_refused_and_changes_nothing(chat: ReturnsChat) -> None:
    """A provider sending a well-formed Accept for their own return gets a refusal."""
    rid = await return_id(chat)
    assert await chat.last(value=await pressed(chat, rid, decision="accept", rating="Good"), who=SAFE) == say.STAFF_ONLY
    assert (await chat.repo.load(rid)).state == "submitted"
    assert await decisions_audited(chat) == []


async def test_the_repository_refuses_a_non_staff_assessment_at_the_write(chat: ReturnsChat) -> None:
    """Authorised at the write too: whatever a caller above forgets, staff=False records nothing."""
    rid = await return_id(chat)
    with pytest.raises(NotStaff):
        await chat.repo.assess(rid, SAFE.actor, ACCEPT, "Good", "", staff=False)
    assert (await chat.repo.load(rid)).state == "submitted"


def button_data(card: dict[str, Any] | None, title: str, **fields: Any) -> dict[str, Any]:
    """What pressing `title` on `card` sends, with the inputs filled in."""
    assert card is not None
    return {**next(a for a in card["actions"] if a["title"] == title)["data"], **fields}


async def test_a_form_from_before_a_resubmission_accepts_nothing_and_shows_the_new_answers(chat: ReturnsChat) -> None:
    """Sam queries, Safe Harbour submits again; Accept on Sam's old form (no refresh, as Action.Submit) is refused.

    The answers on the old form are not the ones that would be accepted: nothing is recorded, the
    current form comes back, and Accept on that one is recorded once.
    """
    rid = await return_id(chat)
    old_form = (await chat.say(value={"action": "assess_return", "return_id": rid}, who=MANAGER))[-1].card
    query = button_data(old_form, "Query", rating="Requires improvement", comment="Please explain the sickness")
    assert await chat.last(value=query, who=MANAGER) == say.ASSESSED_QUERIED.format(period="Q2 2026/27", reference="OPCC-2023-014")
    await chat.say("continue my return")
    await chat.say("submit")
    assert (await chat.repo.load(rid)).state == "submitted"

    [refused] = await chat.say(value=button_data(old_form, "Accept", rating="Good"), who=MANAGER)
    assert refused.text.startswith("Nothing was recorded: that form is from before the return was submitted again on ")
    assert refused.card is not None and [a["title"] for a in refused.card["actions"]] == ["Accept", "Query"]
    assert (await chat.repo.load(rid)).state == "submitted"
    assert await decisions_audited(chat) == [("return_queried", MANAGER.actor)]

    done = await chat.last(value=button_data(refused.card, "Accept", rating="Good"), who=MANAGER)
    assert done == say.ASSESSED_ACCEPTED.format(period="Q2 2026/27", reference="OPCC-2023-014", rating="Good")
    assert await decisions_audited(chat) == [("return_queried", MANAGER.actor), ("return_accepted", MANAGER.actor)]
