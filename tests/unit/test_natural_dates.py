"""Natural dates: month ranges, fortnights, and the phrases the rules do not settle.

Each row is asked on the two registers (London and a shire county) at the awkward days, and the
period in the answer is the one docs/questions.md gives the words. Where the rules do not settle a
phrase ("over the summer", "the new year", "at the end of next quarter") the answer asks which is
meant, and each choice, asked, is answered for exactly its dates.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reading_registers import AWKWARD_DAYS, REGISTERS  # noqa: E402

from bot.cards import not_understood_card  # noqa: E402
from bot.questions.answer_json import answer_json  # noqa: E402
from bot.questions.engine import QuestionEngine  # noqa: E402

D = date
ENGINES = {name: QuestionEngine(register) for name, register in REGISTERS.items()}

# (today, question, start, end)
RANGES = [
    (D(2027, 3, 31), "what ends between January and March 2027?", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2027, 4, 1), "what ends between January and March 2027?", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2027, 3, 31), "what ends from Jan to Mar?", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2027, 4, 1), "what ends from Jan to Mar?", D(2028, 1, 1), D(2028, 3, 31)),
    (D(2026, 12, 24), "what ends from January to March", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2028, 2, 29), "what ends between jan and march", D(2028, 1, 1), D(2028, 3, 31)),
    (D(2026, 12, 24), "what ends from December to February?", D(2026, 12, 1), D(2027, 2, 28)),
    (D(2026, 12, 24), "grants ending between November and February 2028", D(2027, 11, 1), D(2028, 2, 29)),
    (D(2026, 12, 24), "contracts ending jan-mar 2027", D(2027, 1, 1), D(2027, 3, 31)),
    (D(2026, 12, 24), "what ends in the next fortnight?", D(2026, 12, 24), D(2027, 1, 7)),
    (D(2027, 3, 31), "what ends next fortnight", D(2027, 3, 31), D(2027, 4, 14)),
    (D(2028, 2, 29), "what ended in the last fortnight", D(2028, 2, 15), D(2028, 2, 29)),
    (D(2026, 12, 24), "what ends by the end of next quarter?", D(2026, 12, 24), D(2027, 3, 31)),
    (D(2027, 3, 31), "what ends by the end of next quarter?", D(2027, 3, 31), D(2027, 6, 30)),
    (D(2027, 4, 1), "what ends by the end of next quarter?", D(2027, 4, 1), D(2027, 9, 30)),
]


@pytest.mark.parametrize("register", sorted(REGISTERS))
@pytest.mark.parametrize(("today", "question", "start", "end"), RANGES, ids=[f"{r[0]}:{r[1]}" for r in RANGES])
def test_natural_ranges_mean_the_design_dates(register: str, today: date, question: str, start: date, end: date) -> None:
    """Month ranges and fortnights are answered for exactly the days the rules give them."""
    answer = ENGINES[register].answer(question, today)
    assert answer.understood, answer.headline
    assert answer.period is not None and (answer.period.start, answer.period.end) == (start, end)
    assert all(start <= m.agreement.current_end_date <= end for m in answer.matches if m.agreement.current_end_date)


AMBIGUOUS = [
    ("which grants end over the summer?", "over the summer"),
    ("what ends in the new year?", "in the new year"),
    ("what expires by the new year", "by the new year"),
    ("what ends at the end of next quarter?", "at the end of next quarter"),
    ("contracts ending during the summer holidays", "during the summer holidays"),
]


@pytest.mark.parametrize("register", sorted(REGISTERS))
@pytest.mark.parametrize("today", AWKWARD_DAYS)
@pytest.mark.parametrize(("question", "said"), AMBIGUOUS)
def test_unsettled_phrases_ask_which_is_meant(register: str, today: date, question: str, said: str) -> None:
    """The answer asks which reading is meant, and every choice, asked, is understood with a period."""
    engine = ENGINES[register]
    answer = engine.answer(question, today)
    assert not answer.understood and answer.intent == "choose"
    assert said in answer.headline and len(answer.choices) >= 2
    periods = set()
    for _title, choice in answer.choices:
        chosen = engine.answer(choice, today)
        assert chosen.understood, (choice, chosen.headline)
        assert chosen.period is not None
        periods.add((chosen.period.start, chosen.period.end))
    assert len(periods) == len(answer.choices), "each choice means different days"


def test_the_summer_choices_name_the_next_summer_not_wholly_passed() -> None:
    """In December the summer meant is next year's; the buttons carry its exact months."""
    answer = ENGINES["london"].answer("Which grants end over the summer?", D(2026, 12, 24))
    assert [question for _title, question in answer.choices] == [
        "Which grants end between June and August 2027?",
        "Which grants end between July and August 2027?",
    ]


def test_a_choice_card_offers_each_reading_as_a_button_that_asks_it() -> None:
    """The card's buttons ask the question again with each choice's dates, and the JSON lists them."""
    answer = ENGINES["shire"].answer("what ends at the end of next quarter?", D(2027, 3, 31))
    card = not_understood_card(answer)
    asked = [
        action["data"]["question"]
        for item in card["body"] if item.get("type") == "Container"
        for action_set in item["items"] for action in action_set.get("actions", ())
    ]
    assert asked == ["what ends on 30 Jun 2027?", "what ends in June 2027?", "what ends by 30 Jun 2027?"]
    assert [c["question"] for c in answer_json(answer)["choices"]] == asked


BEFORE_WORDS = ("before", "by", "until", "on or before", "no later than", "till", "up to")


@pytest.mark.parametrize("register", sorted(REGISTERS))
@pytest.mark.parametrize("today", AWKWARD_DAYS)
@pytest.mark.parametrize("word", BEFORE_WORDS)
@pytest.mark.parametrize("days_on", [-400, -1, 0, 1, 30])
def test_before_by_and_until_never_give_a_period_that_starts_before_today(
    register: str, today: date, word: str, days_on: int
) -> None:
    """Whatever the day named, the period starts today; a day already gone gives an empty period that says so."""
    day = today + timedelta(days=days_on)
    answer = ENGINES[register].answer(f"what expires {word} {day:%d/%m/%Y}?", today)
    assert answer.understood and answer.period is not None
    assert answer.period.start == today
    if answer.period.end < today:
        assert answer.count == 0 and "no days left" in answer.headline


def test_before_today_asked_on_31_march_is_an_empty_period() -> None:
    """"What expires before 31 March 2027?" asked on 31 March: nothing, and the answer says why."""
    answer = ENGINES["london"].answer("what expires before 31 March 2027?", D(2027, 3, 31))
    assert answer.count == 0 and answer.period is not None and answer.period.start == D(2027, 3, 31)
    assert "has no days left from today" in answer.headline
    assert "no days left" in answer.interpretation
