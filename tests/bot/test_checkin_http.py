"""Check-in and assessment through `/api/messages`, as Teams sends them, replies to a stand-in connector."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, ClientTimeout
from aiohttp.test_utils import TestServer
from card_reading import block_text
from stand_ins.connector import StandInConnector
from teams_register import COLUMNS, ROWS, STAFF_DOMAIN

from bot.app import create_app
from bot.settings import Settings
from dialogs import checkin_text as say
from storage.db import create_engine
from storage.register_import import import_register
from storage.returns import ReturnsRepository

# After Q3 2026/27 (Oct–Dec) has ended: the imported register owes its first returns.
LATER = date(2027, 1, 20)
TENANT = "11111111-2222-3333-4444-555555555555"
PROVIDER_ID = "29:provider-rae"
NORTHSIDE_ID = "29:provider-nia"
STAFF_ID = "29:staff-sam"
BOT = {"id": "28:bot", "name": "Commissioning"}


@dataclass
class Bot:
    url: str
    http: ClientSession
    connector: StandInConnector
    count: int = 0

    async def send(self, sender: str, *, text: str | None = None, value: Any = None, channel: bool = False) -> list[Any]:
        """Post a message (or a card submit) and return what the bot sent back in that turn."""
        self.count += 1
        if channel:
            conversation = {"conversationType": "channel", "isGroup": True, "id": "19:contracts@thread.tacv2"}
            text = f"<at>{BOT['name']}</at> {text}"
            extra: dict[str, Any] = {"entities": [{"type": "mention", "mentioned": BOT, "text": f"<at>{BOT['name']}</at>"}]}
        else:
            conversation = {"conversationType": "personal", "id": f"a:personal-{sender}"}
            extra = {}
        activity = {
            "type": "message", "id": f"m-{self.count}", "serviceUrl": self.connector.url, "channelId": "msteams",
            "from": {"id": sender, "name": "Someone", "aadObjectId": f"aad-{sender}"}, "conversation": conversation,
            "recipient": BOT, "channelData": {"tenant": {"id": TENANT}}, "locale": "en-GB", **extra,
        }
        if text is not None:
            activity["text"], activity["textFormat"] = text, "plain"
        if value is not None:
            activity["value"] = value
        before = len(self.connector.sent_to(conversation["id"]))
        async with self.http.post(f"{self.url}/api/messages", json=activity) as response:
            assert response.status in (200, 201)
        return self.connector.sent_to(conversation["id"])[before:]

    async def texts(self, sender: str, text: str | None = None, **options: Any) -> list[str]:
        return [s.text for s in await self.send(sender, text=text, **options)]


@pytest.fixture
async def bot(register_url: str, connector: StandInConnector) -> AsyncIterator[Bot]:
    settings = Settings(database_url=register_url, staff_domains=(STAFF_DOMAIN,))
    app = create_app(settings, local=True, today=lambda: LATER)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with ClientSession(timeout=ClientTimeout(total=60)) as http:
        yield Bot(str(server.make_url("")).rstrip("/"), http, connector)
    await server.close()


async def test_a_provider_checks_in_and_submits_with_the_card_button(bot: Bot, register_url: str) -> None:
    """Personal chat end to end: choose, answer, and press Submit (a card submit with no text)."""
    assert (await bot.texts(PROVIDER_ID, "check in"))[-1].startswith("Which agreement")
    assert (await bot.texts(PROVIDER_ID, "OPCC-2024-031"))[-1] == "How much did you spend in Q3 2026/27? For example £12,500, 12.5k or 12500."
    for answer in ("£20,000", "£150k", "green", "none", "Families supported to stay safe"):
        await bot.texts(PROVIDER_ID, answer)
    summary = (await bot.send(PROVIDER_ID, text="skip"))[-1]
    submit = next(a["data"] for a in summary.cards[0]["actions"] if a["title"] == "Submit")
    assert (await bot.texts(PROVIDER_ID, value=submit))[-1] == say.SUBMITTED.format(period="Q3 2026/27", reference="OPCC-2024-031")
    engine = create_engine(register_url)
    try:
        waiting = await ReturnsRepository(engine).awaiting_assessment()
    finally:
        await engine.dispose()
    assert [(r.reference, r.answers["spend_to_date"]) for r in waiting] == [("OPCC-2024-031", "150000.00")]


async def test_a_forged_button_from_another_provider_reaches_nothing(bot: Bot) -> None:
    """Northside pressing a hand-made Submit for Safe Harbour's return is refused; the draft is untouched."""
    await bot.texts(PROVIDER_ID, "check in for OPCC-2024-031")
    await bot.texts(PROVIDER_ID, "£20,000")
    forged = {"action": "submit_return", "return_id": 1}
    assert await bot.texts(NORTHSIDE_ID, value=forged) == [say.RETURN_NOT_YOURS]
    assert await bot.texts(NORTHSIDE_ID, value={"action": "start_return", "reference": "OPCC-2024-031"}) == [
        say.NOT_YOURS.format(reference="OPCC-2024-031")
    ]
    assert (await bot.texts(PROVIDER_ID, "continue my return"))[-1].startswith("How much have you spent in total")


