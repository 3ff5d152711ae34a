"""The provider check-in, driven turn by turn through botbuilder's TestAdapter and a real database."""

from __future__ import annotations

from datetime import date

import pytest
from card_reading import facts_of
from returns_chat import MANAGER, NORTH, NOT_MINE, SAFE, STRANGER, ReturnsChat
from returns_data import add_agreements
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs import checkin_text as say
from domain.returns import (
    CASE_STUDY,
    OUTCOMES,
    RAG,
    RISKS,
    SPEND_EXPLANATION,
    SPEND_IN_PERIOD,
    SPEND_TO_DATE,
    kpi_key,
    reason_key,
)
from storage.db import session_factory
from storage.models import MonitoringReturn as ReturnRow
from storage.models import OutboxItem

START_Q2 = "check in for OPCC-2023-014 Q2"
Q2 = date(2026, 7, 1)
GOOD_ANSWERS = ["130", "310", "£25,000", "£50k", "green", "none", "Clients felt safer", "skip"]


@pytest.fixture
async def chat(engine: AsyncEngine) -> ReturnsChat:
    await add_agreements(engine)
    return ReturnsChat(engine)


async def answers_of(chat: ReturnsChat, reference: str = "OPCC-2023-014", start: date = Q2) -> dict[str, str]:
    owed = await chat.repo.owed_periods(reference, date(2026, 10, 5))
    found = next(o for o in owed if o.period.start == start)
    assert found.return_id is not None
    return (await chat.repo.load(found.return_id)).answers


async def answer(chat: ReturnsChat, *texts: str) -> list[str]:
    last = []
    for text in texts:
        last = [r.text for r in await chat.say(text)]
    return last


async def test_a_provider_completes_and_submits_a_return(chat: ReturnsChat, engine: AsyncEngine) -> None:
    """The whole journey: choose agreement and period, answer everything, review, submit."""
    replies = await chat.say("check in")
    assert replies[-1].text.startswith("Which agreement")
    assert "OPCC-2024-077" not in replies[-1].text  # another provider's agreement is never offered
    replies = await chat.say("OPCC-2023-014")
    assert replies[-1].text.startswith("Which period") and "Q1 2026/27" in replies[-1].text
    replies = await chat.say("Q2 2026/27")
    assert "Q2 2026/27, due 15 Oct 2026" in replies[0].text
    assert replies[-1].text == "How many referrals in Q2 2026/27? The target is 120."
    assert (await answer(chat, "130"))[-1] == "How many sessions in Q2 2026/27? The target is 300."
    assert (await answer(chat, "310"))[-1].startswith("How much did you spend in Q2 2026/27?")
    assert (await answer(chat, "£25,000"))[-1] == "How much have you spent in total since the agreement started, up to 30 Sep 2026?"
    assert (await answer(chat, "50k"))[-1] == say.ASK_RAG
    assert (await answer(chat, "Green"))[-1] == say.ASK_RISKS
    assert (await answer(chat, "none"))[-1] == say.ASK_OUTCOMES
    assert (await answer(chat, "Clients felt safer"))[-1] == say.ASK_CASE_STUDY
    summary = await chat.say("A survivor was rehoused within a week.")
    assert summary[-1].text == say.SUMMARY_PROMPT and summary[-1].card is not None
    buttons = {a["title"]: a["data"] for a in summary[-1].card["actions"]}
    assert list(buttons) == ["Submit", "Change an answer", "Save for later"]
    done = await chat.say(value=buttons["Submit"])
    assert done[-1].text == say.SUBMITTED.format(period="Q2 2026/27", reference="OPCC-2023-014")
    async with session_factory(engine)() as session:
        row = (await session.scalars(select(ReturnRow))).one()
        outbox = (await session.scalars(select(OutboxItem))).all()
    assert row.state == "submitted" and row.submitted_by == SAFE.actor
    assert row.answers == {
        kpi_key("referrals"): "130", kpi_key("sessions"): "310", SPEND_IN_PERIOD: "25000.00", SPEND_TO_DATE: "50000.00",
        RAG: "Green", RISKS: "", OUTCOMES: "Clients felt safer", CASE_STUDY: "A survivor was rehoused within a week.",
    }
    assert [o.rule for o in outbox] == ["return_submitted"]
    assert outbox[0].reference == "OPCC-2023-014" and outbox[0].payload["card"]["type"] == "AdaptiveCard"
    facts = facts_of(outbox[0].payload["card"])
    assert facts["Submitted by"] == f"{SAFE.actor}, {row.submitted_at:%-d %b %Y}"


