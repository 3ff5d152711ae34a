"""Installing the app through Graph for a person the bot cannot reach yet.

Entra (https, self-signed certificate) and Graph are local stand-ins; msal is the real one,
told to trust the stand-in's certificate and to skip Microsoft's instance discovery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from alert_delivery_data import NOW, add_conversation, alert, heading, write
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from sqlalchemy.ext.asyncio import AsyncEngine
from stand_ins.connector_faults import FaultyConnector
from stand_ins.graph import ENTRA_TOKEN, StandInEntra, StandInGraph, self_signed_certificate

from bot.cards.alerts import render
from bot.graph.client import msal_token
from bot.graph.installs import NOT_ALLOWED, UNKNOWN_USER, GraphInstaller, GraphSettings
from bot.settings import Secret, Settings
from bot.teams.proactive import make_send
from notifications.installs import CANNOT_INSTALL, INSTALLING, install_once
from notifications.sender import OutboxSender, SenderOptions
from storage import outbox
from storage.app_installs import install_attempt
from storage.db import session_factory

PAT = "pat@provider.example.org"
PAT_ID = "11111111-aaaa-4bbb-8ccc-000000000001"
CATALOG_APP = "cat-app-0001"
PASSWORD = "stand-in-client-secret"
FAST = SenderOptions(backoff_base=0.05, backoff_cap=2.0, max_inline_wait=5.0, idle_interval=0.1)


@dataclass
class Microsoft:
    entra: StandInEntra
    graph: StandInGraph
    settings: GraphSettings
    trusting: requests.Session

    def installer(self, **kwargs: object) -> GraphInstaller:
        token = msal_token(self.settings.connection, http_client=self.trusting, validate_authority=False, instance_discovery=False)
        return GraphInstaller(self.settings, token=token, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def microsoft(tmp_path: Path) -> AsyncIterator[Microsoft]:
    cert, key = self_signed_certificate(tmp_path)
    entra = await StandInEntra(cert, key).start()
    graph = await StandInGraph(users={PAT: PAT_ID}).start()
    bot = Settings(app_id="bot-app-id", app_password=Secret(PASSWORD), app_tenant_id="tenant-1")
    settings = GraphSettings.from_environ(bot, {
        "GRAPH_INSTALL": "on", "TEAMS_CATALOG_APP_ID": CATALOG_APP,
        "GRAPH_BASE_URL": graph.url, "ENTRA_AUTHORITY_HOST": entra.url,
    })
    trusting = requests.Session()
    trusting.verify = str(cert)
    trusting.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over `verify`
    yield Microsoft(entra, graph, settings, trusting)
    trusting.close()
    await graph.stop()
    await entra.stop()


@pytest.fixture
async def connector() -> AsyncIterator[FaultyConnector]:
    stand_in = await FaultyConnector().start()
    yield stand_in
    await stand_in.stop()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def sender(engine: AsyncEngine, microsoft: Microsoft, clock: Clock) -> OutboxSender:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Settings()))
    return OutboxSender(session_factory(engine), make_send(adapter, ""), render, options=FAST, clock=clock,
                        install=microsoft.installer().install_for)


async def waiting_reasons(engine: AsyncEngine) -> set[str]:
    async with session_factory(engine)() as session:
        return {item.last_error for item in await outbox.waiting_items(session)}


async def test_a_provider_with_no_conversation_gets_the_app_installed_and_then_the_alert(
    engine: AsyncEngine, microsoft: Microsoft, connector: FaultyConnector,
) -> None:
    """Graph gets the install with the catalogue app and an Entra token; once Teams reports the chat, the alert goes."""
    await write(engine, [alert(1, PAT)])
    clock = Clock()
    report = await sender(engine, microsoft, clock).drain()
    assert report.waiting_for_recipient == 1 and report.delivered == 0
    [install] = microsoft.graph.installs()
    assert install.path == f"/v1.0/users/{PAT_ID}/teamwork/installedApps"
    assert install.body == {"teamsApp@odata.bind": f"{microsoft.graph.url}/v1.0/appCatalogs/teamsApps/{CATALOG_APP}"}
    assert install.authorization == f"Bearer {ENTRA_TOKEN}"
    [token_request] = microsoft.entra.token_requests
    assert token_request["grant_type"] == "client_credentials" and token_request["client_id"] == "bot-app-id"
    assert token_request["scope"].split()[0] == "https://graph.microsoft.com/.default"
    assert await waiting_reasons(engine) == {INSTALLING.format(who=PAT)}

    # Teams sends the bot an installationUpdate; the handler stores the personal chat.
    await add_conversation(engine, connector.url, "a:personal-pat", "personal", PAT, "29:pat")
    clock.now += FAST.install_wait
    report = await sender(engine, microsoft, clock).drain()
    assert report.delivered == 1
    assert connector.headings_to("a:personal-pat") == [heading(1)]
    assert len(microsoft.graph.installs()) == 1


async def test_already_installed_409_counts_as_installed(microsoft: Microsoft) -> None:
    """Graph's 409 Conflict means the app is there already: that is success."""
    microsoft.graph.answers[PAT_ID] = [409]
    result = await microsoft.installer().install_for(PAT)
    assert result.installed


