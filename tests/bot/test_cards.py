"""What the answer cards tell people: interpretation, matches, totals, paging, one agreement."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import card_reading as reading
from card_reading import facts_of
from card_samples import (
    TODAY,
    agreement,
    empty_answer,
    expiring_answer,
    not_understood_answer,
    one_agreement_answer,
    sample_cards,
    short_answer,
)

from bot.cards import (
    CARD_VERSION,
    EXAMPLE_QUESTIONS,
    agreement_card,
    answer_card,
    answer_text,
    help_card,
    not_understood_card,
    welcome_card,
)
from bot.cards import text as words
from domain.answers import Answer, Match


def texts(card: dict) -> list[str]:
    """Every text a reader sees in the card (text blocks, facts and button titles), in order."""
    return reading.texts(card, with_buttons=True)


def buttons(node: object) -> list[dict]:
    """Every action in the card, in reading order (body ActionSets, then card actions)."""
    found: list[dict] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for key in ("body", "items", "columns", "actions"):
            found.extend(buttons(node.get(key, [])))
    elif isinstance(node, list):
        for item in node:
            found.extend(buttons(item))
    return found


def shown(card: dict) -> str:
    """The card's text as a reader sees it: every block's runs, one block a line."""
    return "\n".join(texts(card))


def test_every_card_sets_schema_version_and_full_width() -> None:
    """Teams renders 1.5 cards at full width; every card says so."""
    for name, card in sample_cards().items():
        assert card["type"] == "AdaptiveCard", name
        assert card["version"] == CARD_VERSION == "1.5", name
        assert card["msteams"] == {"width": "Full"}, name


def test_list_card_states_the_interpretation_count_and_total() -> None:
    """The reader sees what was understood and how many agreements, worth how much."""
    answer = expiring_answer(62)
    card = answer_card(answer)
    text = shown(card)
    assert "62 grants expire in Q3 2026/27" in text
    assert "Q3 2026/27: 1 Oct – 31 Dec 2026, grants, current end date" in text
    total = sum((m.agreement.value for m in answer.matches), Decimal(0))
    assert f"62 grants, total £{total:,.0f}" in text


def test_list_card_shows_reference_title_provider_end_date_and_value_of_each_row() -> None:
    """Each row is a compact table line with the five things people look for."""
    card = answer_card(short_answer())
    text = shown(card)
    for match in short_answer().matches:
        a = match.agreement
        assert a.reference in text
        assert a.title in text
        assert a.provider in text
        assert f"{a.current_end_date.day} {a.current_end_date:%b %Y}" in text
    assert "£102,000" in text
    for heading in (words.COLUMN_REFERENCE, words.COLUMN_AGREEMENT, words.COLUMN_ENDS, words.COLUMN_VALUE):
        assert heading in text


def test_ended_and_not_started_agreements_are_marked_in_words() -> None:
    """Colour alone is not enough: "ended" and "not started" are written on the row."""
    card = answer_card(short_answer())
    rows = [block for block in card["body"] if block["type"] == "ColumnSet"][1:]
    assert words.ENDED in shown({"body": [rows[0]]})
    assert words.NOT_STARTED in shown({"body": [rows[1]]})
    assert words.ENDED not in shown({"body": [rows[2]]}) and words.NOT_STARTED not in shown({"body": [rows[2]]})


def test_agreements_without_a_value_are_counted_not_hidden() -> None:
    """The total says how many agreements had no value to add."""
    text = shown(answer_card(short_answer()))
    assert "(1 without a value)" in text
    assert words.NO_VALUE in text


def test_data_quality_problems_of_a_match_show_on_its_row() -> None:
    """A data-quality answer shows what is wrong with each agreement."""
    assert "Problems: generic contact email." in shown(answer_card(short_answer()))


def test_a_long_answer_shows_one_page_and_says_how_many_there_are() -> None:
    """62 matches: 15 rows, "Showing 1–15 of 62" and a Show more button."""
    card = answer_card(expiring_answer(62))
    text = shown(card)
    assert "Showing 1–15 of 62" in text
    assert text.count("OPCC-2023-") == 15
    (button,) = card["actions"]
    assert button["title"] == words.SHOW_MORE
    assert button["data"] == {"action": "show_more", "question": "which grants expire this quarter?", "page": 1}


def test_show_more_pages_visit_every_match_exactly_once() -> None:
    """Following Show more from the first page lists all 62 agreements, in order, then stops."""
    answer = expiring_answer(62)
    seen: list[str] = []
    page, page_size, pages = 0, 15, 0
    while True:
        card = answer_card(answer, page=page, page_size=page_size)
        pages += 1
        seen.extend(ref for ref in answer.references if ref in _row_references(card))
        actions = card.get("actions", [])
        if not actions:
            break
        data = actions[0]["data"]
        page, page_size = data["page"], data.get("page_size", page_size)
    assert seen == answer.references
    assert pages == 5
    assert "Showing 61–62 of 62" in shown(card)


def _row_references(card: dict) -> list[str]:
    rows = [block for block in card["body"] if block["type"] == "ColumnSet"][1:]
    return [shown({"body": [row["columns"][0]]}) for row in rows]


def test_a_page_past_the_end_shows_the_last_page() -> None:
    """An old Show more after the register shrank still shows something true."""
    card = answer_card(expiring_answer(20), page=9)
    assert "Showing 16–20 of 20" in shown(card)
    assert "actions" not in card


def test_an_answer_with_no_matches_says_so() -> None:
    """No table, no paging: a plain sentence and the zero total."""
    card = answer_card(empty_answer())
    text = shown(card)
    assert words.NO_MATCHES in text
    assert "0 agreements, total £0" in text
    assert "1 Mar – 31 Mar 2027" in text
    assert "actions" not in card


def test_a_question_about_one_agreement_gets_that_agreements_card() -> None:
    """"who is the contact for OPCC-2023-014?" answers with the agreement's details."""
    card = answer_card(one_agreement_answer(), today=TODAY)
    text = shown(card)
    assert "Sam Patel (info@saferlondon.org.uk) is the contact for OPCC-2023-014" in text
    assert "Independent Sexual Violence Advisers 14" in text
    assert not any(block["type"] == "ColumnSet" for block in card["body"])