async def test_the_agreement_and_period_questions_are_skipped_when_there_is_one(engine: AsyncEngine) -> None:
    """A provider with one agreement and one open period goes straight to the first question."""
    await add_agreements(engine)
    chat = ReturnsChat(engine, today=date(2026, 7, 5))
    replies = await chat.say("start my return", who=NORTH)
    assert [r.text for r in replies] == [
        "Monitoring return for OPCC-2024-077 (Youth diversion), Q1 2026/27, due 15 Jul 2026. Type 'help' at any point for what you can say.",
        "How many young people in Q1 2026/27? The target is 60.",
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lots", "\u201clots\u201d isn't a number. Type the number as digits, like 120."),
        ("-4", "That can't be negative. Type 0 or more."),
        ("12 or 13", "\u201c12 or 13\u201d isn't a number. Type the number as digits, like 120."),
    ],
)
async def test_a_bad_kpi_actual_is_re_asked_saying_what_was_wrong(chat: ReturnsChat, typed: str, expected: str) -> None:
    """Numbers only: each re-prompt says what was wrong and nothing is saved."""
    await chat.say(START_Q2)
    assert await chat.last(typed) == expected
    assert await answers_of(chat) == {}
    assert await chat.last("125") == "How many sessions in Q2 2026/27? The target is 300."


async def test_an_empty_card_submit_at_a_question_does_not_crash_or_count(chat: ReturnsChat) -> None:
    """A card button pressed at a typed question (no text, docs/teams-sdk.md trap 6) is refused politely."""
    await chat.say(START_Q2)
    assert await chat.last(value={"action": "something_else"}) == say.STALE_BUTTON
    assert await answers_of(chat) == {}


async def test_money_re_prompts_for_words_negatives_and_to_date_below_period(chat: ReturnsChat) -> None:
    """Spend accepts £12,500 / 12.5k / 12500 and explains every refusal."""
    await chat.say(START_Q2)
    await answer(chat, "130", "310")
    assert await chat.last("about ten grand") == (
        "\u201cabout ten grand\u201d isn't an amount of money. Type it like £12,500, 12.5k or 12500."
    )
    assert await chat.last("-500") == "That can't be negative. Type 0 or more."
    await chat.say("12.5k")
    assert await chat.last("£5,000") == (
        "Spend to date can't be less than this period's spend of £12,500. Type the total spent since the agreement started."
    )
    await chat.say("£50,000")
    assert (await answers_of(chat))[SPEND_IN_PERIOD] == "12500.00"


async def test_rag_and_long_text_re_prompts(chat: ReturnsChat) -> None:
    """RAG is a choice; an essay over the limit is refused rather than cut."""
    await chat.say(START_Q2)
    await answer(chat, "130", "310", "25000", "50000")
    assert await chat.last("purple") == "Please reply with one of: Red, Amber, Green."
    await chat.say("a")
    await chat.say("none")
    assert await chat.last("x" * 2500) == "That's longer than 2,000 characters. Please shorten it."
    assert await chat.last("") == say.PROBLEMS["empty"]
    assert (await answers_of(chat))[RAG] == "Amber"


async def test_a_shortfall_below_80_percent_asks_for_the_reason(chat: ReturnsChat) -> None:
    """95 of 120 referrals is short: the reason is asked and stored with the KPI."""
    await chat.say(START_Q2)
    assert await chat.last("95") == "Referrals: 95 is below 80% of the target of 120. What is the reason?"
    assert await chat.last("Two advisers on long-term sick leave") == "How many sessions in Q2 2026/27? The target is 300."
    assert (await answers_of(chat))[reason_key("referrals")] == "Two advisers on long-term sick leave"


async def test_spend_over_the_agreement_value_asks_for_an_explanation(chat: ReturnsChat) -> None:
    """Spend to date above the agreement value is warned about and must be explained."""
    await chat.say(START_Q2)
    await answer(chat, "130", "310", "25000")
    assert await chat.last("£450,000") == (
        "Spend to date of £450,000 is above the agreement value of £400,000. Please explain why."
    )
    assert await chat.last("Typo in our finance system, correcting next quarter") == say.ASK_RAG
    assert (await answers_of(chat))[SPEND_EXPLANATION].startswith("Typo")


async def test_spend_far_behind_the_profile_is_an_underspend_needing_explanation(chat: ReturnsChat) -> None:
    """Half a year in, £10,000 of £400,000 is far behind a straight-line profile."""
    await chat.say(START_Q2)
    await answer(chat, "130", "310", "5000")
    reply = await chat.last("10000")
    assert reply.startswith("Spend to date of £10,000 is well behind the £50,")
    assert reply.endswith("a straight-line profile expects by 30 Sep 2026 (20% of it). Please explain why.")


