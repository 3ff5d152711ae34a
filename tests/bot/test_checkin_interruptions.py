"""Dialogs that forgive: commands and register questions at every prompt of the check-in and the assessment.

At each step of a provider's check-in (choosing the agreement and the period, every question, the
summary) and of a typed assessment (outcome, rating, comment), each interruption is typed as people
type it, in any case and with small typos: "save for later" and "cancel" stop (the answers so far
kept), "help" explains and asks again, "back" goes to the step before, "continue" asks again, and a
register question is answered by the register and the prompt asked again, the return kept.
"""

from __future__ import annotations

from datetime import date

import pytest
from returns_chat import MANAGER, NOT_MINE, ReturnsChat
from returns_data import add_agreements
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs import checkin_text as say

PATH = ["check in", "OPCC-2023-014", "Q2 2026/27", "95", "Two advisers off sick", "310", "£25,000", "£50k", "amber",
        "Waiting list growing", "Clients felt safer", "skip"]
STEPS = ["agreement", "period", "referrals", "reason", "sessions", "spend in period", "spend to date", "RAG", "risks",
         "outcomes", "case study", "summary"]
QUESTION = "which grants expire this quarter?"
# How people type each command: exactly, in capitals, with a typo. Each step gets one of them in
# turn, so every form is tried at several steps without running every step three times.
TYPED = {
    "cancel": ("cancel", "Cancle", "STOP"),
    "save": ("save for later", "Save for latr", "SAVE"),
    "help": ("help", "HELP", "hepl"),
    "back": ("back", "Go back", "bakc"),
    "continue": ("continue", "Carry on", "contniue"),
}


def form_of(command: str, step: str) -> str:
    forms = TYPED[command]
    return forms[STEPS.index(step) % len(forms)]


@pytest.fixture
async def chat(engine: AsyncEngine) -> ReturnsChat:
    await add_agreements(engine)
    return ReturnsChat(engine)


async def walk_to(chat: ReturnsChat, step: str) -> list[str]:
    """The prompt asked at every step up to and including `step` (its last reply's text)."""
    asked = []
    for text in PATH[: STEPS.index(step) + 1]:
        asked.append((await chat.say(text))[-1].text)
    return asked


async def stored(chat: ReturnsChat) -> dict[str, str] | None:
    owed = await chat.repo.owed_periods("OPCC-2023-014", date(2026, 10, 5))
    found = next((o for o in owed if o.period.label == "Q2 2026/27"), None)
    return (await chat.repo.load(found.return_id)).answers if found and found.return_id else None


async def carries_on(chat: ReturnsChat, step: str, asked: list[str]) -> None:
    """The dialog is where it was: the step's own answer moves on exactly as it would have."""
    index = STEPS.index(step)
    if index + 1 < len(PATH):
        next_prompt = (await chat.say(PATH[index + 1]))[-1].text
        assert next_prompt and next_prompt != asked[-1]
    else:
        assert await chat.last("submit") == say.SUBMITTED.format(period="Q2 2026/27", reference="OPCC-2023-014")


@pytest.mark.parametrize("step", STEPS)
async def test_cancel_stops_at_every_step_keeping_the_answers(chat: ReturnsChat, step: str) -> None:
    """Stopped; the answers given stay saved; the next message is a question again."""
    typed = form_of("cancel", step)
    await walk_to(chat, step)
    before = await stored(chat)
    assert await chat.last(typed) == say.CANCELLED
    assert await stored(chat) == before
    assert await chat.last("we checked in with clients weekly") == NOT_MINE


@pytest.mark.parametrize("step", STEPS)
async def test_save_for_later_at_every_step_keeps_the_return_for_continue(chat: ReturnsChat, step: str) -> None:
    """Saved, never taken as an answer; "continue my return" comes back to the same prompt."""
    typed = form_of("save", step)
    asked = await walk_to(chat, step)
    before = await stored(chat)
    reply = await chat.last(typed)
    assert await stored(chat) == before
    if step in ("agreement", "period"):
        assert reply == say.NOTHING_TO_SAVE
        return
    assert reply == say.SAVED_FOR_LATER
    assert (await chat.say("continue my return"))[-1].text == asked[-1]


@pytest.mark.parametrize("step", STEPS)
async def test_help_at_every_step_explains_and_the_dialog_carries_on(chat: ReturnsChat, step: str) -> None:
    """Help says what to type here and what else can be said; nothing changes."""
    typed = form_of("help", step)
    asked = await walk_to(chat, step)
    before = await stored(chat)
    reply = await chat.last(typed)
    expected = say.SUMMARY_PROMPT if step == "summary" else say.HELP_GENERAL
    assert expected in reply
    assert await stored(chat) == before
    await carries_on(chat, step, asked)


BACK_TO = {"agreement": None, "period": "agreement", "referrals": None}


