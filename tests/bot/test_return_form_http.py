"""The one-card return form through `/api/messages`: checked like the dialog, saved as sent, never forged."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import ClientSession, ClientTimeout
from aiohttp.test_utils import TestServer
from card_reading import block_text
from conftest import import_into
from sqlalchemy import select
from stand_ins.connector import StandInConnector
from teams_register import COLUMNS, ROWS, STAFF_DOMAIN
from test_cards_schema import TYPES_1_2, load_validator, types_in, without_teams_keys
from test_checkin_http import LATER, NORTHSIDE_ID, PROVIDER_ID, Bot

from bot.app import create_app
from bot.cards import checkin as checkin_cards
from bot.settings import Settings
from dialogs import checkin_text as say
from dialogs import return_form_text as form_say
from domain.agreement import Agreement, Kpi
from domain.monitoring import MonitoringPeriod
from domain.returns import MonitoringReturn, kpi_key, reason_key
from storage.db import create_engine, session_factory
from storage.models import MonitoringReturn as ReturnRow

REFERENCE = "OPCC-2024-031"
KPIS = {REFERENCE: "households supported=40; sessions=100", "OPCC-2024-077": "young people=60"}
GOOD = {
    kpi_key("households supported"): "45", kpi_key("sessions"): "110", "spend_in_period": "£20,000",
    "spend_to_date": "150k", "rag": "Green", "risks": "none", "outcomes": "Families supported to stay safe", "case_study": "",
}


@pytest.fixture
def kpi_register_url(db_url: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The bot tests' register, with KPI targets on the Safe Harbour and Northside agreements."""
    path = tmp_path / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*COLUMNS, "kpis"])
        writer.writerows([*row, KPIS.get(row[0], "")] for row in ROWS)
    import_into(db_url, path)
    return db_url


@pytest.fixture
async def bot(kpi_register_url: str, connector: StandInConnector) -> AsyncIterator[Bot]:
    app = create_app(Settings(database_url=kpi_register_url, staff_domains=(STAFF_DOMAIN,)), local=True, today=lambda: LATER)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with ClientSession(timeout=ClientTimeout(total=60)) as http:
        yield Bot(str(server.make_url("")).rstrip("/"), http, connector)
    await server.close()


async def stored(url: str) -> list[tuple[str, dict[str, str]]]:
    """(state, answers) of every row in monitoring_returns."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return [(row.state, dict(row.answers)) for row in (await session.scalars(select(ReturnRow).order_by(ReturnRow.id)))]
    finally:
        await engine.dispose()


async def open_form(bot: Bot) -> dict[str, Any]:
    """Start the check-in and press "Fill in on one card" on the first question: the form card."""
    first = (await bot.send(PROVIDER_ID, text=f"check in for {REFERENCE}"))[-1]
    assert first.text == "How many households supported in Q3 2026/27? The target is 40."
    button = next(a["data"] for a in first.cards[0]["actions"] if a["title"] == form_say.FORM_BUTTON)
    sent = (await bot.send(PROVIDER_ID, value=button))[-1]
    assert sent.text == form_say.FORM_SENT
    return sent.cards[0]


def filled(form: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """What Teams sends for the form: the button's data plus every input's value by id."""
    data = dict(form["actions"][0]["data"])
    for element in form["body"]:
        if element["type"].startswith("Input."):
            data[element["id"]] = answers.get(element["id"], "")
    return data


def messages(form: dict[str, Any]) -> dict[str, str]:
    """The message under each field, by the id of the input above it."""
    found, last_input = {}, None
    for element in form["body"]:
        if element["type"].startswith("Input."):
            last_input = element["id"]
        elif last_input is not None and any(run.get("color") == "Attention" for run in element.get("inlines", ())):
            found[last_input] = block_text(element)
    return found


async def test_a_complete_form_goes_to_the_summary_with_the_answers_saved(bot: Bot, kpi_register_url: str) -> None:
    """Every field valid: the summary card with Submit / Change / Save, answers in monitoring_returns, not yet submitted."""
    form = await open_form(bot)
    replies = await bot.send(PROVIDER_ID, value=filled(form, GOOD))
    assert [r.text for r in replies] == [form_say.FORM_CHECKED, say.SUMMARY_PROMPT]
    assert [a["title"] for a in replies[-1].cards[0]["actions"]] == ["Submit", "Change an answer", "Save for later"]
    assert await stored(kpi_register_url) == [
        (
            "in_progress",
            {
                kpi_key("households supported"): "45", kpi_key("sessions"): "110", "spend_in_period": "20000.00",
                "spend_to_date": "150000.00", "rag": "Green", "risks": "", "outcomes": "Families supported to stay safe",
                "case_study": "",
            },
        )
    ]
    submit = next(a["data"] for a in replies[-1].cards[0]["actions"] if a["title"] == "Submit")
    assert (await bot.texts(PROVIDER_ID, value=submit))[-1] == say.SUBMITTED.format(period="Q3 2026/27", reference=REFERENCE)


async def test_a_form_with_three_mistakes_comes_back_marked_and_keeps_the_valid_answers(bot: Bot, kpi_register_url: str) -> None:
    """A bad number, a missing shortfall reason and an over-value spend: one message each; the rest is saved."""
    form = await open_form(bot)
    wrong = {**GOOD, kpi_key("households supported"): "lots", kpi_key("sessions"): "50", "spend_to_date": "£300k", "rag": "Amber"}
    replies = await bot.send(PROVIDER_ID, value=filled(form, wrong))
    assert [r.text for r in replies] == [form_say.FORM_PROBLEMS]
    again = replies[-1].cards[0]
    assert messages(again) == {
        kpi_key("households supported"): "\u201clots\u201d isn't a number. Type the number as digits, like 120.",
        reason_key("sessions"): form_say.MISSING_REASON.format(kpi="sessions", actual="50", target="100"),
        "spend_explanation": form_say.MISSING_EXPLANATION.format(
            warning="Spend to date of £300,000 is above the agreement value of £250,000."
        ),
    }
    assert {e["id"]: e.get("value") for e in again["body"] if e["type"].startswith("Input.")}["outcomes"] == GOOD["outcomes"]
    assert await stored(kpi_register_url) == [
        (
            "in_progress",
            {
                kpi_key("sessions"): "50", "spend_in_period": "20000.00", "spend_to_date": "300000.00", "rag": "Amber",
                "risks": "", "outcomes": "Families supported to stay safe", "case_study": "",
            },
        )
    ]
    fixed = {**wrong, kpi_key("households supported"): "38", reason_key("sessions"): "Venue closed for a month",
             "spend_explanation": "A capital grant was paid early"}
    assert [r.text for r in await bot.send(PROVIDER_ID, value=filled(again, fixed))] == [form_say.FORM_CHECKED, say.SUMMARY_PROMPT]


async def test_a_forged_form_for_another_providers_return_reaches_nothing(bot: Bot, kpi_register_url: str) -> None:
    """Northside sending Safe Harbour's return id, opened or filled in, is refused and nothing changes."""
    form = await open_form(bot)
    return_id = form["actions"][0]["data"]["return_id"]
    before = await stored(kpi_register_url)
    forged = filled(form, GOOD)
    assert await bot.texts(NORTHSIDE_ID, value=forged) == [say.RETURN_NOT_YOURS]
    assert await bot.texts(NORTHSIDE_ID, value={"action": "open_return_form", "return_id": return_id}) == [say.RETURN_NOT_YOURS]
    assert await bot.texts(NORTHSIDE_ID, value={**forged, "return_id": "1 or 1=1"}) == [say.RETURN_NOT_YOURS]
    assert await stored(kpi_register_url) == before