async def test_help_at_a_question_explains_and_asks_again(chat: ReturnsChat) -> None:
    """help never changes anything: it explains the question and the commands."""
    await chat.say(START_Q2)
    reply = await chat.last("help")
    assert reply == say.HELP_BY_KIND["number"] + " " + say.HELP_GENERAL
    assert await chat.last("130") == "How many sessions in Q2 2026/27? The target is 300."


async def test_back_goes_to_the_previous_question_showing_the_answer(chat: ReturnsChat) -> None:
    """back re-asks the question before, with the answer given; a new answer replaces it."""
    await chat.say(START_Q2)
    assert await chat.last("back") == say.NOTHING_BEFORE
    await chat.say("130")
    assert await chat.last("back") == (
        "How many referrals in Q2 2026/27? The target is 120. Your answer so far: 130. Type a new answer, or 'back'."
    )
    assert await chat.last("140") == "How many sessions in Q2 2026/27? The target is 300."
    assert (await answers_of(chat))[kpi_key("referrals")] == "140"


async def test_cancel_stops_at_any_step_and_keeps_the_answers(chat: ReturnsChat) -> None:
    """cancel ends the conversation; the answers stay saved and later messages are questions again."""
    await chat.say(START_Q2)
    await chat.say("130")
    assert await chat.last("cancel") == say.CANCELLED
    assert await chat.last("which grants end this year?") == NOT_MINE
    assert await answers_of(chat) == {kpi_key("referrals"): "130"}


async def test_cancel_and_help_work_while_choosing_agreement_and_period(chat: ReturnsChat) -> None:
    """Choosing steps take help, back and cancel too, and re-ask on a bad choice."""
    await chat.say("check in")
    assert (await chat.last("help")).startswith("Reply with the number or name")
    assert await chat.last("back") == say.NOTHING_BEFORE
    assert (await chat.last("7")).startswith("Please reply with one of the numbers or names listed")
    await chat.say("2")
    assert (await chat.last("back")).startswith("Which agreement")
    await chat.say("1")
    assert await chat.last("cancel") == say.CANCELLED


async def test_save_for_later_then_continue_resumes_at_the_summary(chat: ReturnsChat) -> None:
    """Save for later ends the dialog; "continue my return" comes back to the same return."""
    await chat.say(START_Q2)
    await answer(chat, *GOOD_ANSWERS)
    assert await chat.last("save for later") == say.SAVED_FOR_LATER
    replies = await chat.say("continue my return")
    assert replies[0].text == say.RESUMING.format(period="Q2 2026/27", reference="OPCC-2023-014")
    assert replies[-1].text == say.SUMMARY_PROMPT


async def test_submit_on_a_summary_from_before_a_query_submits_nothing(chat: ReturnsChat) -> None:
    """Action.Submit clients have no refresh: Submit on the first summary, after a query, is refused.

    Safe Harbour submits, Sam queries it, Safe Harbour continues the return and is at the new
    summary; pressing Submit on the old card is refused (still queried), Submit on the new one
    submits it.
    """
    await chat.say(START_Q2)
    first = (await chat.say(GOOD_ANSWERS[0]))[-1]
    for text in GOOD_ANSWERS[1:]:
        first = (await chat.say(text))[-1]
    assert first.text == say.SUMMARY_PROMPT and first.card is not None
    old_submit = next(a["data"] for a in first.card["actions"] if a["title"] == "Submit")
    assert (await chat.last(value=old_submit)) == say.SUBMITTED.format(period="Q2 2026/27", reference="OPCC-2023-014")
    rid = old_submit["return_id"]
    query = await chat.assessment_press(rid, decision="query", rating="Requires improvement", comment="Explain the sessions")
    await chat.say(value=query, who=MANAGER)
    resumed = (await chat.say("continue my return"))[-1]
    assert resumed.text == say.SUMMARY_PROMPT and resumed.card is not None

    assert await chat.last(value=old_submit) == say.STALE_SUMMARY
    assert (await chat.repo.load(rid)).state == "queried"
    new_submit = next(a["data"] for a in resumed.card["actions"] if a["title"] == "Submit")
    assert await chat.last(value=new_submit) == say.SUBMITTED.format(period="Q2 2026/27", reference="OPCC-2023-014")
    assert (await chat.repo.load(rid)).state == "submitted"


