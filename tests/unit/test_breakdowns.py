"""Breakdowns — "per / by / for each / in each" — on a London and a shire register, at awkward dates.

Each row is worked out by reading `two_registers.py`: which agreements are current that day (the
current end date on or after today; drafts and terminated ones left out), which group each falls
in, and the order largest total first. A breakdown that cannot be worked out is refused in words,
never answered as one flat total.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from two_registers import LONDON, SHIRE

from bot.questions.answer_json import answer_json
from bot.questions.engine import QuestionEngine
from domain.agreement import Agreement

ENGINES = {"london": QuestionEngine(LONDON), "shire": QuestionEngine(SHIRE)}
MARCH_31 = date(2026, 3, 31)
APRIL_1 = date(2026, 4, 1)
DEC_24 = date(2026, 12, 24)
LEAP_DAY = date(2028, 2, 29)

# (register, today, question, [(group, count, total)], grand total count, grand total value)
BREAKDOWNS = [
    ("london", MARCH_31, "total value per provider", [
        ("Victim Support", 1, 15_000_000), ("London Borough of Hackney", 1, 1_000_000), ("Refuge", 1, 450_000),
        ("Solace Women's Aid", 1, 300_000), ("Rape Crisis South London", 1, 250_000), ("St Giles Trust", 2, 200_000),
    ], 7, 17_200_000),
    # a day later the ISVA contract (current end 31 Mar 2026) has ended and leaves the answer
    ("london", APRIL_1, "total value per provider", [
        ("Victim Support", 1, 15_000_000), ("London Borough of Hackney", 1, 1_000_000), ("Refuge", 1, 450_000),
        ("Solace Women's Aid", 1, 300_000), ("St Giles Trust", 2, 200_000),
    ], 6, 16_950_000),
    ("london", DEC_24, "total spend by funding stream", [
        ("Ministry of Justice victims grant", 2, 15_450_000), ("London Crime Prevention Fund", 2, 1_300_000),
        ("Violence Reduction Unit", 2, 200_000),
    ], 6, 16_950_000),
    ("london", DEC_24, "how much do we fund in each borough?", [
        ("pan-London", 1, 15_000_000), ("London Borough of Hackney", 1, 1_000_000), ("London Borough of Southwark", 2, 500_000),
        ("London Borough of Lambeth", 1, 450_000), ("London Borough of Croydon", 1, 0),
    ], 6, 16_950_000),
    ("london", APRIL_1, "what ends by 31/03/2028, by month?", [
        ("Dec 2027", 1, 15_000_000), ("Mar 2028", 1, 1_000_000), ("Mar 2027", 2, 750_000), ("Apr 2027", 1, 200_000),
        ("Feb 2028", 1, 0),
    ], 6, 16_950_000),
    ("london", MARCH_31, "how many grants for each category", [
        ("domestic abuse", 2, 750_000), ("youth violence", 2, 200_000),
    ], 4, 950_000),
    ("shire", DEC_24, "how much do we fund in each district?", [
        ("force-wide", 1, 2_000_000), ("Charnwood", 2, 180_000), ("Melton", 1, 40_000), ("Rutland", 1, 25_000),
    ], 5, 2_245_000),
    ("shire", MARCH_31, "total value per provider", [
        ("Catch22", 1, 2_000_000), ("Juniper Lodge", 2, 470_000), ("Charnwood Borough Council", 1, 60_000),
        ("Melton Borough Council", 1, 40_000), ("Rutland County Council", 1, 25_000),
    ], 6, 2_595_000),
    # 29 February: the Rutland partnership ends today, so it is still current
    ("shire", LEAP_DAY, "total value by kind", [("Grant", 1, 120_000), ("Partnership", 2, 65_000)], 3, 185_000),
    ("shire", DEC_24, "VRN funding per area", [("Charnwood", 1, 60_000), ("Melton", 1, 40_000)], 2, 100_000),
    ("shire", MARCH_31, "grants ending this financial year by month", [], 0, 0),
    ("shire", APRIL_1, "what ends this financial year, broken down by month", [("Dec 2026", 1, 2_000_000)], 1, 2_000_000),
]


@pytest.mark.parametrize(
    ("register", "today", "question", "groups", "count", "total"), BREAKDOWNS,
    ids=[f"{r}-{t}-{q}" for r, t, q, *_ in BREAKDOWNS],
)
def test_a_breakdown_has_one_row_per_group_largest_total_first(
    register: str, today: date, question: str, groups: list[tuple[str, int, int]], count: int, total: int
) -> None:
    """Each group's count and total, in order, and the grand total over all of them."""
    answer = ENGINES[register].answer(question, today)
    assert answer.understood, answer.headline
    assert [(g.name, g.count, g.total_value) for g in answer.groups] == [(n, c, Decimal(t)) for n, c, t in groups]
    assert (answer.count, answer.total_value) == (count, Decimal(total))
    assert f"£{total:,}" in answer.headline


@pytest.mark.parametrize(("register", "today", "question"), [(r, t, q) for r, t, q, *_ in BREAKDOWNS])
def test_the_groups_add_up_and_list_the_references_in_the_order_shown(register: str, today: date, question: str) -> None:
    """Every match is in exactly one group; `references` run group by group."""
    answer = ENGINES[register].answer(question, today)
    assert [r for g in answer.groups for r in g.references] == answer.references
    assert sum(g.count for g in answer.groups) == answer.count
    assert sum((g.total_value for g in answer.groups), Decimal(0)) == answer.total_value


