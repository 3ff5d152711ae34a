"""Which messages start or continue a monitoring-return conversation, and which are left alone."""

from __future__ import annotations

import pytest

from dialogs.intents import (
    ASSESS,
    AWAITING_ASSESSMENT,
    CHECK_IN,
    RETURN_BUTTON,
    Intent,
    recognise,
)
from dialogs.interruptions import CANCEL, command_of


@pytest.mark.parametrize(
    "text", ["check in", "Check-in", "checkin", "start my return", "Start my monitoring return", "please do my return", "my return"]
)
def test_check_in_phrases_start_a_return(text: str) -> None:
    """The phrases a provider would type to begin."""
    assert recognise(text, None) == Intent(CHECK_IN)


@pytest.mark.parametrize("text", ["continue my return", "resume my return", "finish my return"])
def test_continue_phrases_resume_the_draft(text: str) -> None:
    """"continue my return" asks to go straight back to the draft."""
    assert recognise(text, None) == Intent(CHECK_IN, resume=True)


def test_a_reference_and_period_can_be_named() -> None:
    """"check in for OPCC-2023-014 Q2" names both."""
    assert recognise("check in for OPCC-2023-014 q2 2026/27", None) == Intent(CHECK_IN, "OPCC-2023-014", "Q2 2026/27")
    assert recognise("start my return for OPCC-2023-014", None) == Intent(CHECK_IN, "OPCC-2023-014")


@pytest.mark.parametrize(
    "text",
    ["we checked in with clients weekly", "which returns are overdue?", "check in on the ISVA contract please now",
     "Outcomes: clients check in daily", "", "   "],
)
def test_sentences_that_merely_contain_the_words_are_not_commands(text: str) -> None:
    """Whole-phrase matching: answers and register questions are never mistaken for commands."""
    assert recognise(text, None) is None


@pytest.mark.parametrize("text", ["returns awaiting assessment", "Show returns waiting for assessment", "returns to assess", "assess returns"])
def test_staff_phrases_list_returns_awaiting_assessment(text: str) -> None:
    """The staff list, however it is asked."""
    assert recognise(text, None) == Intent(AWAITING_ASSESSMENT)


def test_assess_names_an_agreement() -> None:
    """"assess OPCC-2023-014" opens that agreement's submitted return."""
    assert recognise("assess OPCC-2023-014", None) == Intent(ASSESS, "OPCC-2023-014")


def test_card_buttons_are_read_from_their_data_and_text_is_ignored() -> None:
    """A card submit has no text (docs/teams-sdk.md trap 6); its data decides."""
    start = {"action": "start_return", "reference": "OPCC-2023-014", "period": "Q2 2026/27"}
    assert recognise(None, start) == Intent(CHECK_IN, "OPCC-2023-014", "Q2 2026/27", data=start)
    assert recognise(None, {"action": "submit_return", "return_id": 3}).name == RETURN_BUTTON  # type: ignore[union-attr]
    assert recognise(None, {"action": "assess_decision", "return_id": 3}).name == ASSESS  # type: ignore[union-attr]
    assert recognise(None, {"action": "show_more", "question": "x"}) is None


def test_forged_start_buttons_with_odd_types_carry_no_reference() -> None:
    """Non-text fields in a forged button are dropped, not trusted."""
    assert recognise(None, {"action": "start_return", "reference": ["x"], "period": 3}) == Intent(
        CHECK_IN, data={"action": "start_return", "reference": ["x"], "period": 3}
    )


@pytest.mark.parametrize(("text", "cancel"), [("cancel", True), ("Stop.", True), ("quit", True), ("cancel my contract", False), (None, False)])
def test_cancel_is_a_whole_word_command(text: str | None, cancel: bool) -> None:
    """Only the word itself cancels."""
    assert (command_of(text) == CANCEL) is cancel
