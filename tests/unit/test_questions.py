"""Each intent and filter of the question engine, on a small register built by hand.

The register is small enough to know every right answer by reading it. Questions are
asked as people type them — loose names, abbreviations and typos included — and the
tests check the references in the answer, the interpretation and the totals.
"""

from datetime import date
from decimal import Decimal

import pytest

from bot.questions.engine import QuestionEngine
from domain.agreement import Agreement

TODAY = date(2026, 11, 22)  # in Q3 2026/27 (1 Oct – 31 Dec 2026)


def agreement(reference: str, **fields: object) -> Agreement:
    values: dict[str, object] = {
        "kind": "grant",
        "title": f"Service {reference}",
        "provider": "Hope Trust",
        "status": "active",
        "start_date": date(2024, 4, 1),
        "contract_manager": "sam.lee@mopac.example",
        "contact_name": "A Person",
        "contact_email": "a.person@provider.example",
        "project_code": "PC1",
        "signed": "both",
        "value": Decimal("100000"),
    }
    values.update(fields)
    return Agreement(reference=reference, **values)  # type: ignore[arg-type]


REGISTER = [
    agreement("G-1", end_date=date(2026, 10, 15), funding_stream="Commissioner's Safety Fund", area="Southwark",
              category="domestic abuse", value=Decimal("50000")),
    agreement("G-2", end_date=date(2026, 12, 31), funding_stream="Ministry of Justice victims grant", area="Lambeth",
              category="sexual violence", value=Decimal("250000")),
    agreement("G-3", end_date=date(2027, 3, 31), funding_stream="London Crime Prevention Fund", area="Southwark",
              provider="London Borough of Southwark", kind="partnership", value=Decimal("1000000")),
    agreement("G-4", end_date=date(2026, 11, 30), funding_stream="Violence Reduction Unit", area="Hackney",
              status="terminated"),
    agreement("G-5", end_date=date(2026, 12, 1), funding_stream="Violence Reduction Unit", area="Hackney", status="draft"),
    agreement("C-1", kind="contract", title="Youth exploitation rescue and response", provider="Safer London",
              end_date=date(2025, 3, 31), extended_to=date(2027, 3, 31), extension_options=(1, 1, 1),
              funding_stream="Core", area="pan-London", category="youth violence", value=Decimal("2400000")),
    agreement("C-2", kind="contract", title="London Victim and Witness Service", provider="Victim Care London",
              end_date=date(2026, 3, 31), extended_to=date(2027, 3, 31), extension_options=(1,),
              funding_stream="Core", area="pan-London", category="victim and witness support", value=Decimal("15000000")),
    agreement("C-3", kind="contract", title="ISVA service", provider="Rape Crisis South", end_date=date(2027, 1, 31),
              extension_options=(2,), funding_stream="Ministry of Justice victims grant", area="Lambeth",
              category="ISVA", value=Decimal("200000"), contact_email="info@rcs.example"),
    agreement("C-4", kind="contract", title="Perpetrator programme", provider="Change Works", end_date=None,
              start_date=date(2027, 1, 1), funding_stream="Core", area="Croydon", value=None, signed="ours"),
    agreement("OPCC-2023-014", title="Sexual violence counselling", provider="Rivermead Centre",
              start_date=date(2026, 12, 1), end_date=date(2029, 3, 31), contact_name="Priya Shah",
              contact_email="priya.shah@rivermead.example", area="Lambeth", value=Decimal("181302")),
]


@pytest.fixture(scope="module")
def engine() -> QuestionEngine:
    return QuestionEngine(REGISTER)