async def test_a_new_bot_instance_on_the_same_database_carries_on_where_the_provider_left_off(chat: ReturnsChat, engine: AsyncEngine) -> None:
    """After a restart the dialog state and every answer come back from the database."""
    await chat.say(START_Q2)
    await answer(chat, "130", "310")
    restarted = ReturnsChat(engine)
    assert await restarted.last("£25,000") == (
        "How much have you spent in total since the agreement started, up to 30 Sep 2026?"
    )
    again = ReturnsChat(engine)
    replies = await again.say("continue my return")
    assert replies[-1].text == "How much have you spent in total since the agreement started, up to 30 Sep 2026?"
    assert await answers_of(chat) == {kpi_key("referrals"): "130", kpi_key("sessions"): "310", SPEND_IN_PERIOD: "25000.00"}


async def test_change_an_answer_from_the_summary(chat: ReturnsChat) -> None:
    """Change lists the answers; the chosen one is re-asked and the summary shows the new value."""
    await chat.say(START_Q2)
    await answer(chat, *GOOD_ANSWERS)
    listing = await chat.last("change")
    assert listing.startswith("Which answer do you want to change?") and "1. referrals: 130" in listing
    assert "6. Risks and issues: none" in listing
    assert (await chat.last("1")).startswith("How many referrals in Q2 2026/27?")
    assert await chat.last("90") == "Referrals: 90 is below 80% of the target of 120. What is the reason?"
    summary = await chat.say("Referral partner closed")
    assert summary[-1].text == say.SUMMARY_PROMPT
    facts = facts_of(summary[-1].card)
    assert facts["referrals"].startswith("90 (target 120, 75%)")
    assert facts["Reason for referrals"] == "Referral partner closed"


async def test_a_change_button_naming_an_answer_goes_straight_to_it(chat: ReturnsChat) -> None:
    """A card button with the answer's key re-asks exactly that question."""
    await chat.say(START_Q2)
    await answer(chat, *GOOD_ANSWERS[:-1])
    summary = await chat.say(GOOD_ANSWERS[-1])
    return_id = summary[-1].card["actions"][0]["data"]["return_id"]  # type: ignore[index]
    reply = await chat.last(value={"action": "change_answer", "return_id": return_id, "key": RAG})
    assert reply.startswith(say.ASK_RAG) and "Your answer so far: Green" in reply


async def test_back_at_the_summary_returns_to_the_last_question(chat: ReturnsChat) -> None:
    """back from the summary goes to the case study, the last question."""
    await chat.say(START_Q2)
    await answer(chat, *GOOD_ANSWERS)
    assert (await chat.last("back")).startswith(say.ASK_CASE_STUDY)
    assert await chat.last("skip") == say.SUMMARY_PROMPT


async def test_the_summary_refuses_unclear_replies_with_the_choices(chat: ReturnsChat) -> None:
    """Anything other than submit, change or save gets the choices again."""
    await chat.say(START_Q2)
    await answer(chat, *GOOD_ANSWERS)
    assert await chat.last("maybe") == say.SUMMARY_PROMPT


async def test_same_as_last_quarter_offers_the_previous_figures(chat: ReturnsChat) -> None:
    """With Q1 submitted, Q2 starts by offering Q1's figures; yes copies them and asks what is new."""
    await chat.say("check in for OPCC-2023-014 Q1")
    await answer(chat, "130", "310", "£25,000", "£25,000", "green", "none", "Clients felt safer", "skip", "submit")
    replies = await chat.say(START_Q2)
    assert replies[-1].text == (
        "Last period (Q1 2026/27) you reported referrals 130, sessions 310, £25,000 spent in the period, rated Green. "
        "Use those figures as the starting point for Q2 2026/27? Reply yes or no; you can change any answer before you submit."
    )
    assert await chat.last("maybe") == "Please reply with one of: Yes, No."
    assert await chat.last("yes") == "How much have you spent in total since the agreement started, up to 30 Sep 2026?"
    assert (await answers_of(chat))[kpi_key("sessions")] == "310"


async def test_no_to_same_as_last_quarter_asks_each_figure_and_same_reuses_one(chat: ReturnsChat) -> None:
    """Saying no asks every question, each showing last period's figure; "same" takes it."""
    await chat.say("check in for OPCC-2023-014 Q1")
    await answer(chat, "130", "310", "£25,000", "£25,000", "green", "none", "Clients felt safer", "skip", "submit")
    await chat.say(START_Q2)
    assert await chat.last("no") == "How many referrals in Q2 2026/27? The target is 120. Last period: 130. Type 'same' to use it."
    await chat.say("same")
    assert (await answers_of(chat))[kpi_key("referrals")] == "130"


