""""Returns awaiting assessment" reaches every waiting return, oldest due first, the newly submitted marked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from card_reading import block_text
from returns_chat import MANAGER, SAFE, ReturnsChat
from returns_data import add_agreements, agreement
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.agreement import Kpi
from domain.returns import CASE_STUDY, OUTCOMES, RAG, RISKS, SPEND_IN_PERIOD, SPEND_TO_DATE, kpi_key

COUNT = 37
Q1, Q2 = date(2026, 4, 1), date(2026, 7, 1)
LONG_AGO = datetime(2026, 9, 1, 9, tzinfo=UTC)
JUST_NOW = datetime(2026, 10, 4, 16, tzinfo=UTC)  # TODAY is 5 Oct 2026


def references() -> list[str]:
    return [f"OPCC-2026-{n:03d}" for n in range(COUNT)]


async def submit_many(chat: ReturnsChat) -> None:
    """37 returns: Q1s submitted weeks ago, Q2s (due later), the last one submitted yesterday."""
    register = tuple(agreement(ref, title=f"Service {n}", value=Decimal(16000), kpis=(Kpi("referrals", Decimal(10)),)) for n, ref in enumerate(references()))
    await add_agreements(chat.engine, register)
    answers = {kpi_key("referrals"): "10", SPEND_IN_PERIOD: "1000", SPEND_TO_DATE: "1000", RAG: "Green", RISKS: "",
               OUTCOMES: "Fine", CASE_STUDY: ""}
    for n, ref in enumerate(references()):
        start = Q1 if n % 2 == 0 else Q2
        ret = await chat.repo.open_return(ref, start, SAFE.actor, date(2026, 10, 5))
        for key, value in {**answers, SPEND_TO_DATE: "1000" if start == Q1 else "2000"}.items():
            await chat.repo.save_answer(ret.id, key, value, SAFE.actor)
        await chat.repo.submit(ret.id, SAFE.actor, now=JUST_NOW if n == COUNT - 1 else LONG_AGO)


def rows(card: dict) -> list[str]:
    return [block_text(item["items"][0]) for item in card["body"] if item["type"] == "Container"]


async def test_every_waiting_return_is_reachable_page_by_page_oldest_due_first(engine: AsyncEngine) -> None:
    """37 waiting: four pages of at most ten, Next and Previous between them, each return once, Q1s first."""
    chat = ReturnsChat(engine)
    await submit_many(chat)
    seen: list[str] = []
    card = (await chat.say("returns awaiting assessment", who=MANAGER))[-1].card
    pages = 0
    while card is not None:
        pages += 1
        assert block_text(card["body"][0]) == f"Returns awaiting assessment: {COUNT}"
        assert len(rows(card)) <= 10
        for item in card["body"]:
            if item["type"] == "Container":
                assert item["items"][-1]["actions"][0]["data"]["action"] == "assess_return"
        seen += rows(card)
        following = next((a["data"] for a in card.get("actions", []) if a["title"] == "Next"), None)
        card = (await chat.say(value=following, who=MANAGER))[-1].card if following else None
    assert pages == 4 and len(seen) == COUNT
    assert len(set(seen)) == COUNT
    periods = [row.split(" — ")[1] for row in seen]
    assert periods == sorted(periods, key=lambda label: label[:2])  # every Q1 (due earlier) before any Q2
    assert not any("more: assess these first" in row for row in seen)


async def test_the_newly_submitted_return_is_marked_and_counted(engine: AsyncEngine) -> None:
    """The one submitted yesterday says New and the heading counts it, wherever it falls in the order."""
    chat = ReturnsChat(engine)
    await submit_many(chat)
    card = (await chat.say("returns awaiting assessment", who=MANAGER))[-1].card
    assert card is not None
    assert block_text(card["body"][1]) == "1 newly submitted (in the last 7 days). Oldest due first."
    marked: list[str] = []
    page = 0
    while True:
        marked += [row for row in rows(card) if row.endswith("· New")]
        following = next((a["data"] for a in card.get("actions", []) if a["title"] == "Next"), None)
        if following is None:
            break
        page += 1
        card = (await chat.say(value=following, who=MANAGER))[-1].card
    assert [row.split(" — ")[0].strip("*") for row in marked] == [references()[-1]]
    previous = next(a["data"] for a in card["actions"] if a["title"] == "Previous")
    assert previous == {"action": "awaiting_assessment", "page": page - 1}

    for forged in (99, -3, "2", True):  # a hand-made page number still shows a real page
        card = (await chat.say(value={"action": "awaiting_assessment", "page": forged}, who=MANAGER))[-1].card
        assert card is not None and rows(card)