def test_ask_json_carries_the_groups() -> None:
    """`groups` in `ask --json`: name, count, total value and references for each row."""
    payload = answer_json(ENGINES["london"].answer("total spend by funding stream", DEC_24))
    assert payload["group_by"] == "funding_stream"
    assert payload["groups"][0] == {
        "name": "Ministry of Justice victims grant", "count": 2, "total_value": 15_450_000, "missing_values": 0,
        "references": ["MOPAC-24-002", "MOPAC-24-004"],
    }
    assert payload["groups"][2]["missing_values"] == 1
    assert payload["total_value"] == 16_950_000 and payload["count"] == 6


def test_the_interpretation_says_how_it_grouped() -> None:
    """An officer can check the grouping and the date a month breakdown used."""
    by_area = ENGINES["shire"].answer("how much do we fund in each district?", DEC_24)
    assert by_area.interpretation == "current (not ended by 24 Dec 2026), all kinds, by area"
    by_month = ENGINES["london"].answer("which grants start this financial year by month?", APRIL_1)
    assert by_month.interpretation.endswith("by month of start date")


def test_agreements_with_nothing_in_the_field_are_a_group_of_their_own() -> None:
    """Rows with no funding stream are one "No funding stream recorded" group, never dropped."""
    register = list(SHIRE) + [
        Agreement("GR-2024-099", "grant", "Unfunded pilot", "Juniper Lodge", value=Decimal("5000"), end_date=date(2027, 6, 30)),
    ]
    answer = QuestionEngine(register).answer("total value by funding stream", DEC_24)
    assert answer.groups[-1].name == "No funding stream recorded"
    assert answer.groups[-1].references == ("GR-2024-099",)


def test_a_month_breakdown_of_what_has_no_end_date_names_that_group() -> None:
    """An agreement with no end date sits in "No end date", so the months still add up."""
    register = list(LONDON) + [Agreement("MOPAC-24-050", "grant", "Open-ended", "Refuge", value=Decimal("1"))]
    answer = QuestionEngine(register).answer("current grants by month", DEC_24)
    assert "No end date" in [g.name for g in answer.groups]


REFUSED = [
    ("spend by quarter", "not by “quarter”"),
    ("total value per contract manager", "not by “contract manager”"),
    ("how much do we spend per year", "not by “year”"),
    ("grants per ward", "not by “ward”"),
    ("give me a breakdown of spend", "Say what to break it down by"),
    ("total value by provider and by month", "one way at a time"),
    ("who is the contact for each provider", "not one agreement's details"),
    ("overdue returns by provider", "monitoring returns"),
    ("payments due this quarter per provider", "payments"),
    ("what do we fund this year by month", "runs across many months"),
]


@pytest.mark.parametrize("register", sorted(ENGINES))
@pytest.mark.parametrize(("question", "says"), REFUSED, ids=[q for q, _ in REFUSED])
def test_a_breakdown_that_cannot_be_worked_out_is_refused_never_flattened(register: str, question: str, says: str) -> None:
    """No answer at all rather than one grand total that could be read as a breakdown."""
    answer = ENGINES[register].answer(question, DEC_24)
    assert not answer.understood
    assert answer.count == 0 and not answer.groups
    assert says in answer.headline


NOT_BREAKDOWNS = [
    ("london", "grants held by Refuge", ["MOPAC-24-002"]),
    ("london", "what ends by 31 March 2027?", ["MOPAC-24-001", "MOPAC-24-002"]),
    ("shire", "grants funded by the MoJ", ["GR-2024-015"]),
]


@pytest.mark.parametrize(("register", "question", "references"), NOT_BREAKDOWNS, ids=[q for _, q, _ in NOT_BREAKDOWNS])
def test_by_before_a_name_or_a_date_is_still_a_plain_list(register: str, question: str, references: list[str]) -> None:
    """"held by Refuge", "by 31 March": "by" only groups before a grouping word."""
    answer = ENGINES[register].answer(question, DEC_24)
    assert answer.understood, answer.headline
    assert not answer.groups and not answer.group_by
    assert answer.references == references


# (register, question, references, interpretation must contain)
FILTERS = [
    ("shire", "what do we fund in Charnwood through the VRN?", ["GR-2024-016"],
     ["area Charnwood", "funding stream Violence Reduction Network"]),
    ("shire", "MoJ-funded domestic abuse grants", ["GR-2024-015"],
     ["category domestic abuse", "funding stream Ministry of Justice victims grant"]),
    ("london", "MoJ-funded domestic abuse grants", ["MOPAC-24-002"],
     ["category domestic abuse", "funding stream Ministry of Justice victims grant"]),
    ("london", "MoJ funded youth violence grants", [], ["category youth violence", "funding stream Ministry of Justice"]),
    ("shire", "VRN-funded youth violence partnerships in Melton", ["GR-2024-017"], ["area Melton"]),
]


@pytest.mark.parametrize(("register", "question", "references", "read_as"), FILTERS, ids=[q for _, q, *_ in FILTERS])
def test_a_name_next_to_another_name_keeps_both_filters(register: str, question: str, references: list[str], read_as: list[str]) -> None:
    """"MoJ-funded domestic abuse" is a stream and a category; "Charnwood through" is the area, not Charnwood Borough Council."""
    answer = ENGINES[register].answer(question, DEC_24)
    assert answer.understood, answer.headline
    assert answer.references == references
    for words in read_as:
        assert words in answer.interpretation
    assert "provider" not in answer.interpretation
