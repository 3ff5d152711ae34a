"""Whatever people type, the question engine answers: never an exception, never a guess.

Property tests throw arbitrary text — and arbitrary mixes of the words questions are made
of — at the engine. Every answer is either understood, with an interpretation, a question
back with the readings to choose from, or an honest refusal with examples.
"""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from test_questions import REGISTER

from bot.questions.engine import QuestionEngine

ENGINE = QuestionEngine(REGISTER)
WORDS = [
    "which", "grants", "contracts", "expire", "end", "start", "this", "next", "last", "quarter", "q3", "q5",
    "in", "march", "may", "by", "before", "after", "between", "and", "31/02/2027", "2026/27", "fy26", "over",
    "under", "£200k", "£1m", "at", "least", "how", "many", "total", "value", "of", "csf", "moj", "southwark",
    "safer", "london", "who", "is", "the", "contact", "for", "OPCC-2023-014", "returns", "overdue", "red",
    "data", "quality", "extension", "options", "left", "terminated", "draft", "so", "far", "days", "30",
    "<at>Bot</at>", "**bold**", "'; drop table agreements; --", "\u0000", "🙂",
]


def _is_honest(answer) -> bool:  # type: ignore[no-untyped-def]
    if answer.understood:
        return bool(answer.interpretation) and answer.count == len(answer.references)
    if answer.intent == "choose":
        # An ambiguous period ("summer") is asked back, with each reading to pick: not a guess.
        return answer.count == 0 and len(answer.choices) >= 2 and answer.headline.endswith("?")
    # A refusal offers the nearest real question first, then the same examples.
    return answer.count == 0 and bool(answer.examples) and set(ENGINE.examples) <= set(answer.examples)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_an_answer_or_an_honest_refusal(text: str) -> None:
    """Random text never raises and never produces a half-made answer."""
    assert _is_honest(ENGINE.answer(text, date(2026, 11, 22)))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_any_mix_of_question_words_on_any_day_gets_an_answer(words: list[str], today: date) -> None:
    """Question-shaped word salad, on any day (leap days included), is answered or refused."""
    assert _is_honest(ENGINE.answer(" ".join(words), today))
