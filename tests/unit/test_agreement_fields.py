"""Every field of an agreement by name, and the signed / expired / extension lists, on two registers.

Questions are asked as officers ask them, on a London and a shire register, at awkward dates
(31 March, 1 April, 24 December, 29 February). Each right answer is read off `two_registers.py`:
`signed` is both / ours / none; "cannot be extended" is no unused option (never had one, or used
them all); "current" is not ended by today; drafts are left out unless the question asks for them.
"""

from __future__ import annotations

from datetime import date

import pytest
from two_registers import LONDON, SHIRE

from bot.questions.engine import QuestionEngine

ENGINES = {"london": QuestionEngine(LONDON), "shire": QuestionEngine(SHIRE)}
DRAFTS = {a.reference for a in LONDON + SHIRE if a.status == "draft"}
MARCH_31 = date(2026, 3, 31)
APRIL_1 = date(2026, 4, 1)
DEC_24 = date(2026, 12, 24)
LEAP_DAY = date(2028, 2, 29)

# (register, today, question, the one agreement it is about, words the answer must contain)
FIELDS = [
    ("london", DEC_24, "what's the email address for the Lambeth refuge places grant", "MOPAC-24-002",
     ["info@refuge.example", "shared mailbox"]),
    ("london", DEC_24, "email for MOPAC-24-001", "MOPAC-24-001", ["is a.person@provider.example (A Person)."]),
    ("london", DEC_24, "what's the email address for the ISVA contract", "MOPAC-24-005", ["No provider contact email is recorded"]),
    ("london", DEC_24, "phone number for MOPAC-24-004", "MOPAC-24-004", ["is 020 7946 0000."]),
    ("london", DEC_24, "what's the phone number for MOPAC-24-001?", "MOPAC-24-001",
     ["No phone number is recorded", "The provider contact is A Person, a.person@provider.example."]),
    ("london", DEC_24, "project code for MOPAC-24-004", "MOPAC-24-004", ["is VWS-15."]),
    ("london", DEC_24, "who manages MOPAC-24-002?", "MOPAC-24-002", ["managed by officer@pcc.example"]),
    ("london", DEC_24, "what is the contract manager's email for MOPAC-24-002", "MOPAC-24-002", ["officer@pcc.example"]),
    ("london", DEC_24, "what is the value of MOPAC-24-002", "MOPAC-24-002", ["worth £450,000"]),
    ("london", DEC_24, "when does MOPAC-24-003 start?", "MOPAC-24-003", ["started on 1 Apr 2024"]),
    ("london", DEC_24, "what is the current end date of MOPAC-24-003?", "MOPAC-24-003", ["ends on 30 Apr 2027 (extended from 30 Apr 2026)"]),
    ("london", DEC_24, "how many extension options are left on MOPAC-24-001?", "MOPAC-24-001",
     ["has 2 extension options left (1 year, 1 year) of 1+1 years; it ends on 31 Mar 2027."]),
    ("london", DEC_24, "how many extension options are left on the youth violence diversion grant?", "MOPAC-24-003",
     ["no extension options left: it has used all of 1 year"]),
    ("london", DEC_24, "signed status of MOPAC-24-002", "MOPAC-24-002", ["signed by us only: the provider has not signed it yet."]),
    ("london", DEC_24, "funding stream for MOPAC-24-001", "MOPAC-24-001", ["paid from the London Crime Prevention Fund funding stream"]),
    ("london", DEC_24, "notes on MOPAC-24-004", "MOPAC-24-004", ["Recommissioning board in June."]),
    ("london", DEC_24, "notes for MOPAC-24-001", "MOPAC-24-001", ["No notes are recorded"]),
    ("shire", MARCH_31, "project code for GR-2024-015", "GR-2024-015", ["The project code for GR-2024-015", "is LLR-DA-015."]),
    ("shire", MARCH_31, "what's the project code for the domestic abuse outreach grant?", "GR-2024-015", ["is LLR-DA-015."]),
    ("shire", APRIL_1, "what is the email address of the Victim First contract?", "LLR/CON/22/03",
     ["enquiries@catch22.example", "shared mailbox"]),
    ("shire", DEC_24, "how many extension options are left on the Victim First contract?", "LLR/CON/22/03",
     ["has 1 extension option left (1 year) of 1 year; it ends on 24 Dec 2026."]),
    ("shire", LEAP_DAY, "how many extension options are left on the Victim First contract?", "LLR/CON/22/03",
     ["1 extension option left", "it ended on 24 Dec 2026."]),
    ("shire", DEC_24, "what extension options does GR-2024-015 have?", "GR-2024-015", ["1 extension option left (1 year) of 1+1 years"]),
    ("shire", DEC_24, "does GR-2024-017 have extension options left?", "GR-2024-017", ["used all of 2 years", "cannot be extended again"]),
    ("shire", DEC_24, "how many extension options are left on GR-2024-016", "GR-2024-016", ["has no extension options, so it cannot be extended"]),
    ("shire", LEAP_DAY, "is GR-2024-018 signed by both parties?", "GR-2024-018", ["is not signed by either party."]),
    ("shire", DEC_24, "what is GR-2024-016 funded from?", "GR-2024-016", ["Violence Reduction Network funding stream"]),
    ("shire", DEC_24, "who is the provider for LLR/CON/22/03?", "LLR/CON/22/03", ["is Catch22."]),
    ("shire", DEC_24, "which area is GR-2024-016 in?", "GR-2024-016", ["is Charnwood."]),
    ("shire", DEC_24, "what is the status of GR-2024-019?", "GR-2024-019", ["is draft."]),
    ("shire", LEAP_DAY, "what is the status of LLR/CON/22/04?", "LLR/CON/22/04", ["is active, though its end date has passed."]),
]


