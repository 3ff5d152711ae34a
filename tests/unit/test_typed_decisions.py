"""Reading a typed end decision ("extend GR-2025-016 by 1 year"): what staff type, and what is only a question."""

from __future__ import annotations

import pytest

from bot.requests import Ask, DecideEnd, Ignore, MentionInfo, Refuse, decision_command, read_turn

BOT = "28:bot"


@pytest.mark.parametrize(("text", "decision", "years"), [
    ("extend GR-2025-016 by 1 year", "extend", 1),
    ("Extend gr-2025-016 by two years please", "extend", 2),
    ("please extend GR-2025-016 for a year.", "extend", 1),
    ("extend GR-2025-016 by 24 months", "extend", 2),
    ("extend GR-2025-016", "extend", None),
    ("re-commission GR-2025-016", "recommission", None),
    ("Recommission GR-2025-016!", "recommission", None),
    ("re commission GR-2025-016", "recommission", None),
    ("let GR-2025-016 end", "end", None),
    ("let GR-2025-016 expire", "end", None),
    ("let GR-2025-016 run out", "end", None),
])
def test_everyday_phrasings_are_read_as_the_buttons_are(text: str, decision: str, years: int | None) -> None:
    """Any case, "please", a full stop, words or digits: the same decision the card's button records."""
    assert decision_command(text) == DecideEnd("GR-2025-016", decision, years, typed=True)


def test_references_with_slashes_and_again_are_kept() -> None:
    """`MOPAC/VRU/2024/07` is one reference; "again" asks for a second decision on purpose."""
    assert decision_command("let MOPAC/VRU/2024/07 end") == DecideEnd("MOPAC/VRU/2024/07", "end", typed=True)
    assert decision_command("extend MOPAC/VRU/2024/07 again") == DecideEnd("MOPAC/VRU/2024/07", "extend", typed=True, again=True)


@pytest.mark.parametrize("text", ["extend GR-2025-016 by 18 months", "extend GR-2025-016 by 0 years",
                                  "extend GR-2025-016 by 11 years"])
def test_a_period_that_is_not_whole_years_is_refused_with_what_to_type(text: str) -> None:
    refused = decision_command(text)
    assert isinstance(refused, Refuse) and 'type "extend GR-2025-016 by 1 year"' in refused.message


@pytest.mark.parametrize("text", [
    "which grants can we extend?", "extend options for GR-2025-016", "let it end", "let me know what ends in 2027",
    "extend GR-2025-016?", "can we let GR-2025-016 end?", "when does GR-2025-016 end",
])
def test_questions_about_decisions_stay_questions(text: str) -> None:
    """Only a command reads as a decision; a question (or a reference without a digit) is answered as one."""
    assert decision_command(text) is None
    assert isinstance(read_turn(text, None, conversation_type="personal").request, Ask)


def test_a_channel_decision_needs_the_mention_like_any_message() -> None:
    """In a channel the command is read after the bot's mention is removed; unmentioned, it is ignored."""
    mention = [MentionInfo(BOT, "<at>Commissioning</at>")]
    mentioned = read_turn("<at>Commissioning</at> let GR-2025-016 end", None, conversation_type="channel",
                          mentions=mention, bot_id=BOT)
    assert mentioned.request == DecideEnd("GR-2025-016", "end", typed=True)
    assert isinstance(read_turn("let GR-2025-016 end", None, conversation_type="channel").request, Ignore)
