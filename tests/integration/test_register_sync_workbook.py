"""Syncing the register from an Excel table in the site's documents, and `commissioning-bot sync` itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sync_fixtures import LIST, M365, ROWS_FOR_CLI, SECRET, SITE, TODAY

from bot.graph.sync import sync_register
from storage.agreements import load_agreements
from storage.db import session_factory
from storage.models import AgreementRow

HEADER = ["Reference", "Kind", "Title", "Provider", "Value (£)", "End date"]
DATE = "dd/mm/yyyy"
ROWS = [
    ["MOPAC-2024-001", "grant", "Youth outreach", "Safer London", 125000, 46477],  # 46477 = 31/03/2027
    ["MOPAC-2024-002", "contract", "Victim service", "Victim Support", 1500000.5, 46234],  # 31/07/2026
]
FORMATS = [["General", "General", "General", "General", '"£"#,##0.00', DATE]] * 2


async def _register(engine: AsyncEngine) -> dict[str, object]:
    async with session_factory(engine)() as session:
        ids = list((await session.scalars(select(AgreementRow.id))).all())
        return {a.reference: a for a in (await load_agreements(session, ids)).values()}


async def test_a_workbook_table_syncs_with_serial_dates_read_by_their_number_format(engine: AsyncEngine, m365: M365) -> None:
    m365.sharepoint.add_workbook("Shared Documents/Registers/Register.xlsx", tables={"Register": (HEADER, ROWS, FORMATS)})
    source = m365.source(REGISTER_LIST="", REGISTER_WORKBOOK="Shared Documents/Registers/Register.xlsx")

    report = await sync_register(engine, source, m365.client(), today=TODAY)

    assert report.outcome == "synced" and report.added == 2, report.problems or report.message
    register = await _register(engine)
    assert register["MOPAC-2024-001"].end_date == date(2027, 3, 31)
    assert register["MOPAC-2024-002"].end_date == date(2026, 7, 31)
    assert str(register["MOPAC-2024-002"].value) == "1500000.50"


async def test_an_unchanged_workbook_is_not_read_again(engine: AsyncEngine, m365: M365) -> None:
    book = m365.sharepoint.add_workbook("Register.xlsx", tables={"Register": (HEADER, ROWS, FORMATS)})
    source = m365.source(REGISTER_LIST="", REGISTER_WORKBOOK="Register.xlsx")
    await sync_register(engine, source, m365.client(), today=TODAY)
    m365.sharepoint.requests.clear()

    unchanged = await sync_register(engine, source, m365.client(), today=TODAY)

    assert unchanged.outcome == "unchanged"
    assert not any("/workbook/" in path for _, path in m365.sharepoint.requests)
    book.update_row("Register", 0, ["MOPAC-2024-001", "grant", "Youth outreach", "Safer London", 125000, 46843],
                    ["General", "General", "General", "General", "General", DATE])
    changed = await sync_register(engine, source, m365.client(), today=TODAY)
    assert changed.outcome == "synced" and changed.changed == 1
    assert (await _register(engine))["MOPAC-2024-001"].end_date == date(2028, 3, 31)


async def test_a_bad_workbook_row_refuses_the_sync_by_row_and_column(engine: AsyncEngine, m365: M365) -> None:
    rows = [ROWS[0], ["MOPAC-2024-002", "contract", "Victim service", "Victim Support", "lots", 46234]]
    m365.sharepoint.add_workbook("Register.xlsx", tables={"Register": (HEADER, rows, FORMATS)})
    source = m365.source(REGISTER_LIST="", REGISTER_WORKBOOK="Register.xlsx", REGISTER_TABLE="Register")

    report = await sync_register(engine, source, m365.client(), today=TODAY)

    assert report.outcome == "refused"
    assert report.problems[0].startswith("Workbook Register.xlsx, table Register, row 3, column value: 'lots'")
    assert await _register(engine) == {}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "sync", *args], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


async def test_the_sync_command_trusts_a_private_ca_and_never_shows_the_secret(
    db_url: str, m365: M365, tmp_path: Path,
) -> None:
    """`REQUESTS_CA_BUNDLE` makes msal trust the (private-CA) Entra; the counts print; a 403 exits 1."""
    import asyncio

    m365.make_register(ROWS_FOR_CLI)
    env = {
        **os.environ, "DATABASE_URL": db_url, "MicrosoftAppId": "sync-app-id", "MicrosoftAppPassword": SECRET,
        "MicrosoftAppTenantId": "tenant-1", "GRAPH_BASE_URL": m365.sharepoint.url,
        "ENTRA_AUTHORITY_HOST": m365.entra.url, "REQUESTS_CA_BUNDLE": m365.trusting.verify,
        "REGISTER_SITE": SITE, "REGISTER_LIST": LIST, "LOG_LEVEL": "DEBUG",
    }
    first = await asyncio.to_thread(_cli, env, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["outcome"], report["added"]) == ("synced", len(ROWS_FOR_CLI))

    second = await asyncio.to_thread(_cli, env)
    assert second.returncode == 0 and "has not changed since the last sync" in second.stdout

    from stand_ins.sharepoint import Fault

    m365.sharepoint.faults.append(Fault(path_contains="delta", status=403))
    refused = await asyncio.to_thread(_cli, env)
    assert refused.returncode == 1 and "Sites.Selected" in refused.stderr
    status = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "status"], env=env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL)
    assert f"Register sync: the list '{LIST}', last " in status.stdout and ": failed (" in status.stdout
    assert "Sites.Selected" in status.stdout
    for run in (first, second, refused, status):
        assert SECRET not in run.stdout + run.stderr and SECRET[:7] not in run.stdout + run.stderr

    untrusted = await asyncio.to_thread(_cli, {**env, "REQUESTS_CA_BUNDLE": ""})
    assert untrusted.returncode == 1 and "set REQUESTS_CA_BUNDLE" in untrusted.stderr


async def test_behind_tls_inspection_both_trust_settings_reach_graph_over_https(db_url: str, m365: M365) -> None:
    """Graph over https with a private CA: aiohttp trusts it through SSL_CERT_FILE, msal through REQUESTS_CA_BUNDLE."""
    import asyncio
    import ssl

    from stand_ins.local_server import LocalServer
    from stand_ins.sharepoint import StandInSharePoint

    cert = str(m365.trusting.verify)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, str(Path(cert).with_name("stand-in.key")))
    secure = StandInSharePoint()
    await LocalServer.start(secure, context)
    m365.sharepoint = secure
    m365.make_register(ROWS_FOR_CLI)
    env = {
        **os.environ, "DATABASE_URL": db_url, "MicrosoftAppId": "sync-app-id", "MicrosoftAppPassword": SECRET,
        "MicrosoftAppTenantId": "tenant-1", "GRAPH_BASE_URL": secure.url, "ENTRA_AUTHORITY_HOST": m365.entra.url,
        "REQUESTS_CA_BUNDLE": cert, "SSL_CERT_FILE": cert, "REGISTER_SITE": SITE, "REGISTER_LIST": LIST,
    }
    try:
        trusted = await asyncio.to_thread(_cli, env)
        untrusted = await asyncio.to_thread(_cli, {**env, "SSL_CERT_FILE": ""})
    finally:
        await secure.stop()
    assert secure.url.startswith("https://")
    assert trusted.returncode == 0 and "2 added" in trusted.stdout, trusted.stderr
    assert untrusted.returncode == 1 and "set SSL_CERT_FILE" in untrusted.stderr


async def test_a_workbook_without_a_table_is_read_from_its_first_sheet(engine: AsyncEngine, m365: M365) -> None:
    """Many registers are a plain sheet, not an Excel table: the used range, header first, is the register."""
    m365.sharepoint.add_workbook("Register.xlsx", sheets={"Register": ([HEADER, *ROWS], [["General"] * 6, *FORMATS])})
    source = m365.source(REGISTER_LIST="", REGISTER_WORKBOOK="Register.xlsx")

    report = await sync_register(engine, source, m365.client(), today=TODAY)

    assert report.outcome == "synced" and report.added == 2, report.problems or report.message
    assert (await _register(engine))["MOPAC-2024-001"].end_date == date(2027, 3, 31)