@pytest.mark.parametrize(("register", "today", "question", "reference", "says"), FIELDS, ids=[f"{r}-{t}-{q}" for r, t, q, *_ in FIELDS])
def test_one_field_of_one_agreement_by_name(register: str, today: date, question: str, reference: str, says: list[str]) -> None:
    """The answer names the agreement and gives the one fact asked for (or says it is not recorded)."""
    answer = ENGINES[register].answer(question, today)
    assert answer.understood, answer.headline
    assert answer.references == [reference]
    for words in says:
        assert words in answer.headline


# (register, today, question, references in the order shown)
LISTS = [
    ("london", DEC_24, "signed by both parties", ["MOPAC-24-001", "MOPAC-24-003", "MOPAC-24-004", "MOPAC-24-007"]),
    ("london", DEC_24, "which agreements are signed by us only?", ["MOPAC-24-002"]),
    ("london", MARCH_31, "which agreements are not signed by either party?", ["MOPAC-24-005"]),
    ("london", APRIL_1, "which agreements are not signed by either party?", []),
    ("london", DEC_24, "unsigned agreements", ["MOPAC-24-005", "MOPAC-24-002", "MOPAC-24-006"]),
    ("london", MARCH_31, "expired but still marked active", []),
    ("london", APRIL_1, "expired but still marked active", ["MOPAC-24-005"]),
    ("london", DEC_24, "which agreements have used up all their extension options?", ["MOPAC-24-005", "MOPAC-24-003"]),
    ("london", MARCH_31, "contracts that cannot be extended", ["MOPAC-24-005", "MOPAC-24-004"]),
    ("london", DEC_24, "contracts that cannot be extended", ["MOPAC-24-004"]),
    ("london", MARCH_31, "current contracts missing a contact", ["MOPAC-24-005"]),
    ("london", APRIL_1, "current contracts missing a contact", []),
    ("london", DEC_24, "agreements missing a contact", ["MOPAC-24-005", "MOPAC-24-007"]),
    ("london", DEC_24, "draft agreements missing a contact", ["MOPAC-24-008"]),
    ("shire", MARCH_31, "signed by us only", ["LLR/CON/22/03"]),
    ("shire", DEC_24, "which partnerships are not signed by either party", ["GR-2024-018"]),
    ("shire", MARCH_31, "current agreements not signed by both parties", ["LLR/CON/22/03", "GR-2024-018"]),
    ("shire", MARCH_31, "contracts that cannot be extended", ["LLR/CON/22/04"]),
    ("shire", DEC_24, "contracts that cannot be extended", []),
    ("shire", DEC_24, "which agreements cannot be extended?", ["GR-2024-016", "GR-2024-018", "GR-2024-017"]),
    ("shire", DEC_24, "used up all their extension options", ["GR-2024-017"]),
    ("shire", LEAP_DAY, "which agreements expired but are still marked active?", ["LLR/CON/22/04", "LLR/CON/22/03", "GR-2024-016"]),
    ("shire", DEC_24, "current agreements missing a contact", ["GR-2024-018"]),
    ("shire", LEAP_DAY, "current agreements missing a contact", ["GR-2024-018"]),
    ("shire", DEC_24, "data quality problems", ["LLR/CON/22/04", "LLR/CON/22/03", "GR-2024-018"]),
    ("shire", DEC_24, "data quality problems including drafts",
     ["LLR/CON/22/04", "LLR/CON/22/03", "GR-2024-019", "GR-2024-018"]),
]


