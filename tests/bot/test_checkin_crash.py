"""Kill -9 the real server in the middle of a return: after a restart every answer is there.

Runs `commissioning-bot serve --local` as a separate process on a free port, posts Teams
activities to `/api/messages` with replies going to a local stand-in connector, kills the
process with SIGKILL between answers, starts it again on the same database and finishes the
return. On SQLite and PostgreSQL (the `db_url` fixture).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, ClientTimeout
from returns_data import REGISTER, SAFE_HARBOUR, add_agreements
from stand_ins.connector import StandInConnector

from dialogs import checkin_text as say
from domain.monitoring import monitoring_periods
from storage.db import create_engine
from storage.returns import ReturnsRepository

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_ID = "29:provider-rae"
PROVIDER_EMAIL = "returns@safeharbour.org.uk"
CONVERSATION = "a:personal-provider-rae"
CREDENTIALS = ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppTenantId", "MicrosoftAppType", "DATABASE_URL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One `serve --local` process; `kill` is SIGKILL, no chance to tidy up."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Server:
        env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
        env["STAFF_DOMAINS"] = "mopac.example"
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--local", "--port", str(self.port), "--db", self.db_url,
            env=env, cwd=str(ROOT), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        async with ClientSession(timeout=ClientTimeout(total=2)) as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            return self
                except OSError:
                    pass
                assert self.process.returncode is None, "serve exited during start-up"
                await asyncio.sleep(0.1)
        raise AssertionError("serve did not start within 30 s")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()


class Provider:
    """A provider typing in their personal chat with the bot."""

    def __init__(self, connector: StandInConnector, http: ClientSession) -> None:
        self.connector = connector
        self.http = http
        self.count = 0

    async def say(self, server: Server, text: str) -> list[str]:
        """Post one message and return the texts the bot sent back during that turn."""
        self.count += 1
        before = len(self.connector.sent_to(CONVERSATION))
        activity: dict[str, Any] = {
            "type": "message", "id": f"m-{self.count}", "text": text, "textFormat": "plain",
            "serviceUrl": self.connector.url, "channelId": "msteams",
            "from": {"id": PROVIDER_ID, "name": "Rae Returns", "aadObjectId": "aad-rae"},
            "conversation": {"conversationType": "personal", "id": CONVERSATION},
            "recipient": {"id": "28:bot", "name": "Commissioning"}, "locale": "en-GB",
            "channelData": {"tenant": {"id": "11111111-2222-3333-4444-555555555555"}},
        }
        async with self.http.post(f"http://127.0.0.1:{server.port}/api/messages", json=activity) as response:
            assert response.status in (200, 201), await response.text()
        return [s.text for s in self.connector.sent_to(CONVERSATION)[before:]]


@pytest.fixture
async def connector() -> AsyncIterator[StandInConnector]:
    stand_in = StandInConnector()
    stand_in.add_member(PROVIDER_ID, "Rae Returns", PROVIDER_EMAIL)
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


async def test_a_return_survives_kill_9_between_answers(db_url: str, connector: StandInConnector) -> None:
    """Half a return, SIGKILL, restart, carry on; SIGKILL again, restart, "continue my return", submit."""
    engine = create_engine(db_url)
    await add_agreements(engine)
    today = date.today()
    # The server runs on the real clock: ask for the latest period owed today.
    period = monitoring_periods(replace(REGISTER[0], first_imported=date(2026, 4, 1)), today)[-1]
    servers: list[Server] = []
    try:
        async with ClientSession(timeout=ClientTimeout(total=60)) as http:
            provider = Provider(connector, http)
            first = await Server(db_url).start()
            servers.append(first)
            replies = await provider.say(first, f"check in for OPCC-2023-014 {period.label}")
            assert replies[-1] == f"How many referrals in {period.label}? The target is 120."
            await provider.say(first, "95")
            await provider.say(first, "Two advisers off sick")
            assert (await provider.say(first, "310"))[-1].startswith(f"How much did you spend in {period.label}?")
            await first.kill()

            second = await Server(db_url).start()
            servers.append(second)
            assert (await provider.say(second, "£25,000"))[-1].startswith("How much have you spent in total")
            await provider.say(second, "£400,000")
            await second.kill()

            third = await Server(db_url).start()
            servers.append(third)
            replies = await provider.say(third, "continue my return")
            assert replies[0] == say.RESUMING.format(period=period.label, reference="OPCC-2023-014")
            assert replies[-1] == say.ASK_RAG
            for text in ("amber", "none", "Clients felt safer", "skip"):
                await provider.say(third, text)
            assert (await provider.say(third, "submit"))[-1] == say.SUBMITTED.format(period=period.label, reference="OPCC-2023-014")

        repo = ReturnsRepository(engine)
        returns = await repo.returns_of([SAFE_HARBOUR])
        assert len(returns) == 1
        submitted = returns[0]
        assert submitted.state == "submitted" and submitted.submitted_by == PROVIDER_EMAIL
        assert submitted.answers == {
            "kpi:referrals": "95", "reason:referrals": "Two advisers off sick", "kpi:sessions": "310",
            "spend_in_period": "25000.00", "spend_to_date": "400000.00", "rag": "Amber", "risks": "",
            "outcomes": "Clients felt safer", "case_study": "",
        }
    finally:
        for server in servers:
            await server.stop()
        await engine.dispose()


async def test_an_answer_after_kill_9_mid_prompt_is_never_stored_under_the_previous_question(
    db_url: str, connector: StandInConnector
) -> None:
    """SIGKILL while the next question is being sent: after a restart the answer to it is not taken for the one before."""
    engine = create_engine(db_url)
    await add_agreements(engine)
    period = monitoring_periods(replace(REGISTER[0], first_imported=date(2026, 4, 1)), date.today())[-1]
    repo = ReturnsRepository(engine)
    servers: list[Server] = []
    try:
        async with ClientSession(timeout=ClientTimeout(total=60)) as http:
            provider = Provider(connector, http)
            first = await Server(db_url).start()
            servers.append(first)
            await provider.say(first, f"check in for OPCC-2023-014 {period.label}")
            await provider.say(first, "95")
            await provider.say(first, "Two advisers off sick")
            connector.fail_next("hang")
            answering = asyncio.create_task(provider.say(first, "310"))
            await asyncio.wait_for(connector.hanging.wait(), 30)
            spend_question = connector.hung[-1].text
            assert spend_question.startswith(f"How much did you spend in {period.label}?")
            await first.kill()
            with pytest.raises(Exception):  # noqa: B017 - the server died under the request
                await answering

            second = await Server(db_url).start()
            servers.append(second)
            # The provider saw the spend question (Teams had it) and answers it.
            replies = await provider.say(second, "25000")
            (draft,) = await repo.returns_of([SAFE_HARBOUR])
            assert draft.answers["kpi:sessions"] == "310" and "spend_in_period" not in draft.answers
            assert replies == [say.ASKED_AGAIN, spend_question]
            assert (await provider.say(second, "25000"))[-1].startswith("How much have you spent in total")
            for text in ("£400,000", "amber", "none", "Clients felt safer", "skip"):
                await provider.say(second, text)
            assert (await provider.say(second, "submit"))[-1] == say.SUBMITTED.format(period=period.label, reference="OPCC-2023-014")

        (submitted,) = await repo.returns_of([SAFE_HARBOUR])
        assert submitted.answers == {
            "kpi:referrals": "95", "reason:referrals": "Two advisers off sick", "kpi:sessions": "310",
            "spend_in_period": "25000.00", "spend_to_date": "400000.00", "rag": "Amber", "risks": "",
            "outcomes": "Clients felt safer", "case_study": "",
        }
    finally:
        for server in servers:
            await server.stop()
        await engine.dispose()
