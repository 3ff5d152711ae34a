"""Follow-up questions refine or read the previous answer, and a complete question starts afresh.

Each test asks a first question, then follow-ups, through `answer_in_context` (the pure
follow-up reading, no bot and no database), and checks what a user notices: which agreements
come back, and that the interpretation line says what was carried over. A second register,
a shire county's with other areas, streams and reference styles, checks nothing depends on
London's names.
"""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_questions import REGISTER, TODAY, agreement

from bot.questions.engine import QuestionEngine
from bot.questions.followups import (
    NOTHING_TO_POINT_AT,
    Context,
    FollowUp,
    answer_in_context,
    context_from_json,
    context_to_json,
    read_fragment,
    refine,
)
from domain.answers import Answer
from domain.query import Query
from domain.query_codec import query_from_json, query_to_json

ENGINE = QuestionEngine(REGISTER)

SHIRE = [
    agreement("LCC/2024/001", kind="grant", title="Rural domestic abuse outreach", provider="Freeva",
              area="Charnwood", funding_stream="Home Office Serious Violence Duty", end_date=date(2027, 2, 28),
              value=Decimal("120000")),
    agreement("LCC/2024/002", kind="contract", title="Victim hub", provider="Victim First", area="Leicester",
              funding_stream="Ministry of Justice core", end_date=date(2027, 3, 31), value=Decimal("900000")),
    agreement("LCC/2025/003", kind="grant", title="Youth diversion in Melton", provider="Melton Youth Trust",
              area="Melton", funding_stream="Home Office Serious Violence Duty", end_date=date(2027, 6, 30),
              value=Decimal("45000")),
    agreement("LCC/2025/004", kind="grant", title="Charnwood night-time economy", provider="Loughborough BID",
              area="Charnwood", funding_stream="Police and Crime Plan fund", end_date=date(2027, 9, 30),
              value=Decimal("30000"), contact_name="Jo Brand", contact_email="jo@lbid.example"),
]
SHIRE_ENGINE = QuestionEngine(SHIRE)


def conversation(engine: QuestionEngine, *questions: str, today: date = TODAY) -> list[Answer]:
    """Ask each question in turn in one conversation; the answers in order."""
    context: Context | None = None
    answers = []
    for question in questions:
        answer, context, _ = answer_in_context(engine, question, today, context)
        answers.append(answer)
    return answers


def test_a_follow_up_narrows_the_previous_list_to_another_area() -> None:
    """"and in Southwark?" after a Lambeth list asks the same about Southwark, and says so."""
    first, second = conversation(ENGINE, "what do we fund in Lambeth?", "and in Southwark?")
    assert first.references == ["G-2", "C-3", "OPCC-2023-014"]
    assert second.references == ["G-3"]
    assert "as before" in second.interpretation
    assert "now area Southwark" in second.interpretation
    assert "instead of area Lambeth" in second.interpretation


def test_list_then_three_follow_ups_each_refine_the_last() -> None:
    """A period, a kind and an amount are each added to what was asked before."""
    answers = conversation(
        ENGINE,
        "what ends this financial year?",
        "only the contracts",
        "over £1m",
        "and in Lambeth?",
    )
    assert answers[0].references == ["G-1", "G-2", "C-3", "C-1", "C-2", "G-3"]
    assert answers[1].references == ["C-3", "C-1", "C-2"]
    assert answers[2].references == ["C-1", "C-2"]
    assert answers[3].references == []
    assert answers[3].interpretation.startswith("financial year 2026/27")
    assert "contracts, value over £1,000,000" in answers[3].interpretation
    assert answers[3].interpretation.endswith("now area Lambeth")