async def test_staff_ask_for_returns_awaiting_assessment_in_the_channel(bot: Bot) -> None:
    """An @mention in the contracts channel lists submitted returns as a card."""
    await bot.texts(NORTHSIDE_ID, "check in")
    for answer in ("£10,000", "£80,000", "amber", "none", "Young people diverted", "skip", "submit"):
        await bot.texts(NORTHSIDE_ID, answer)
    sent = await bot.send(STAFF_ID, text="returns awaiting assessment", channel=True)
    assert sent[-1].cards and block_text(sent[-1].cards[0]["body"][0]) == "Returns awaiting assessment: 1"


async def test_a_provider_taken_off_an_agreement_mid_check_in_cannot_save_another_answer(
    bot: Bot, register_url: str, tmp_path: Path
) -> None:
    """The register moves OPCC-2024-031 to another provider between two answers: the next answer is refused, not saved."""
    await bot.texts(PROVIDER_ID, "check in for OPCC-2024-031")
    assert (await bot.texts(PROVIDER_ID, "£20,000"))[-1].startswith("How much have you spent in total")
    moved = [
        [*row[:3], "Harbour Housing CIC", *row[4:10], "Lee Harbour", "lee@harbourhousing.org.uk", row[12]]
        if row[0] == "OPCC-2024-031" else row
        for row in ROWS
    ]
    path = tmp_path / "moved.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([COLUMNS, *moved])
    engine = create_engine(register_url)
    try:
        await import_register(engine, path, today=LATER)
        assert await bot.texts(PROVIDER_ID, "£150k") == [say.NO_LONGER_YOURS.format(reference="OPCC-2024-031")]
        (ret,) = await ReturnsRepository(engine).returns_of(["Harbour Housing CIC"])
    finally:
        await engine.dispose()
    assert ret.answers == {"spend_in_period": "20000.00"}


async def test_a_register_question_at_the_amount_prompt_is_answered_and_the_return_kept(bot: Bot, register_url: str) -> None:
    """Through the handler: the question gets the register's answer card, then the amount is asked again."""
    prompt = "How much did you spend in Q3 2026/27? For example £12,500, 12.5k or 12500."
    assert (await bot.texts(PROVIDER_ID, "check in for OPCC-2024-031"))[-1] == prompt
    sent = await bot.send(PROVIDER_ID, text="which grants expire this quarter?")
    assert sent[0].cards and [s.text for s in sent[-2:]] == [say.BACK_TO_IT, prompt]
    assert (await bot.texts(PROVIDER_ID, "£20,000"))[-1].startswith("How much have you spent in total")
