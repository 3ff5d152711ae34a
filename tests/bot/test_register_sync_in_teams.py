""""sync the register" typed in Teams: staff get the sync's summary; providers are told no.

The bot runs with app credentials (as in production) and reaches Microsoft 365 through the
Entra and SharePoint stand-ins; msal trusts the stand-in's CA through REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from conftest import APP_ID, PROVIDER_ID, STAFF_ID, TENANT, Activities, RunningBot, _running, settings_for
from stand_ins.connector import StandInConnector
from stand_ins.credentials import FixedTokenCredentialsFactory
from stand_ins.openid import StandInOpenId
from sync_fixtures import LIST, M365, SITE, TODAY
from teams_register import STAFF_EMAIL

from bot.app import create_app
from bot.settings import Secret
from bot.teams.handler import SYNC_STAFF_ONLY
from storage.db import create_engine, session_factory
from storage.models import AuditEntry

SYNCED = [{"reference": "OPCC-2026-901", "kind": "grant", "title": "Knife crime mentoring – Croydon",
           "provider": "Safer London", "value": "45000", "start_date": "2026-04-01", "end_date": "2027-03-31",
           "contract_manager": STAFF_EMAIL}]


@pytest.fixture
async def synced_bot(
    register_url: str, connector: StandInConnector, openid: StandInOpenId, m365: M365, monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningBot]:
    for name, value in {
        "REGISTER_SITE": SITE, "REGISTER_LIST": LIST, "REGISTER_SYNC_EVERY": "0",
        "GRAPH_BASE_URL": m365.sharepoint.url, "ENTRA_AUTHORITY_HOST": m365.entra.url,
        "REQUESTS_CA_BUNDLE": str(m365.trusting.verify),
    }.items():
        monkeypatch.setenv(name, value)
    m365.make_register(SYNCED)
    settings = settings_for(register_url, app_id=APP_ID, app_password=Secret("not-a-real-secret"),
                            app_type="SingleTenant", app_tenant_id=TENANT, openid_metadata_url=openid.metadata_url)
    app = create_app(settings, local=False, today=lambda: TODAY, credentials_factory=FixedTokenCredentialsFactory(APP_ID))
    async for running in _running(app, activities=Activities(connector.url), connector=connector, openid=openid,
                                  settings=settings):
        yield running


async def test_staff_sync_the_register_and_can_ask_about_what_it_brought(synced_bot: RunningBot) -> None:
    await synced_bot.post(synced_bot.activities.personal("sync the register", sender=STAFF_ID))
    reply = [sent.text for sent in synced_bot.connector.sent if sent.text]
    assert reply and reply[-1].startswith("Synced the list 'Commissioning register': 1 added")

    await synced_bot.post(synced_bot.activities.personal("who is the contact for OPCC-2026-901?", sender=STAFF_ID))
    assert "Knife crime mentoring" in str(synced_bot.connector.sent[-1].activity)

    engine = create_engine(synced_bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            from sqlalchemy import select

            actors = set((await session.scalars(
                select(AuditEntry.actor).where(AuditEntry.reference == "OPCC-2026-901"))).all())
    finally:
        await engine.dispose()
    assert actors == {f"Microsoft 365 sync (asked by {STAFF_EMAIL})"}


async def test_a_provider_may_not_sync_the_register(synced_bot: RunningBot, m365: M365) -> None:
    m365.sharepoint.requests.clear()
    await synced_bot.post(synced_bot.activities.personal("refresh the register", sender=PROVIDER_ID))
    assert synced_bot.connector.sent[-1].text == SYNC_STAFF_ONLY
    assert m365.sharepoint.requests == []
