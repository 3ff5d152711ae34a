"""The register index narrows what the question rules look at, and never changes an answer.

Every question below is answered twice over the same 3,000-agreement register — once with the
engine's index, once by scanning every agreement as the rules alone would — and the answers
must be equal in every field: the same agreements in the same order, headline, totals, notes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.questions.engine import QuestionEngine
from demo.register import COLUMNS, demo_rows, register_rows
from domain.answers import Answer
from domain.register_index import RegisterIndex
from domain.register_rows import parse_rows

TODAY = date(2026, 11, 22)

QUESTIONS = (
    "which grants expire this quarter?",
    "which contracts end next quarter?",
    "what ends in March?",
    "how many agreements end in the next 90 days?",
    "what is the total value of grants ending this financial year?",
    "what do we fund in Southwark?",
    "which Violence Reduction Unit grants end by 31 March 2027?",
    "how many contracts are funded by the MoJ?",
    "which contracts are worth over £1m?",
    "grants under £50k ending next quarter",
    "who is the contact for OPCC-2023-014?",
    "when does the Safer London contract end?",
    "tell me about MOPAC-2022-001",
    "tell me about NOPE-1999-999",
    "which contracts have extension options left?",
    "which agreements need an extension decision?",
    "which agreements need an extension decision next quarter?",
    "which agreements have data quality problems?",
    "which grants have no end date?",
    "which current agreements have data quality problems?",
    "which grants started this financial year have data quality problems?",
    "which grants ending next quarter have data quality problems?",
    "which agreements in Lambeth have data quality problems?",
    "which agreements are unsigned?",
    "which domestic abuse services end this financial year?",
    "which partnerships started this financial year?",
    "which grants started last quarter?",
    "what do we fund in Lambeth through the CSF?",
    "what do we fund in Lambeth or Southwark?",
    "which terminated contracts were there?",
    "which draft grants end next year?",
    "which grants are running this quarter?",
    "which current contracts are there?",
    "which agreements have ended?",
    "which grants ended last quarter?",
    "total value of grants per provider ending this financial year",
    "how many contracts end next quarter by area?",
)


@pytest.fixture(scope="module")
def engine() -> QuestionEngine:
    rows = demo_rows(TODAY)
    rows += register_rows(TODAY, 3_000 - len(rows), seed=3, taken=[row["reference"] for row in rows])
    parsed = parse_rows(list(COLUMNS), ((n, [row[c] for c in COLUMNS]) for n, row in enumerate(rows, start=2)))
    return QuestionEngine(list(parsed.agreements))


def _scanned(engine: QuestionEngine, question: str, day: date) -> Answer:
    """The answer the rules alone give, every agreement scanned, with nothing remembered."""
    index, engine.index = engine.index, None  # type: ignore[assignment]
    engine._answers.clear()
    try:
        return engine.answer(question, day)
    finally:
        engine.index = index
        engine._answers.clear()


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_index_gives_the_answer_a_full_scan_gives(engine: QuestionEngine, question: str) -> None:
    engine._answers.clear()  # answers are remembered per query: each side must work its own out
    indexed = engine.answer(question, TODAY)
    assert indexed == _scanned(engine, question, TODAY)
    assert indexed.understood, indexed.headline


def test_data_quality_answers_follow_the_day_asked_about(engine: QuestionEngine) -> None:
    """Problems are remembered per day: a later day's answer is that day's scan, not today's again."""
    question = "which agreements have data quality problems?"
    later = date(2027, 6, 1)  # agreements ending in between are now past their end date but still active
    engine._answers.clear()
    today_answer = engine.answer(question, TODAY)
    later_answer = engine.answer(question, later)
    assert later_answer == _scanned(engine, question, later)
    assert later_answer.count > today_answer.count


@pytest.mark.parametrize("question", [
    "which agreements have data quality problems?",
    "which grants have no end date?",
    "which current agreements have data quality problems?",
])
def test_day_after_day_the_kept_rows_give_each_days_own_answer(engine: QuestionEngine, question: str) -> None:
    """A new day's first data-quality answer reuses the day before's rows only where nothing changed.

    The days run over a quarter's end, when many agreements end (and so turn past their end date
    but still active) and some start, then jump back a year: each day's answer is that day's scan.
    """
    first = date(2027, 3, 27)
    days = [date.fromordinal(first.toordinal() + n) for n in range(8)] + [date(2026, 3, 30), date(2027, 4, 2)]
    for day in days:
        engine._answers.clear()
        indexed = engine.answer(question, day)
        assert indexed == _scanned(engine, question, day), day
        assert indexed.count > 0, day


def test_a_period_question_looks_only_at_its_period(engine: QuestionEngine) -> None:
    """The point of the index: "which grants expire this quarter?" starts from a few, not all."""
    query = engine.parse("which grants expire this quarter?", TODAY)
    candidates = engine.index.candidates(query)
    assert 0 < len(candidates) < len(engine.register) / 10
    assert all(a.kind == "grant" and a.current_end_date in query.period for a in candidates)  # type: ignore[operator]


def test_a_reference_is_found_whatever_its_case() -> None:
    rows = demo_rows(TODAY)
    parsed = parse_rows(list(COLUMNS), ((n, [row[c] for c in COLUMNS]) for n, row in enumerate(rows, start=2)))
    index = RegisterIndex(list(parsed.agreements))
    first = parsed.agreements[0]
    assert index.find(first.reference.lower()) is first
    assert index.find(replace(first, reference="X").reference) is None


def test_a_question_names_references_the_register_writes_with_slashes_or_spaces() -> None:
    """Most references are letters, digits and hyphens; one written "VRU 2024/7" is still found."""
    rows = demo_rows(TODAY)
    rows[0] = {**rows[0], "reference": "VRU 2024/7"}
    parsed = parse_rows(list(COLUMNS), ((n, [row[c] for c in COLUMNS]) for n, row in enumerate(rows, start=2)))
    engine = QuestionEngine(list(parsed.agreements))
    odd = engine.answer("tell me about vru 2024/7", TODAY)
    plain = engine.answer(f"tell me about {rows[1]['reference'].lower()}", TODAY)
    assert [m.agreement.reference for m in odd.matches] == ["VRU 2024/7"]
    assert [m.agreement.reference for m in plain.matches] == [rows[1]["reference"]]