def test_what_about_next_quarter_replaces_the_period_and_keeps_the_rest() -> None:
    """"what about next quarter?" keeps the kinds and the date asked about, with the new period."""
    first, second = conversation(ENGINE, "which grants end this quarter?", "what about next quarter?")
    assert first.period is not None and first.period.start == date(2026, 10, 1)
    assert second.period is not None and (second.period.start, second.period.end) == (date(2027, 1, 1), date(2027, 3, 31))
    assert "grants, current end date, as before" in second.interpretation
    assert "instead of Q3 2026/27" in second.interpretation


def test_how_many_counts_the_previous_list() -> None:
    """"how many?" after a list counts it (the same agreements, headline with the count)."""
    first, second = conversation(ENGINE, "contracts in pan-London", "how many?")
    assert second.references == first.references == ["C-1", "C-2"]
    assert second.intent == "count"
    assert second.headline.startswith("2 ")
    assert "now how many" in second.interpretation


def test_the_first_one_is_the_first_row_shown() -> None:
    """"who is the contact for the first one?" reads the first agreement of the last answer."""
    _, contact = conversation(ENGINE, "what do we fund in Lambeth?", "who is the contact for the first one?")
    assert contact.references == ["G-2"]
    assert contact.headline.startswith("The provider contact for G-2")


@pytest.mark.parametrize(
    ("words", "mended"),
    [("who is the contact for the frist one?", "“frist” as “first”"), ("who is the contact for the firts one", "“firts” as “first”"),
     ("who's the contact for the frist one", "“frist” as “first”")],
)
def test_a_slip_in_the_first_one_is_mended_and_the_answer_says_which_agreement(words: str, mended: str) -> None:
    """ "the frist one" is the first row, and the interpretation names the agreement and the mending."""
    _, contact = conversation(ENGINE, "what do we fund in Lambeth?", words)
    assert contact.references == ["G-2"]
    assert contact.headline.startswith("The provider contact for G-2")
    assert contact.interpretation.startswith("agreement G-2") and mended in contact.interpretation


@pytest.mark.parametrize(
    ("words", "reference"),
    [("the second one", "C-3"), ("tell me more about the 3rd one", "OPCC-2023-014"),
     ("when does the last one end?", "OPCC-2023-014"), ("number 2", "C-3")],
)
def test_other_rows_can_be_named_by_their_place(words: str, reference: str) -> None:
    """Second, third, last and "number 2" count rows in the order they were shown."""
    *_, answer = conversation(ENGINE, "what do we fund in Lambeth?", words)
    assert answer.references == [reference]


def test_it_means_the_agreement_just_read() -> None:
    """After reading one agreement of a list, "it" is that agreement and the list is still there."""
    answers = conversation(
        ENGINE, "what do we fund in Lambeth?", "tell me about OPCC-2023-014", "who is the contact for it?", "the first one"
    )
    assert answers[2].headline.startswith("The provider contact for OPCC-2023-014")
    assert "Priya Shah" in answers[2].headline
    assert answers[3].references == ["G-2"]


def test_a_row_past_the_end_of_the_list_is_refused_plainly() -> None:
    """"the fifth one" of three says how many there were, and answers nothing else."""
    *_, answer = conversation(ENGINE, "what do we fund in Lambeth?", "the fifth one")
    assert not answer.understood
    assert "listed 3 agreements" in answer.headline


def test_it_with_a_list_of_several_asks_which_one() -> None:
    """"when does it end?" after a list of several is not guessed: the bot asks which one."""
    *_, answer = conversation(ENGINE, "what do we fund in Lambeth?", "when does it end?")
    assert not answer.understood
    assert "Which agreement do you mean?" in answer.headline


def test_the_first_one_with_no_earlier_answer_says_so() -> None:
    """With nothing asked before, "the first one" gets an honest explanation."""
    [answer] = conversation(ENGINE, "who is the contact for the first one?")
    assert not answer.understood
    assert answer.headline == NOTHING_TO_POINT_AT