async def test_return_form_typed_opens_the_form_for_the_named_agreement(bot: Bot) -> None:
    """"return form for OPCC-2024-031" goes straight to the one-card form."""
    replies = await bot.send(PROVIDER_ID, text=f"return form for {REFERENCE}")
    assert replies[-1].text == form_say.FORM_SENT
    assert replies[-1].cards[0]["actions"][0]["data"]["action"] == "submit_return_form"


AGREEMENT = Agreement(
    reference="OPCC-2023-014", kind="grant", title="ISVA <service>", provider="Safe Harbour",
    value=Decimal("400000"), start_date=date(2026, 4, 1), end_date=date(2030, 3, 31),
    kpis=(Kpi("referrals", Decimal(120)), Kpi("sessions **bold**", Decimal(300))),
)
PREVIOUS = MonitoringReturn(
    1, AGREEMENT, MonitoringPeriod("Q1 2026/27", date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 15)), "accepted",
    {kpi_key("referrals"): "110", "spend_in_period": "25000.00", "rag": "Amber"},
)
DRAFT = MonitoringReturn(
    2, AGREEMENT, MonitoringPeriod("Q2 2026/27", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15)), "in_progress",
    {kpi_key("referrals"): "96.5", "spend_in_period": "5000.00", "rag": "Red"}, previous=PREVIOUS,
    submitted_at=datetime(2026, 10, 1, tzinfo=UTC),
)
FORMS = {
    "fresh": checkin_cards.return_form_card(DRAFT, None, None),
    "with-problems": checkin_cards.return_form_card(
        DRAFT, {kpi_key("referrals"): "lots", "rag": "purple"}, {kpi_key("referrals"): "\u201clots\u201d isn't a number."}
    ),
    "offer": checkin_cards.form_offer_card(DRAFT),
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_the_form_is_a_valid_adaptive_card_1_5_using_only_1_2_elements(name: str) -> None:
    """Teams renders 1.5; mobile renders 1.2 elements, so the form keeps to them (and to 1.2 properties)."""
    card = FORMS[name]
    assert not list(load_validator("adaptive-card-1.5.json").iter_errors(without_teams_keys(card)))
    assert types_in(card) <= TYPES_1_2
    relabelled = {**without_teams_keys(card), "version": "1.2"}
    assert not list(load_validator("adaptive-card-1.2.json").iter_errors(relabelled))


def test_the_form_is_prefilled_and_offers_last_periods_figures() -> None:
    """Saved answers fill the inputs; last period's figures show as placeholders."""
    inputs = {e["id"]: e for e in FORMS["fresh"]["body"] if e["type"].startswith("Input.")}
    assert inputs[kpi_key("referrals")]["value"] == 96.5
    assert inputs[kpi_key("referrals")]["placeholder"] == "Last period: 110"
    assert inputs["spend_in_period"]["value"] == "£5,000" and inputs["spend_in_period"]["placeholder"] == "Last period: £25,000"
    assert inputs["rag"]["value"] == "Red" and inputs["rag"]["type"] == "Input.ChoiceSet"
    assert inputs[kpi_key("sessions **bold**")]["type"] == "Input.Number"