def test_a_loose_name_that_fits_several_agreements_lists_them_all() -> None:
    """about_one with several matches is a list, so the reader sees every candidate."""
    several = Answer(
        question="when does the Safer London contract end?",
        understood=True,
        intent="about",
        headline="2 agreements match “Safer London”",
        matches=(Match(agreement(5)), Match(agreement(10))),
        about_one=True,
    )
    text = shown(answer_card(several))
    assert "OPCC-2023-005" in text and "OPCC-2023-010" in text
    assert "2 grants, total" in text


def test_agreement_card_shows_everything_a_contract_manager_asks_about() -> None:
    """Contacts, dates, extensions left, KPIs, signature, status and funding, labelled."""
    match = one_agreement_answer().matches[0]
    card_text = shown(agreement_card(match, TODAY))
    plain = facts_of(agreement_card(match, TODAY))
    assert plain["Provider"] == "St Giles Trust"
    assert plain["Funding stream"] == "Commissioner's Safety Fund"
    assert plain["Area"] == "pan-London"
    assert plain["Category"] == "sexual violence"
    assert plain["Value"] == "£114,000"
    assert plain["Start"] == "1 Apr 2023"
    assert plain["End date"] == "31 Mar 2026"
    assert plain["Current end date"] == "31 Mar 2027 (extended)"
    assert plain["Extension options"] == "1+1, 1 left (1 year)"
    assert plain["Contract manager"] == "jo.bloggs@example.gov.uk"
    assert plain["Provider contact"] == "Sam Patel"
    assert plain["Contact email"] == "info@saferlondon.org.uk"
    assert plain["Signed"] == "signed by us only"
    assert plain["Status"] == "Active"
    assert "KPI targets per quarter: referrals: 120; sessions: 300" in card_text
    assert "OPCC-2023-014 · Grant" in card_text
    assert "Notes: Year 2 extension agreed at panel, March 2026." in card_text


