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


def _point_at(m365: M365, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment an administrator sets: the register's site and list, Graph and Entra (the stand-ins)."""
    for name, value in {
        "REGISTER_SITE": SITE, "REGISTER_LIST": LIST, "REGISTER_SYNC_EVERY": "0",
        "GRAPH_BASE_URL": m365.sharepoint.url, "ENTRA_AUTHORITY_HOST": m365.entra.url,
        "REQUESTS_CA_BUNDLE": str(m365.trusting.verify),
    }.items():
        monkeypatch.setenv(name, value)


async def _bot_with_credentials(
    register_url: str, connector: StandInConnector, openid: StandInOpenId,
) -> AsyncIterator[RunningBot]:
    """The bot as in production: app credentials, every request signed, replies to the stand-in connector."""
    settings = settings_for(register_url, app_id=APP_ID, app_password=Secret("not-a-real-secret"),
                            app_type="SingleTenant", app_tenant_id=TENANT, openid_metadata_url=openid.metadata_url,
                            allowed_service_urls=(connector.url,))
    app = create_app(settings, local=False, today=lambda: TODAY, credentials_factory=FixedTokenCredentialsFactory(APP_ID))
    async for running in _running(app, activities=Activities(connector.url), connector=connector, openid=openid,
                                  settings=settings):
        yield running


@pytest.fixture
async def synced_bot(
    register_url: str, connector: StandInConnector, openid: StandInOpenId, m365: M365, monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningBot]:
    _point_at(m365, monkeypatch)
    m365.make_register(SYNCED)
    async for running in _bot_with_credentials(register_url, connector, openid):
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


WRITEBACK = '{"extended_to": "Extended to", "decision": "EndDecision"}'
EXTENDABLE = [{"reference": "OPCC-2026-902", "kind": "contract", "title": "Domestic abuse advocacy – Sutton",
               "provider": "Safer London", "value": "300000", "start_date": "2024-04-01", "end_date": "2027-03-31",
               "extension_options": "1+1", "contract_manager": STAFF_EMAIL}]


@pytest.fixture
def writeback() -> str:
    """REGISTER_WRITEBACK for `writing_bot` (a test can parametrize it)."""
    return WRITEBACK


@pytest.fixture
async def writing_bot(
    register_url: str, connector: StandInConnector, openid: StandInOpenId, m365: M365, monkeypatch: pytest.MonkeyPatch,
    writeback: str,
) -> AsyncIterator[RunningBot]:
    from stand_ins.sharepoint import SpColumn
    from sync_fixtures import COLUMNS

    monkeypatch.setenv("REGISTER_WRITEBACK", writeback)
    _point_at(m365, monkeypatch)
    m365.make_register(EXTENDABLE, [*COLUMNS, SpColumn("EndDecision", "End decision", "choice"),
                                    SpColumn("LatestReturn", "Latest return", "text")])
    async for running in _bot_with_credentials(register_url, connector, openid):
        yield running


def _decide(bot: RunningBot, decision: str) -> dict:
    return bot.activities.card_submit({"action": "alert_decide", "reference": "OPCC-2026-902", "decision": decision})


async def test_an_extension_is_written_back_to_the_list_with_if_match(writing_bot: RunningBot, m365: M365) -> None:
    await writing_bot.post(writing_bot.activities.personal("sync the register"))
    assert m365.register is not None
    etag_when_read = m365.register.item_etag("1")

    await writing_bot.post(_decide(writing_bot, "extend"))

    assert writing_bot.connector.sent[-1].text.startswith("Recorded")
    [write] = m365.register.writes
    assert (write.status, write.if_match) == (200, etag_when_read)
    stored = m365.register.values("1")
    assert stored["ExtendedTo"] == "2028-03-30T23:00:00Z"  # 31 March 2028, midnight in London
    assert stored["EndDecision"] == "Extend"

    m365.sharepoint.requests.clear()
    await writing_bot.post(writing_bot.activities.personal("sync the register"))
    assert "0 added, 0 changed, 1 unchanged" in writing_bot.connector.sent[-1].text  # our own write reads back the same


async def test_an_item_changed_in_sharepoint_is_not_overwritten_and_the_person_is_told(
    writing_bot: RunningBot, m365: M365,
) -> None:
    await writing_bot.post(writing_bot.activities.personal("sync the register"))
    assert m365.register is not None
    m365.register.update_item("1", {"Title": "Domestic abuse advocacy – Sutton and Merton"})  # an edit in SharePoint

    await writing_bot.post(_decide(writing_bot, "end"))

    reply = writing_bot.connector.sent[-1].text
    assert reply.startswith("Recorded") and "not written to the SharePoint list" in reply
    assert "End decision" in reply
    assert [w.status for w in m365.register.writes] == [412]
    assert "EndDecision" not in m365.register.values("1")


async def test_a_refused_write_back_shows_in_status_and_goes_through_after_the_next_sync(
    writing_bot: RunningBot, m365: M365,
) -> None:
    from storage.register_sync import recent_writeback_problems

    await writing_bot.post(writing_bot.activities.personal("sync the register"))
    assert m365.register is not None
    m365.register.update_item("1", {"Title": "Domestic abuse advocacy – Sutton and Merton"})
    await writing_bot.post(_decide(writing_bot, "recommission"))

    engine = create_engine(writing_bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            [problem] = await recent_writeback_problems(session)
        assert (problem.reference, problem.outcome, problem.actor) == ("OPCC-2026-902", "conflict", STAFF_EMAIL)

        await writing_bot.post(writing_bot.activities.personal("sync the register"))  # brings the new eTag in

        assert m365.register.values("1")["EndDecision"] == "Re-commission"
        assert m365.register.values("1")["Title"] == "Domestic abuse advocacy – Sutton and Merton"  # their edit kept
        async with session_factory(engine)() as session:
            assert await recent_writeback_problems(session) == []
    finally:
        await engine.dispose()