ASKED = [
    # periods on the current end date; ended ones in a started period are kept (and marked)
    ("which grants expire this quarter?", ["G-1", "G-2"]),
    ("which grants expire in Q3?", ["G-1", "G-2"]),
    ("which contracts end this financial year?", ["C-3", "C-1", "C-2"]),
    ("what expires in march?", ["C-1", "C-2", "G-3"]),
    ("which contracts expire in the next 90 days", ["C-3"]),
    # starts: tense does not narrow; not-started ones are marked
    ("which grants start this financial year?", ["OPCC-2023-014"]),
    ("which contracts started this financial year", ["C-4"]),
    # filters by kind, stream (abbreviations), area (typos), category, provider
    ("which CSF grants end this quarter?", ["G-1"]),
    ("MoJ agreements", ["G-2", "C-3"]),
    ("what do we fund through the LCPF?", ["G-3"]),
    ("what do we fund in Southwark?", ["G-3"]),
    ("what do we fund in southwak?", ["G-3"]),
    ("which agreements end this quarter in Lambeth", ["G-2"]),
    ("domestic abuse grants ending this quarter", ["G-1"]),
    ("contracts with Safer London", ["C-1"]),
    ("which partnerships do we have?", ["G-3"]),
    ("contracts held by Safer London", ["C-1"]),
    ("which grants has Rivermead got", ["OPCC-2023-014"]),
    ("which agreements end on 31 march 2027", ["C-1", "C-2", "G-3"]),
    ("what's expiring soon?", ["G-2", "C-3"]),
    # money: over is strict, at least is inclusive
    ("contracts worth over £200k", ["C-1", "C-2"]),
    ("contracts worth at least £200,000", ["C-3", "C-1", "C-2"]),
    ("grants under 100k ending this quarter", ["G-1"]),
    ("agreements between £200k and £1m", ["G-2", "C-3", "G-3"]),
    # status: terminated and draft only when asked for
    ("which terminated grants are there", ["G-4"]),
    ("draft grants", ["G-5"]),
    ("grants ending this quarter including terminated and drafts", ["G-1", "G-4", "G-5", "G-2"]),
    # extensions
    ("which contracts have extension options left?", ["C-3", "C-1"]),
    ("which contracts have been extended?", ["C-1", "C-2"]),
    ("which contracts need an extension decision?", ["C-3"]),
    ("which agreements need a decision on extension?", ["C-3"]),
    ("which agreements have a generic contact email?", ["C-3"]),
]


@pytest.mark.parametrize(("question", "references"), ASKED, ids=[q for q, _ in ASKED])
def test_question_lists_exactly_the_matching_agreements(engine: QuestionEngine, question: str, references: list[str]) -> None:
    """The answer lists every matching agreement and nothing else, in date order."""
    answer = engine.answer(question, TODAY)
    assert answer.understood, answer.headline
    assert answer.references == references, answer.interpretation


def test_the_interpretation_states_the_dates_used(engine: QuestionEngine) -> None:
    """'Which grants expire this quarter?' says Q3 2026/27 and its exact days."""
    answer = engine.answer("Which grants expire this quarter?", TODAY)
    assert answer.interpretation == "Q3 2026/27: 1 Oct – 31 Dec 2026, grants, current end date"
    assert (answer.period.start, answer.period.end) == (date(2026, 10, 1), date(2026, 12, 31))


def test_agreements_already_ended_in_a_started_period_are_marked(engine: QuestionEngine) -> None:
    """G-1 ended on 15 October; it is in this quarter's answer, marked as ended."""
    answer = engine.answer("which grants expire this quarter?", TODAY)
    ended = {m.agreement.reference: m.ended for m in answer.matches}
    assert ended == {"G-1": True, "G-2": False}
    assert "1 already ended" in answer.headline


def test_how_many_still_lists_what_it_counted(engine: QuestionEngine) -> None:
    """A count answer carries the references and total, not just the number."""
    answer = engine.answer("how many contracts end this financial year?", TODAY)
    assert answer.intent == "count"
    assert answer.count == 3
    assert answer.references == ["C-3", "C-1", "C-2"]
    assert answer.total_value == Decimal("17600000")


def test_total_value_adds_every_match(engine: QuestionEngine) -> None:
    """The total is over the listed agreements; missing values are counted, not guessed."""
    answer = engine.answer("what is the total value of Core contracts?", TODAY)
    assert answer.references == ["C-1", "C-2", "C-4"]
    assert answer.total_value == Decimal("17400000")
    assert answer.missing_values == 1