def test_agreement_card_lists_data_quality_problems() -> None:
    """Flags attached by the answer and found by the data-quality rules are listed under a heading."""
    from domain import data_quality

    match = one_agreement_answer().matches[0]
    text = shown(agreement_card(match, TODAY))
    assert "Data-quality problems" in text
    assert "• Extension decision due by 30 Sep 2026" in text
    for problem in data_quality.problems(match.agreement, TODAY):
        assert f"• {problem.message}" in text


def test_agreement_card_with_a_clean_record_shows_no_problem_heading() -> None:
    """No flags, no alarming box."""
    from domain import data_quality

    clean = agreement(5, end_date=date(2027, 3, 31))
    assert data_quality.problems(clean, TODAY) == ()
    assert "Data-quality problems" not in shown(agreement_card(clean, TODAY))


def test_agreement_card_says_not_recorded_for_gaps() -> None:
    """A register gap reads "not recorded", never a blank or "None"."""
    bare = agreement(3, contact_name="", contact_email="", contract_manager="", funding_stream="", value=None, end_date=None, extension_options=(), signed="")
    facts = facts_of(agreement_card(bare, TODAY))
    assert facts["Provider contact"] == facts["Contact email"] == facts["Contract manager"] == words.NOT_RECORDED
    assert facts["Signed"] == words.NOT_RECORDED
    assert facts["Value"] == words.NO_VALUE
    assert facts["End date"] == words.NO_DATE
    assert facts["Extension options"] == "none"
    assert "None" not in json.dumps(facts)


def test_agreement_card_says_when_an_agreement_has_ended_or_not_started() -> None:
    """The status line puts the important date first."""
    ended = agreement(1, end_date=date(2026, 3, 31), extended_to=None)
    future = agreement(2, start_date=date(2027, 4, 1), end_date=date(2029, 3, 31))
    assert "Ended on 31 Mar 2026" in shown(agreement_card(ended, TODAY))
    assert "Not started: starts 1 Apr 2027" in shown(agreement_card(future, TODAY))
    assert "Terminated" in shown(agreement_card(agreement(3, status="terminated"), TODAY))


def test_extension_options_all_used_say_none_left() -> None:
    """`1` extended by a year has no options left."""
    used = agreement(4, extension_options=(1,), end_date=date(2026, 3, 31), extended_to=date(2027, 3, 31))
    assert facts_of(agreement_card(used, TODAY))["Extension options"] == "1, none left"


def test_not_understood_card_is_honest_and_offers_examples_as_buttons() -> None:
    """The question is echoed, nothing is guessed, and each example is one press away."""
    answer = not_understood_answer()
    card = answer_card(answer)
    text = shown(card)
    assert "I didn't understand that question." in text
    assert "You asked: “what's the weather like?”" in text
    assert words.TRY_THESE in text
    assert [action["title"] for action in buttons(card)] == list(answer.examples)
    for action, example in zip(buttons(card), answer.examples, strict=True):
        assert action["type"] == "Action.Submit"
        assert action["data"]["action"] == "ask" and action["data"]["question"] == example
        assert action["data"]["msteams"] == {
            "type": "messageBack",
            "displayText": example,
            "text": example,
            "value": {"action": "ask", "question": example},
        }


def test_not_understood_card_without_examples_offers_the_main_questions() -> None:
    """An answer that brings no examples still gets useful buttons."""
    answer = Answer(question="??", understood=False, intent="unknown", headline="I didn't understand that question.")
    assert [a["title"] for a in buttons(not_understood_card(answer))] == list(EXAMPLE_QUESTIONS)