def test_a_complete_new_question_replaces_the_context() -> None:
    """A question with its own subject is answered afresh; the next follow-up refines it, not the old one."""
    answers = conversation(
        ENGINE, "what do we fund in Lambeth?", "which contracts end by March 2027?", "and in Lambeth?"
    )
    assert answers[1].references == ["C-3", "C-1", "C-2"]
    assert "as before" not in answers[1].interpretation
    assert answers[2].references == ["C-3"]
    assert "contracts" in answers[2].interpretation


def test_show_all_lists_the_previous_answer_again_in_full() -> None:
    """"show all" after "how many" lists every agreement counted."""
    context: Context | None = None
    _, context, _ = answer_in_context(ENGINE, "how many agreements end this financial year?", TODAY, context)
    answer, context, show_all = answer_in_context(ENGINE, "show all", TODAY, context)
    assert show_all
    assert answer.intent == "list"
    assert answer.references == ["G-1", "G-2", "C-3", "C-1", "C-2", "G-3"]


def test_also_adds_an_area_instead_of_replacing_it() -> None:
    """"also in Southwark" after a Lambeth list covers both areas."""
    _, both = conversation(ENGINE, "what do we fund in Lambeth?", "also in Southwark")
    assert set(both.references) == {"G-2", "C-3", "OPCC-2023-014", "G-3"}
    assert "area Lambeth or Southwark" in both.interpretation


def test_a_lower_amount_above_the_old_upper_one_replaces_it() -> None:
    """"over £1m" after "under £300k" drops the old limit rather than answering nothing."""
    *_, answer = conversation(ENGINE, "what ends this financial year under £300k?", "over £1m")
    assert answer.references == ["C-1", "C-2"]


def test_for_another_reference_asks_the_same_about_it() -> None:
    """"and for C-3?" after one agreement's contact gives C-3's contact."""
    _, other = conversation(ENGINE, "who is the contact for OPCC-2023-014?", "and for C-3?")
    assert other.references == ["C-3"]
    assert other.headline.startswith("The provider contact for C-3")


def test_a_shire_register_follows_up_the_same_way() -> None:
    """Other areas, streams and slash references: a stream, then an area, then the first one's contact."""
    answers = conversation(
        SHIRE_ENGINE,
        "which grants end in the next 12 months?",
        "only the ones funded through the Home Office Serious Violence Duty",
        "and in Charnwood?",
        "who is the contact for the first one?",
    )
    assert answers[0].references == ["LCC/2024/001", "LCC/2025/003", "LCC/2025/004"]
    assert answers[1].references == ["LCC/2024/001", "LCC/2025/003"]
    assert answers[2].references == ["LCC/2024/001"]
    assert "now area Charnwood" in answers[2].interpretation
    assert answers[3].references == ["LCC/2024/001"]


def test_words_that_cannot_be_read_are_not_turned_into_a_follow_up() -> None:
    """A follow-up with an unknown name gets the engine's own honest refusal, not the old list."""
    *_, answer = conversation(ENGINE, "what do we fund in Lambeth?", "and in Narnia?")
    assert not answer.understood
    assert "Narnia" in answer.headline or "narnia" in answer.headline


def test_refine_is_a_pure_function_of_the_previous_query_and_the_words() -> None:
    """Given a query and shown references, the same words always give the same refined query."""
    previous = ENGINE.parse("which grants end this quarter?", TODAY)
    context = Context(query=previous, shown=("G-1", "G-2"))
    fragment = read_fragment(ENGINE, "over £100k", TODAY)
    first = refine(context, fragment, TODAY)
    again = refine(context, fragment, TODAY)
    assert isinstance(first, FollowUp) and first == again
    assert first.query.min_value == Decimal("100000")
    assert first.query.kinds == previous.kinds
    assert refine(context, read_fragment(ENGINE, "which contracts end next year?", TODAY), TODAY) is None


def test_a_context_survives_being_stored_as_json() -> None:
    """The context written to the database reads back as the same context."""
    _, context, _ = answer_in_context(ENGINE, "grants over £40k in Lambeth or Southwark ending this year", TODAY, None)
    assert context is not None
    assert context_from_json(context_to_json(context)) == context