def test_one_agreement_by_reference_answers_its_contact(engine: QuestionEngine) -> None:
    """'Who is the contact for OPCC-2023-014?' names that agreement's contact."""
    answer = engine.answer("who is the contact for opcc-2023-014?", TODAY)
    assert answer.about_one and answer.references == ["OPCC-2023-014"]
    assert "Priya Shah" in answer.headline and "priya.shah@rivermead.example" in answer.headline


def test_one_agreement_by_loose_name_answers_its_end_date(engine: QuestionEngine) -> None:
    """'When does the Safer London contract end?' gives the current end date after extensions."""
    answer = engine.answer("When does the Safer London contract end?", TODAY)
    assert answer.references == ["C-1"]
    assert "31 Mar 2027" in answer.headline
    assert "extended from 31 Mar 2025" in answer.headline
    assert "1 year" in answer.headline  # one of three 1-year options left


def test_one_agreement_by_title_words(engine: QuestionEngine) -> None:
    """A title fragment ('the ISVA contract') finds that agreement."""
    answer = engine.answer("who manages the ISVA contract?", TODAY)
    assert answer.references == ["C-3"]
    assert "sam.lee@mopac.example" in answer.headline


def test_a_loose_name_prefers_the_live_agreement() -> None:
    """A provider's terminated contract does not make its live one ambiguous."""
    register = REGISTER + [
        agreement("C-9", kind="contract", title="Old rescue contract", provider="Safer London",
                  end_date=date(2025, 3, 31), status="terminated"),
    ]
    answer = QuestionEngine(register).answer("when does the Safer London contract end?", TODAY)
    assert answer.references == ["C-1"]


def test_a_name_that_fits_several_lists_them_all_and_says_so(engine: QuestionEngine) -> None:
    """A loose name matching several agreements does not pick one."""
    answer = engine.answer("when does the Hope Trust grant end?", TODAY)
    assert answer.count > 1
    assert "say which one you mean" in answer.headline


def test_an_unknown_reference_is_reported_not_guessed(engine: QuestionEngine) -> None:
    """A reference that is not in the register says so."""
    answer = engine.answer("tell me about OPCC-2099-001", TODAY)
    assert answer.understood and answer.count == 0
    assert "no agreement OPCC-2099-001" in answer.headline


def test_data_quality_lists_each_problem(engine: QuestionEngine) -> None:
    """Data-quality answers name the problems per agreement."""
    answer = engine.answer("which agreements have no end date?", TODAY)
    assert answer.references == ["C-4"]
    generic = engine.answer("which contacts use a generic email?", TODAY)
    assert generic.references == ["C-3"]
    assert any("info@rcs.example" in p for m in generic.matches for p in m.problems)


def test_words_it_cannot_place_are_never_dropped(engine: QuestionEngine) -> None:
    """A provider the register does not have is refused, not silently ignored."""
    answer = engine.answer("what grants do we have with Victim Support?", TODAY)
    assert not answer.understood
    assert "victim" in answer.headline


def test_a_reference_question_about_its_end_date_answers_the_end(engine: QuestionEngine) -> None:
    """'What is the end date of C-1?' answers with the current end date."""
    answer = engine.answer("what is the end date of C-1?", TODAY)
    assert answer.references == ["C-1"]
    assert answer.headline.endswith("ends on 31 Mar 2027 (extended from 31 Mar 2025); extension options left: 1 year.")


@pytest.mark.parametrize(
    "question",
    ["what's the weather like?", "which grants expire on Mars?", "asdfgh", "", "   ",
     "which grants expire by 31/02/2027?", "what do we fund in Narnia?", "x" * 600],
)
def test_questions_it_cannot_read_get_an_honest_refusal(engine: QuestionEngine, question: str) -> None:
    """Nothing is guessed: the answer says it did not understand and offers examples."""
    answer = engine.answer(question, TODAY)
    assert not answer.understood
    assert answer.count == 0
    assert answer.examples and answer.examples == engine.examples


def test_card_submits_without_text_do_not_crash(engine: QuestionEngine) -> None:
    """A message with no text (a card submit) is treated as an empty question."""
    assert not engine.answer(None, TODAY).understood