def test_welcome_card_says_what_to_ask_and_how_in_a_channel() -> None:
    """On install people learn what the bot is for, how to ask in a channel, and about help."""
    card = welcome_card()
    text = shown(card)
    assert words.WELCOME_TEXT in text
    assert words.WELCOME_CHANNEL_TIP in text
    assert words.WELCOME_HELP_TIP in text
    assert [a["title"] for a in buttons(card)] == list(EXAMPLE_QUESTIONS)


def test_help_card_lists_each_kind_of_question_with_examples() -> None:
    """Help names every topic and explains financial quarters."""
    card = help_card()
    text = shown(card)
    for topic, examples in words.help_topics():
        assert topic in text and examples in text
    assert "1 April – 31 March" in text
    assert "OPCC-2023-014" not in text and "Southwark" not in text, "without a register, help names nothing in one"
    assert [a["title"] for a in buttons(card)] == list(words.GENERAL_QUESTIONS)


def test_help_card_names_the_askers_own_register() -> None:
    """Given the register's examples, the topics and buttons name its real reference, provider and area."""
    examples = ("which grants expire this quarter?", "what do we fund in Charnwood?",
                "who is the contact for LLR/2025/031?", "what do we fund with Victim First?")
    card = help_card(examples)
    text = shown(card)
    for said in examples[1:]:
        assert said in text
    assert [a["title"] for a in buttons(card)] == list(examples)


def test_staff_help_lists_what_they_can_type_naming_their_own_agreement() -> None:
    """Staff see the typed decisions, payments, alerts and register commands, with one of their references."""
    examples = ("who is the contact for LLR/2025/031?",)
    text = shown(help_card(examples, staff=True))
    assert words.STAFF_COMMANDS_TITLE in text
    for command in ("extend LLR/2025/031 by 1 year", "re-commission LLR/2025/031", "let LLR/2025/031 end",
                    "record payment for LLR/2025/031 £12,500 paid 3 Dec", "send alerts here", "sync the register",
                    "publish the register", "returns awaiting assessment"):
        assert command in text
    assert words.STAFF_COMMANDS_TITLE not in shown(help_card(examples)), "only staff are told about staff commands"


def test_every_command_staff_help_lists_is_read_as_that_command() -> None:
    """Each example on the staff help card, typed as shown, is a command and not a question."""
    from bot.requests import Ask, read_turn

    for _topic, said in words.staff_commands(("who is the contact for LLR/2025/031?",)):
        for command in said.split(" · "):
            command = command.removesuffix(" (in the contracts channel)")
            if command.startswith(("returns awaiting", "assess ")):
                continue  # the returns conversation reads these, before questions
            assert not isinstance(read_turn(command, None, conversation_type="personal").request, Ask), command


def test_answer_text_has_the_same_essentials_as_the_card() -> None:
    """Interpretation, count, total and every listed row with its marks, as plain text."""
    text = answer_text(short_answer())
    assert text.splitlines()[:3] == [
        "3 agreements in Southwark",
        "area Southwark, active agreements",
        "3 grants, total £203,000 (1 without a value)",
    ]
    assert "- OPCC-2023-001: Independent Sexual Violence Advisers 1 — Victim Support; ends 15 Oct 2026 (ended); £101,000" in text
    assert "(not started)" in text
    assert "no value; Problems: generic contact email." in text


def test_answer_text_counts_the_agreements_it_does_not_list() -> None:
    """A long answer lists 15 and says how many more there are; limit=None lists all."""
    answer = expiring_answer(62)
    text = answer_text(answer)
    assert text.count("\n- OPCC-") == 15
    assert "…and 47 more not listed here." in text
    assert answer_text(answer, limit=None).count("\n- OPCC-") == 62


def test_answer_text_for_a_question_not_understood_lists_examples() -> None:
    """The plain-text fallback is as honest as the card."""
    text = answer_text(not_understood_answer())
    assert text.startswith("I didn't understand that question.")
    assert "- who is the contact for OPCC-2023-014?" in text