@pytest.mark.parametrize(("register", "today", "question", "references"), LISTS, ids=[f"{r}-{t}-{q}" for r, t, q, _ in LISTS])
def test_signed_expired_and_extension_lists(register: str, today: date, question: str, references: list[str]) -> None:
    """Each list holds exactly the agreements the register's rules pick, in end-date order."""
    answer = ENGINES[register].answer(question, today)
    assert answer.understood, answer.headline
    assert answer.references == references, answer.interpretation


DATA_QUALITY = [
    "data quality problems", "which agreements have no contact?", "unsigned agreements", "which agreements have no end date?",
    "agreements missing a contact", "which agreements are not signed by both parties?", "what's wrong with the register?",
]


@pytest.mark.parametrize("register", sorted(ENGINES))
@pytest.mark.parametrize("today", [MARCH_31, APRIL_1, DEC_24, LEAP_DAY])
@pytest.mark.parametrize("question", DATA_QUALITY)
def test_drafts_stay_out_of_data_quality_answers(register: str, today: date, question: str) -> None:
    """A draft is work in progress, not a register error: it is never listed unless drafts are asked for."""
    answer = ENGINES[register].answer(question, today)
    assert answer.understood, answer.headline
    assert not DRAFTS & set(answer.references)


def test_current_is_said_in_the_interpretation_of_a_data_quality_answer() -> None:
    """"Current contracts missing a contact" says it left out the ended ones."""
    answer = ENGINES["london"].answer("current contracts missing a contact", APRIL_1)
    assert answer.interpretation.startswith("current (not ended by 1 Apr 2026), contracts, data-quality problems")
    assert answer.headline.startswith("0 current contracts")


def test_cannot_be_extended_says_what_it_counts() -> None:
    """The interpretation says that never having had an option counts."""
    answer = ENGINES["shire"].answer("which agreements cannot be extended?", DEC_24)
    assert "cannot be extended (no unused extension option, or never had one)" in answer.interpretation


def test_a_phone_number_kept_in_the_notes_by_an_import_is_found() -> None:
    """An import keeps an unknown "Contact Phone" column as a notes line; the phone question reads it."""
    from dataclasses import replace

    row = replace(SHIRE[0], notes="Board in May.\nContact Phone: 0116 496 0000\nHotel: none")
    answer = QuestionEngine([row]).answer("phone number for GR-2024-015", DEC_24)
    assert answer.headline.endswith("is 0116 496 0000.")
