"""A register name may hold the words questions are made of: "Best Start Trust", "Next Steps Youth Project".

Dates, money and cue phrases are read before names, so "start" (a date word) and "next" (a period
word) used to be taken out of the name and the name was not found. Names of two or more words said
exactly are now read as names first, on a London and a shire register alike.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reading_registers import AWKWARD_DAYS, LONDON, SHIRE  # noqa: E402

from bot.questions.engine import QuestionEngine  # noqa: E402

BEST_START = replace(LONDON[0], reference="GR-2025-200", provider="Best Start Trust", title="Early help for families",
                     area="London Borough of Lambeth", end_date=date(2029, 3, 31))
NEXT_STEPS = replace(SHIRE[0], reference="LLR/2025/077", provider="Next Steps Youth Project", title="Mentoring",
                     area="Rutland", end_date=date(2029, 3, 31))
ENGINES = {"london": QuestionEngine([*LONDON, BEST_START]), "shire": QuestionEngine([*SHIRE, NEXT_STEPS])}
NAMED = {"london": ("Best Start Trust", BEST_START.reference), "shire": ("Next Steps Youth Project", NEXT_STEPS.reference)}

QUESTIONS = (
    "what do we fund with {name}?",
    "which grants does {name} have",
    "how many agreements with {name}",
    "{name}",
    "what do we fund with {lower}",
    "who is the contact for {name}?",
)


@pytest.mark.parametrize("register", sorted(ENGINES))
@pytest.mark.parametrize("words", QUESTIONS)
@pytest.mark.parametrize("today", (date(2026, 11, 22), *AWKWARD_DAYS))
def test_a_name_holding_a_date_word_is_found_by_name(register: str, words: str, today: date) -> None:
    """Every name question finds the one agreement of that provider, and says the provider it read."""
    name, reference = NAMED[register]
    answer = ENGINES[register].answer(words.format(name=name, lower=name.lower()), today)
    assert answer.understood, answer.headline
    assert answer.references == [reference]
    assert name in answer.interpretation or reference in answer.interpretation


@pytest.mark.parametrize(
    ("register", "words", "period"),
    [
        ("london", "which agreements with Best Start Trust end this financial year", None),
        ("london", "grants with Best Start Trust ending by 31/03/2029", (date(2026, 11, 22), date(2029, 3, 31))),
        ("shire", "agreements with Next Steps Youth Project ending next quarter", (date(2027, 1, 1), date(2027, 3, 31))),
    ],
)
def test_the_date_words_around_the_name_are_still_read(register: str, words: str, period: tuple[date, date] | None) -> None:
    """The name keeps its words, and the question's own date words still set the period."""
    answer, query = ENGINES[register].answer_and_query(words, date(2026, 11, 22))
    assert answer.understood and query is not None, answer.headline
    assert [name.values for name in query.names] == [frozenset({NAMED[register][0]})]
    assert query.date_field == "end" and query.period is not None
    if period is not None:
        assert (query.period.start, query.period.end) == period