async def test_a_tenant_that_has_not_granted_the_permission_is_recorded_and_not_retried(
    engine: AsyncEngine, microsoft: Microsoft,
) -> None:
    """403 is written down with what the admin must grant, and later passes do not ask Graph again."""
    microsoft.graph.answers[PAT_ID] = [403, 403]
    await write(engine, [alert(1, PAT)])
    clock = Clock()
    await sender(engine, microsoft, clock).drain()
    clock.now += FAST.recipient_wait + timedelta(days=2)
    await sender(engine, microsoft, clock).drain()
    assert len(microsoft.graph.installs()) == 1
    assert await waiting_reasons(engine) == {CANNOT_INSTALL.format(who=PAT, reason=NOT_ALLOWED)}
    assert "TeamsAppInstallation.ReadWriteSelfForUser.All" in NOT_ALLOWED
    async with session_factory(engine)() as session:
        attempt = await install_attempt(session, PAT)
    assert attempt is not None and attempt.outcome == "not_allowed"


async def test_graph_throttling_waits_retry_after_then_installs(microsoft: Microsoft) -> None:
    """429 with Retry-After: 7 waits 7 seconds, then the install goes through."""
    microsoft.graph.answers[PAT_ID] = [(429, "7")]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    result = await microsoft.installer(sleep=sleep).install_for(PAT)
    assert result.installed
    assert waits == [7.0]
    assert len(microsoft.graph.installs()) == 2


async def test_endless_throttling_gives_up_after_a_few_tries(microsoft: Microsoft) -> None:
    """Graph that never stops answering 503 ends the attempt as failed, after a bounded number of tries."""
    microsoft.graph.answers[PAT_ID] = [(503, "1")] * 10

    async def sleep(seconds: float) -> None:
        return None

    result = await microsoft.installer(sleep=sleep, max_tries=3).install_for(PAT)
    assert result.outcome == "failed" and "503" in result.reason
    assert len(microsoft.graph.installs()) == 3


async def test_an_unknown_user_is_reported_as_such(microsoft: Microsoft) -> None:
    """An email Graph does not know is `unknown_user`, and nothing is installed."""
    result = await microsoft.installer().install_for("nobody@provider.example.org")
    assert result.outcome == "unknown_user" and result.reason == UNKNOWN_USER
    assert microsoft.graph.installs() == []


async def test_nothing_is_attempted_twice_for_the_same_person(engine: AsyncEngine, microsoft: Microsoft) -> None:
    """Two replicas at once, then a restart: Graph is asked to install once."""
    sessions = session_factory(engine)
    install = microsoft.installer().install_for
    first = await asyncio.gather(install_once(sessions, install, PAT, NOW), install_once(sessions, install, PAT, NOW))
    again = await install_once(sessions, microsoft.installer().install_for, PAT, NOW + timedelta(days=3))
    assert len(microsoft.graph.installs()) == 1
    assert {why for why, _ in first} | {again[0]} == {INSTALLING.format(who=PAT)}


async def test_secrets_and_tokens_never_reach_the_logs(
    microsoft: Microsoft, caplog: pytest.LogCaptureFixture,
) -> None:
    """The client secret and the access token appear in no log record, even at DEBUG."""
    caplog.set_level(logging.DEBUG)
    await microsoft.installer().install_for(PAT)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert PASSWORD not in logged and ENTRA_TOKEN not in logged
    assert PASSWORD not in repr(microsoft.settings)


def test_graph_install_is_off_unless_asked_for_and_configured() -> None:
    """Off by default; on only with app credentials, tenant and the catalogue app id."""
    full = Settings(app_id="a", app_password=Secret("p"), app_tenant_id="t")
    assert not GraphSettings.from_environ(full, {"TEAMS_CATALOG_APP_ID": "c"}).enabled
    assert not GraphSettings.from_environ(full, {"GRAPH_INSTALL": "on"}).enabled
    assert not GraphSettings.from_environ(Settings(), {"GRAPH_INSTALL": "on", "TEAMS_CATALOG_APP_ID": "c"}).enabled
    on = GraphSettings.from_environ(full, {"GRAPH_INSTALL": "on", "TEAMS_CATALOG_APP_ID": "c"})
    assert on.enabled and on.connection.graph_base_url == "https://graph.microsoft.com"
    assert on.connection.authority_host == "https://login.microsoftonline.com"