@pytest.mark.parametrize("step", STEPS)
async def test_back_at_every_step_goes_to_the_step_before(chat: ReturnsChat, step: str) -> None:
    """Back re-asks the step before (showing the answer given), or says there is none before the first."""
    typed = form_of("back", step)
    asked = await walk_to(chat, step)
    reply = await chat.last(typed)
    index = STEPS.index(step)
    if step in BACK_TO and BACK_TO[step] is None:
        assert reply == say.NOTHING_BEFORE
    else:
        assert reply.startswith(asked[index - 1].split(" Last period")[0])
        if step not in ("period",):
            assert "Your answer so far" in reply


@pytest.mark.parametrize("step", STEPS)
async def test_continue_at_every_step_asks_again(chat: ReturnsChat, step: str) -> None:
    """Continue is never an answer: the same prompt comes again."""
    typed = form_of("continue", step)
    asked = await walk_to(chat, step)
    before = await stored(chat)
    replies = await chat.say(typed)
    assert replies[0].text == say.CARRYING_ON and replies[-1].text == asked[-1]
    assert await stored(chat) == before
    await carries_on(chat, step, asked)


@pytest.mark.parametrize("step", STEPS)
async def test_a_register_question_at_every_step_is_answered_and_the_prompt_asked_again(chat: ReturnsChat, step: str) -> None:
    """"which grants expire this quarter?" at the amount prompt (or any other) is answered, never stored."""
    asked = await walk_to(chat, step)
    before = await stored(chat)
    replies = await chat.say(QUESTION)
    assert replies[0].card is not None and replies[0].card["type"] == "AdaptiveCard"
    assert [r.text for r in replies[1:]][-2:] == [say.BACK_TO_IT, asked[-1]]
    assert await stored(chat) == before
    await carries_on(chat, step, asked)


async def test_a_question_the_register_does_not_understand_is_still_an_answer(chat: ReturnsChat) -> None:
    """Outcomes that happen to open like a question are stored as typed, not sent to the register."""
    await walk_to(chat, "outcomes")
    await chat.say("What a quarter: clients felt safer")
    assert (await stored(chat) or {})["outcomes"] == "What a quarter: clients felt safer"


@pytest.mark.parametrize("typed", ["black", "same", "Green"])
async def test_words_close_to_a_command_are_answers_not_commands(chat: ReturnsChat, typed: str) -> None:
    """A real answer one letter away from a short command ("black", "same") is never taken for it."""
    await walk_to(chat, "risks")
    assert (await chat.say(typed))[-1].text == say.ASK_OUTCOMES
    assert (await stored(chat) or {})["risks"] == typed


# --- the typed assessment ---------------------------------------------------------------

ASSESS_PATH = ["assess OPCC-2023-014", "query", "Requires improvement"]
ASSESS_STEPS = ["outcome", "rating", "comment"]


@pytest.fixture
async def assessing(chat: ReturnsChat) -> ReturnsChat:
    for text in PATH + ["submit"]:
        await chat.say(text)
    return chat


async def assess_to(chat: ReturnsChat, step: str) -> list[str]:
    return [(await chat.say(text, who=MANAGER))[-1].text for text in ASSESS_PATH[: ASSESS_STEPS.index(step) + 1]]


async def still_waiting(chat: ReturnsChat) -> bool:
    owed = await chat.repo.owed_periods("OPCC-2023-014", date(2026, 10, 5))
    ret = await chat.repo.load(next(o.return_id for o in owed if o.period.label == "Q2 2026/27"))
    return ret.state == "submitted"


@pytest.mark.parametrize("typed,expected", [("cancle", say.ASSESS_CANCELLED), ("Save for later", say.ASSESS_SAVED)])
@pytest.mark.parametrize("step", ASSESS_STEPS)
async def test_the_assessment_stops_at_every_step_recording_nothing(assessing: ReturnsChat, step: str, typed: str, expected: str) -> None:
    await assess_to(assessing, step)
    assert await assessing.last(typed, who=MANAGER) == expected
    assert await still_waiting(assessing)


@pytest.mark.parametrize("step", ASSESS_STEPS)
async def test_the_assessment_takes_help_continue_back_and_questions_at_every_step(assessing: ReturnsChat, step: str) -> None:
    asked = await assess_to(assessing, step)
    assert await assessing.last("Hepl", who=MANAGER) == say.HELP_ASSESS
    replies = await assessing.say("continue", who=MANAGER)
    assert [r.text for r in replies] == [say.CARRYING_ON, asked[-1]]
    replies = await assessing.say(QUESTION, who=MANAGER)
    assert replies[0].card is not None and [r.text for r in replies[-2:]] == [say.BACK_TO_IT, asked[-1]]
    back = await assessing.last("back", who=MANAGER)
    if step == "outcome":
        assert back == say.NOTHING_BEFORE_ASSESS
    else:
        assert back == asked[-2]
    assert await still_waiting(assessing)
