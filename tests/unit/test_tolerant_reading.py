"""Tolerant reading, strict meaning; examples from the asker's own register.

Typos in the question's ordinary words are mended (and the interpretation says so), greetings and
politeness change nothing, and requests to act, to judge or about what the register does not hold
are refused with the nearest question that can be answered — on a London register and a shire
county's alike.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reading_registers import AWKWARD_DAYS, LONDON, REGISTERS, SHIRE  # noqa: E402

from bot.questions.engine import QuestionEngine  # noqa: E402
from bot.questions.examples import examples_for  # noqa: E402
from bot.questions.tolerance import Mender, without_courtesy  # noqa: E402

ENGINES = {name: QuestionEngine(register) for name, register in REGISTERS.items()}

SAME_AS = [
    ("whcih grants are endng this quater?", "which grants are ending this quarter?", ["“whcih” as “which”", "“endng” as “ending”", "“quater” as “quarter”"]),
    ("what expier in March?", "what expires in March?", ["“expier” as “expire”"]),
    ("WHICH CONTRACTS END NEXT QUARTER", "which contracts end next quarter", []),
    ("hi bot, which grants expire this quarter?", "which grants expire this quarter?", []),
    ("hiya, what ends by 31 March please", "what ends by 31 March", []),
    ("Good morning team - how many contracts end in the next 90 days? Thanks!", "how many contracts end in the next 90 days?", []),
    ("which programmes end this financial year?", "which agreements end this financial year?", []),
]


@pytest.mark.parametrize("register", sorted(REGISTERS))
@pytest.mark.parametrize("today", AWKWARD_DAYS)
@pytest.mark.parametrize(("asked", "meant", "mended"), SAME_AS, ids=[s[0] for s in SAME_AS])
def test_slips_greetings_and_politeness_give_the_answer_to_the_question_meant(
    register: str, today: date, asked: str, meant: str, mended: list[str]
) -> None:
    """The answer is the one to the question meant, and the interpretation names every word mended."""
    engine = ENGINES[register]
    answer, expected = engine.answer(asked, today), engine.answer(meant, today)
    assert answer.understood and expected.understood
    assert answer.references == expected.references and answer.period == expected.period
    assert answer.question == asked
    for said in mended:
        assert said in answer.interpretation


def test_a_slip_between_two_words_equally_near_is_not_guessed() -> None:
    """"contarcts" is as near "contracts" as "contacts": two meanings, so nothing is mended."""
    mender = Mender(["contracts", "contacts", "which"], [])
    assert mender.mend("which contarcts").corrections == ()


def test_a_slip_as_near_a_register_name_is_left_to_name_matching() -> None:
    """A word as near a register name as a vocabulary word is not mended to the vocabulary word."""
    mender = Mender(["starts"], ["stars"])
    assert mender.meant("starz") is None


def test_references_emails_and_real_words_are_never_mended() -> None:
    """Only a question not understood as typed is read with mending, and never inside a reference."""
    engine = ENGINES["london"]
    answer = engine.answer("what expires no later than 31/03/2027?", date(2026, 12, 24))
    assert answer.understood and "read" not in answer.interpretation
    assert Mender(["grant"], []).mend("grnt-2024-015 a.grnt@x.example").corrections == ()


def test_greetings_alone_ask_for_a_question() -> None:
    """"Hi bot," or "thanks" alone is not understood, and says what to do next."""
    assert without_courtesy("Hi bot, thanks!") == ""
    answer = ENGINES["shire"].answer("Hiya, thanks!", date(2027, 4, 1))
    assert not answer.understood and "Ask me a question" in answer.headline


REFUSED = [
    ("email all providers about their overdue returns", "I can't send emails", "which monitoring returns are overdue?"),
    ("can you cancel {reference}?", "I can't", "when does {reference} end?"),
    ("renew {reference}", "I can't", "when does {reference} end?"),
    ("please approve the payment for {reference}", "I can't approve", None),
    ("pay {provider}", "I can't make payments", None),
    ("should we renew {title}?", "I can't judge or advise", "when does {title} end?"),
    ("which provider is best?", "I can't judge or advise", None),
    ("what's the budget for 2030?", "doesn't hold budgets", "what is the total value of agreements running in 2030?"),
    ("how many staff do we have?", "doesn't hold staff numbers", "what is the total value of current agreements?"),
]


@pytest.mark.parametrize("register", sorted(REGISTERS))
@pytest.mark.parametrize(("asked", "says", "nearest"), REFUSED, ids=[r[0] for r in REFUSED])
def test_requests_to_act_judge_or_about_what_is_not_held_are_refused_with_the_nearest_question(
    register: str, asked: str, says: str, nearest: str | None
) -> None:
    """Refused in plain words, answering nothing; the nearest real question is offered first, and it is read."""
    engine = ENGINES[register]
    first = REGISTERS[register][0]
    names = {"reference": first.reference, "provider": first.provider, "title": first.title.lower()}
    today = date(2026, 12, 24)
    answer = engine.answer(asked.format(**names), today)
    assert not answer.understood and answer.intent == "refused" and answer.count == 0
    assert says in answer.headline
    if nearest is not None:
        assert answer.examples[0] == nearest.format(**names)
        assert "Here is what I can tell you" in answer.headline
    assert all(engine.answer(q, today).understood for q in answer.examples)


def test_a_name_that_sounds_like_a_judgement_is_still_a_name() -> None:
    """"Better Ways Trust" is a provider: asking about it is a question, not a request for advice."""
    register = [*LONDON[:2], replace(LONDON[2], provider="Better Ways Trust")]
    answer = QuestionEngine(register).answer("what do we fund with Better Ways Trust?", date(2026, 12, 24))
    assert answer.understood and answer.references == [register[2].reference]


@pytest.mark.parametrize("register", sorted(REGISTERS))
def test_examples_name_a_real_reference_provider_and_area_of_the_register(register: str) -> None:
    """Every example is answered, and they name this register's own reference, provider and area."""
    agreements = REGISTERS[register]
    engine = ENGINES[register]
    examples = engine.examples
    joined = " ".join(examples)
    assert any(a.reference in joined for a in agreements)
    assert any(a.provider in joined for a in agreements)
    assert any((a.area or "").replace("London Borough of ", "") in joined for a in agreements if a.area)
    assert "OPCC-2023-014" not in joined
    for question in examples:
        answer = engine.answer(question, date(2027, 4, 1))
        assert answer.understood, question
    not_understood = engine.answer("asdfgh", date(2027, 4, 1))
    assert not_understood.examples == examples


def test_examples_are_the_same_whatever_order_the_register_is_in() -> None:
    """The pick is deterministic: the same register, shuffled, gives the same examples."""
    assert examples_for(SHIRE) == examples_for(list(reversed(SHIRE)))
    assert examples_for(LONDON) == examples_for(sorted(LONDON, key=lambda a: a.title))
    assert examples_for([]) and not any("-" in q or "/" in q for q in examples_for([]))
