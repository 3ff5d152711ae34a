"""Which typed words are commands at a prompt, allowing small typos, and which are answers."""

from __future__ import annotations

import pytest

from dialogs.interruptions import BACK, CANCEL, CONTINUE, HELP, SAVE, command_of, looks_like_question


@pytest.mark.parametrize("typed,command", [
    ("save for later", SAVE), ("Save For Later.", SAVE), ("save for latr", SAVE), ("sav for later", SAVE), ("svae", SAVE),
    ("cancel", CANCEL), ("CANCEL!", CANCEL), ("cancle", CANCEL), ("canel", CANCEL), ("stpo", CANCEL),
    ("help", HELP), ("Help?", HELP), ("hepl", HELP), ("?", HELP),
    ("back", BACK), ("Go back", BACK), ("bakc", BACK), ("go bak", BACK),
    ("continue", CONTINUE), ("Contniue", CONTINUE), ("carry on", CONTINUE),
])
def test_commands_are_recognised_in_any_case_and_with_a_small_typo(typed: str, command: str) -> None:
    assert command_of(typed) == command


@pytest.mark.parametrize("typed", ["black", "same", "edit", "water", "none", "green", "130", "£12,500", "skip", "yes",
                                   "hell", "sack", "Waiting list growing", "continue my return", "we cancelled two sessions"])
def test_answers_near_a_command_are_left_as_answers(typed: str) -> None:
    assert command_of(typed) is None


@pytest.mark.parametrize("typed,question", [
    ("which grants expire this quarter?", True), ("How many contracts end in March", True), ("is that right?", True),
    ("Clients felt safer", False), ("help", False), ("£25,000", False),
])
def test_what_reads_as_a_register_question(typed: str, question: bool) -> None:
    assert looks_like_question(typed) is question