async def test_two_providers_in_one_group_chat_keep_separate_returns(engine: AsyncEngine) -> None:
    """Interleaved messages from two providers never mix their answers or dialogs."""
    await add_agreements(engine)
    chat = ReturnsChat(engine, conversation="group-chat")
    await chat.say(START_Q2, who=SAFE)
    north = await chat.say("check in for OPCC-2024-077 Q2", who=NORTH)
    assert north[-1].text == "How many young people in Q2 2026/27? The target is 60."
    assert await chat.last("130", who=SAFE) == "How many sessions in Q2 2026/27? The target is 300."
    assert (await chat.last("55", who=NORTH)).startswith("How much did you spend")
    assert await chat.last("310", who=SAFE) != ""
    assert await answers_of(chat) == {kpi_key("referrals"): "130", kpi_key("sessions"): "310"}
    assert await answers_of(chat, "OPCC-2024-077") == {kpi_key("young people"): "55"}


async def test_a_provider_cannot_start_another_providers_return_by_name_or_button(chat: ReturnsChat) -> None:
    """Typed references and forged start buttons for someone else's agreement are refused alike."""
    assert await chat.last("check in for OPCC-2024-077") == (
        "I can't find an agreement OPCC-2024-077 that you report on. Type 'check in' to see your agreements."
    )
    forged = {"action": "start_return", "reference": "OPCC-2024-077", "period": "Q2 2026/27"}
    assert await chat.last(value=forged) == say.NOT_YOURS.format(reference="OPCC-2024-077")
    assert await chat.last(value={"action": "start_return", "reference": "NOPE-999"}) == say.NOT_YOURS.format(reference="NOPE-999")


async def test_forged_return_ids_on_buttons_reach_nothing(chat: ReturnsChat) -> None:
    """Submit, change and assess buttons naming another provider's return change nothing."""
    await chat.say("check in for OPCC-2024-077 Q2", who=NORTH)
    await chat.say("55", who=NORTH)
    other_id = (await chat.repo.owed_periods("OPCC-2024-077", date(2026, 10, 5)))[0].return_id
    for forged in (
        {"action": "submit_return", "return_id": other_id},
        {"action": "change_answer", "return_id": other_id, "key": "rag"},
        {"action": "submit_return", "return_id": "1 OR 1=1"},
    ):
        assert await chat.last(value=forged) == "That return isn't one you can open. Type 'check in' to see your own returns."
    assert await chat.last(value={"action": "assess_decision", "return_id": other_id, "decision": "accept"}) == say.STAFF_ONLY
    assert await chat.last("returns awaiting assessment") == say.STAFF_ONLY
    north = await answers_of(chat, "OPCC-2024-077")
    assert north == {kpi_key("young people"): "55"}


async def test_a_forged_button_inside_my_own_dialog_is_a_stale_button(chat: ReturnsChat) -> None:
    """At my summary, a button for a different return id is refused, not acted on."""
    await chat.say(START_Q2)
    await answer(chat, *GOOD_ANSWERS)
    assert await chat.last(value={"action": "submit_return", "return_id": 999}) == say.STALE_BUTTON
    assert (await chat.repo.owed_periods("OPCC-2023-014", date(2026, 10, 5)))[0].state == "in_progress"


async def test_people_who_are_not_providers_have_no_returns(chat: ReturnsChat) -> None:
    """An unknown user is told there is nothing for them; staff are pointed to assessment."""
    assert await chat.last("check in", who=STRANGER) == say.NO_AGREEMENTS
    assert await chat.last("check in", who=MANAGER) == say.STAFF_NOT_PROVIDER


async def test_ordinary_questions_are_left_to_the_register_engine(chat: ReturnsChat) -> None:
    """Without a return dialog running, register questions pass through untouched."""
    assert await chat.last("which grants expire this quarter?") == NOT_MINE
    assert await chat.last("we checked in with clients weekly") == NOT_MINE


async def test_a_submitted_return_cannot_be_reopened_by_the_provider(chat: ReturnsChat) -> None:
    """Once submitted, asking for that period says so instead of letting answers change."""
    await chat.say(START_Q2)
    await answer(chat, *GOOD_ANSWERS, "submit")
    assert await chat.last(START_Q2) == say.PERIOD_NOT_OPEN.format(period="Q2 2026/27", reference="OPCC-2023-014", state="submitted")

