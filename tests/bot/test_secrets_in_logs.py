"""The client secret never shows — not whole, not a prefix, not any 7 characters of it — in logs
(at DEBUG), `status`, `status --json` or the database, even when the token endpoint echoes the
request back in its error. The path is the real one: msal against a stand-in Entra, the outbox
sender, the install attempt recorded, the status command."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import requests
from alert_delivery_data import NOW, alert, write
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from conftest import RunningBot
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from stand_ins.graph import StandInEntra, StandInGraph, self_signed_certificate
from teams_register import STAFF_EMAIL

from bot.cards.alerts import render
from bot.commands.cli import main
from bot.graph.client import msal_token
from bot.graph.installs import GraphInstaller, GraphSettings
from bot.settings import Secret, Settings
from bot.teams.proactive import make_send
from notifications.sender import OutboxSender, SenderOptions
from storage.db import create_engine, session_factory
from storage.models import Base

SECRET = "Zq8~pX3.vK7_mW2-rT9bN4"  # shaped like an Entra client secret
PAT = "pat@provider.example.org"
FAST = SenderOptions(backoff_base=0.05, backoff_cap=2.0, max_inline_wait=5.0, idle_interval=0.1)


def pieces(secret: str, size: int = 7) -> set[str]:
    """Every run of `size` characters of the secret."""
    return {secret[i:i + size] for i in range(len(secret) - size + 1)}


def leaks(text: str) -> list[str]:
    return sorted(piece for piece in pieces(SECRET) if piece in text)


@pytest.fixture
async def echoing_entra(tmp_path: Path) -> AsyncIterator[tuple[StandInEntra, requests.Session]]:
    cert, key = self_signed_certificate(tmp_path)
    entra = await StandInEntra(cert, key, echo_errors=True).start()
    trusting = requests.Session()
    trusting.verify = str(cert)
    trusting.trust_env = False
    yield entra, trusting
    trusting.close()
    await entra.stop()


async def dump(engine: AsyncEngine) -> str:
    """Every row of every table, as text."""
    lines: list[str] = []
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in (await connection.execute(select(table))).all():
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


async def test_an_echoed_client_secret_reaches_no_log_status_or_table(
    db_url: str, engine: AsyncEngine, echoing_entra: tuple[StandInEntra, requests.Session],
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    """A token endpoint that echoes the request (client_secret included) in its error leaks none of it."""
    caplog.set_level(logging.DEBUG)
    entra, trusting = echoing_entra
    graph = await StandInGraph(users={PAT: "user-1"}).start()
    try:
        bot = Settings(app_id="bot-app-id", app_password=Secret(SECRET), app_tenant_id="tenant-1")
        settings = GraphSettings.from_environ(bot, {"GRAPH_INSTALL": "on", "TEAMS_CATALOG_APP_ID": "cat-1",
                                                    "GRAPH_BASE_URL": graph.url, "ENTRA_AUTHORITY_HOST": entra.url})
        token = msal_token(settings.connection, http_client=trusting, validate_authority=False, instance_discovery=False)
        installer = GraphInstaller(settings, token=token)
        await write(engine, [alert(1, PAT)])
        adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Settings()))
        sender = OutboxSender(session_factory(engine), make_send(adapter, ""), render, options=FAST,
                              clock=lambda: NOW, install=installer.install_for)
        await sender.drain()
    finally:
        await graph.stop()
    assert any(SECRET in request.get("client_secret", "") for request in entra.token_requests)  # it was echoed back

    capsys.readouterr()
    assert await asyncio.to_thread(main, ["status", "--db", db_url]) == 0
    assert await asyncio.to_thread(main, ["status", "--json", "--db", db_url]) == 0
    status = capsys.readouterr()
    assert "Cannot install the app" in status.out  # the failure is reported, just without the secret

    logged = "\n".join(f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records)
    for where, shown in (("logs", logged), ("status", status.out + status.err), ("database", await dump(engine))):
        assert SECRET not in shown, where
        assert leaks(shown) == [], where


async def test_a_failing_conversation_store_logs_no_sql_parameters(
    local_bot: RunningBot, caplog: pytest.LogCaptureFixture,
) -> None:
    """The conversation store failing (its table gone) logs that it failed, not the email or reference it was writing.

    The table is renamed for the test and renamed back after: on PostgreSQL the migrated
    database is shared by every test of the run.
    """
    caplog.set_level(logging.DEBUG)
    await rename(local_bot.settings.database_url, "conversation_references", "conversation_references_away")
    try:
        long_name = "N" * 10_000
        activity = local_bot.activities.personal("help")
        activity["from"]["name"] = long_name
        response = await local_bot.post(activity)
    finally:
        await rename(local_bot.settings.database_url, "conversation_references_away", "conversation_references")
    assert response.status in (200, 201)
    assert local_bot.connector.sent  # the user still got an answer
    logged = "\n".join(f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records)
    assert "Could not store the conversation reference" in logged
    assert STAFF_EMAIL not in logged
    assert "N" * 100 not in logged


async def rename(url: str, old: str, new: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))
    finally:
        await engine.dispose()


async def test_database_errors_never_carry_their_parameters(engine: AsyncEngine) -> None:
    """The engine is built with hide_parameters: an error's text names the statement, not the values."""
    with pytest.raises(DBAPIError) as raised:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO no_such_table (a) VALUES (:a)"), {"a": "secret-value@example.org"})
    assert "secret-value@example.org" not in str(raised.value)