def test_a_stored_context_from_another_version_is_ignored() -> None:
    """Unreadable stored data means no context, never an error or a half-read query."""
    assert context_from_json({"version": 99}) is None
    assert context_from_json({"version": 1, "query": {"kinds": "grant"}, "shown": [], "focus": []}) is None
    assert context_from_json("nonsense") is None


def test_every_query_field_round_trips_through_json() -> None:
    """Money, periods, names and sets all come back exactly."""
    query = ENGINE.parse("terminated grants in Lambeth or Hackney worth at least £50,000 ending next quarter", TODAY)
    assert query_from_json(query_to_json(query)) == query
    assert query_from_json(query_to_json(Query(question="x"))) == Query(question="x")


def test_which_of_them_picks_from_the_last_answer() -> None:
    """"which of them are in Lambeth?" narrows the list; asking for a kind it did not hold says so."""
    answers = conversation(
        ENGINE, "contracts ending this financial year", "which of them are in Lambeth?", "which of them are grants?"
    )
    assert answers[1].references == ["C-3"]
    assert not answers[2].understood
    assert answers[2].headline.startswith("None of them: the last answer listed only contracts.")


def test_whats_the_total_totals_the_same_agreements() -> None:
    """"what's the total?" after a list gives the same agreements with their total value."""
    first, total = conversation(ENGINE, "contracts in pan-London", "what's the total?")
    assert total.references == first.references
    assert total.intent == "total"
    assert "£17,400,000 in total" in total.headline


def test_a_returns_question_ends_the_context() -> None:
    """Monitoring returns are answered afresh, and the next follow-up has nothing to refine."""
    context: Context | None = None
    _, context, _ = answer_in_context(ENGINE, "what do we fund in Lambeth?", TODAY, context)
    _, context, _ = answer_in_context(ENGINE, "which returns are overdue?", TODAY, context)
    assert context is None


FRAGMENT_WORDS = [
    "and", "what", "about", "only", "also", "the", "first", "second", "last", "one", "it", "them", "of", "which",
    "in", "southwark", "lambeth", "grants", "contracts", "over", "£100k", "under", "next", "quarter", "show", "all",
    "how", "many", "total", "who", "is", "contact", "for", "by", "provider", "area", "ending", "C-3", "drafts",
    "terminated", "number", "7", "?", "narnia",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENT_WORDS), min_size=1, max_size=7))
def test_any_follow_up_gets_an_answer_or_an_honest_refusal(words: list[str]) -> None:
    """After a list, any mix of follow-up words is answered with an interpretation or refused in words."""
    _, context, _ = answer_in_context(ENGINE, "what do we fund in Lambeth?", TODAY, None)
    answer, kept, _ = answer_in_context(ENGINE, " ".join(words), TODAY, context)
    if answer.understood:
        assert answer.interpretation and answer.count == len(answer.references)
    else:
        assert answer.headline and answer.count == 0 and kept is not None


def test_follow_ups_are_read_as_tolerantly_as_questions() -> None:
    """Greetings are ignored and slips mended in a follow-up too, and the interpretation says what was mended."""
    answers = conversation(ENGINE, "what do we fund in Lambeth?", "thanks! whcih of them are grants?")
    assert answers[1].references == ["G-2", "OPCC-2023-014"]
    assert "area Lambeth, as before; now grants" in answers[1].interpretation
    assert "“whcih” as “which”" in answers[1].interpretation


def test_a_request_to_act_on_a_row_is_refused_not_answered() -> None:
    """"email the first one" is refused in words; the list is still there for the next follow-up."""
    answers = conversation(ENGINE, "what do we fund in Lambeth?", "email the first one", "the second one")
    assert "can't send emails" in answers[1].headline
    assert answers[1].references == []
    assert answers[2].references == ["C-3"]
