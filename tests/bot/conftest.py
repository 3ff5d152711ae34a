"""Fixtures for the bot's HTTP tests: a register in a real database, the stand-in connector,
the bot's aiohttp app on a real port, and Teams-shaped activities to post to it.

`local_bot` runs the bot as `serve --local` does (no credentials). `secured_bot` runs it with
app credentials, the SDK validating tokens against a stand-in OpenID metadata endpoint; its
`post` signs each request with the stand-in's key unless told otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, ClientSession, ClientTimeout
from aiohttp.test_utils import TestServer
from stand_ins.connector import StandInConnector
from stand_ins.credentials import FixedTokenCredentialsFactory
from stand_ins.openid import StandInOpenId
from teams_register import (
    NORTHSIDE_CONTACT,
    SAFE_HARBOUR_CONTACT,
    STAFF_DOMAIN,
    STAFF_EMAIL,
    STRANGER_EMAIL,
    TODAY,
    write_register,
)

from bot.app import create_app
from bot.settings import Secret, Settings
from storage.db import create_engine, upgrade
from storage.register_import import import_register

TENANT = "11111111-2222-3333-4444-555555555555"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"
APP_ID = "00000000-0000-4000-8000-00000000b07d"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "Commissioning"

STAFF_ID = "29:staff-sam"
PROVIDER_ID = "29:provider-rae"
NORTHSIDE_ID = "29:provider-nia"
STRANGER_ID = "29:stranger"


@pytest.fixture
def register_url(db_url: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """`db_url` with the test register imported."""
    import_into(db_url, write_register(tmp_path / "register.csv"))
    return db_url


def import_into(db_url: str, path: Path) -> None:
    """Import a register file into `db_url` as the import command would, as of TODAY."""

    async def _load() -> None:
        engine = create_engine(db_url)
        try:
            await upgrade(engine)
            await import_register(engine, path, today=TODAY)
        finally:
            await engine.dispose()

    asyncio.run(_load())


@pytest.fixture
async def connector() -> AsyncIterator[StandInConnector]:
    stand_in = StandInConnector()
    stand_in.add_member(STAFF_ID, "Sam Staff", STAFF_EMAIL)
    stand_in.add_member(PROVIDER_ID, "Rae Returns", SAFE_HARBOUR_CONTACT)
    stand_in.add_member(NORTHSIDE_ID, "Nia North", NORTHSIDE_CONTACT)
    stand_in.add_member(STRANGER_ID, "Stranger", STRANGER_EMAIL)
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@dataclass
class Activities:
    """Teams-shaped activities addressed to the bot, replies going to `service_url`."""

    service_url: str
    tenant: str = TENANT
    counter: int = 0

    def _base(self, kind: str, conversation: dict[str, Any], sender: str, **extra: Any) -> dict[str, Any]:
        self.counter += 1
        channel_data = {"tenant": {"id": self.tenant}, **extra.pop("channel_data", {})}
        return {
            "type": kind,
            "id": f"activity-{self.counter}",
            "timestamp": "2026-11-20T10:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": sender, "name": "Someone", "aadObjectId": f"aad-{sender}"},
            "conversation": {"tenantId": self.tenant, **conversation},
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "locale": "en-GB",
            "channelData": channel_data,
            **extra,
        }

    def personal(self, text: str | None, sender: str = STAFF_ID, **extra: Any) -> dict[str, Any]:
        conversation = {"conversationType": "personal", "id": f"a:personal-{sender}"}
        return self._base("message", conversation, sender, text=text, textFormat="plain", **extra)

    def channel(self, text: str, *, mention: bool = True, sender: str = STAFF_ID) -> dict[str, Any]:
        at = f"<at>{BOT_NAME}</at>"
        conversation = {"conversationType": "channel", "isGroup": True, "id": "19:contracts@thread.tacv2;messageid=1763632800000"}
        entities = [{"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": at}] if mention else []
        return self._base(
            "message", conversation, sender,
            text=f"{at} {text}" if mention else text, textFormat="plain", entities=entities,
            channel_data={"teamsChannelId": "19:contracts@thread.tacv2", "teamsTeamId": "19:team@thread.tacv2",
                          "channel": {"id": "19:contracts@thread.tacv2"}, "team": {"id": "19:team@thread.tacv2"}},
        )

    def group_chat(self, text: str, *, mention: bool = True, sender: str = STAFF_ID) -> dict[str, Any]:
        at = f"<at>{BOT_NAME}</at>"
        conversation = {"conversationType": "groupChat", "isGroup": True, "id": "19:group-chat@thread.v2"}
        entities = [{"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": at}] if mention else []
        return self._base("message", conversation, sender, text=f"{at} {text}" if mention else text,
                          textFormat="plain", entities=entities)

    def card_submit(self, value: Any, sender: str = STAFF_ID, conversation_type: str = "personal") -> dict[str, Any]:
        if conversation_type == "personal":
            conversation = {"conversationType": "personal", "id": f"a:personal-{sender}"}
        else:
            conversation = {"conversationType": "channel", "isGroup": True, "id": "19:contracts@thread.tacv2;messageid=1763632800000"}
        return self._base("message", conversation, sender, value=value, replyToId="sent-1")

    def installation(self, action: str = "add", sender: str = STAFF_ID) -> dict[str, Any]:
        conversation = {"conversationType": "personal", "id": f"a:personal-{sender}"}
        return self._base("installationUpdate", conversation, sender, action=action)

    def bot_added_to_team(self, sender: str = STAFF_ID) -> dict[str, Any]:
        conversation = {"conversationType": "channel", "isGroup": True, "id": "19:team@thread.tacv2"}
        return self._base(
            "conversationUpdate", conversation, sender,
            membersAdded=[{"id": BOT_ID}],
            channel_data={"team": {"id": "19:team@thread.tacv2", "name": "Contracts"}, "eventType": "teamMemberAdded"},
        )


@dataclass
class RunningBot:
    """The bot's app listening on 127.0.0.1, and a client to post to it."""

    url: str
    http: ClientSession
    activities: Activities
    connector: StandInConnector
    openid: StandInOpenId | None = None
    settings: Settings = field(default_factory=Settings)

    async def post(self, activity: Any, *, token: str | None | bool = True, **options: Any) -> ClientResponse:
        headers = dict(options.pop("headers", {}))
        if token is True and self.openid is not None:
            token = self.openid.token(app_id=APP_ID, service_url=activity["serviceUrl"])
        if isinstance(token, str):
            headers["Authorization"] = f"Bearer {token}"
        if "data" in options:
            return await self.http.post(f"{self.url}/api/messages", headers=headers, **options)
        response = await self.http.post(f"{self.url}/api/messages", json=activity, headers=headers, **options)
        await response.read()
        return response


def settings_for(database_url: str, **changes: Any) -> Settings:
    values: dict[str, Any] = dict(database_url=database_url, staff_domains=(STAFF_DOMAIN,), max_request_bytes=256 * 1024)
    values.update(changes)
    return Settings(**values)


async def _running(app, **fields: Any) -> AsyncIterator[RunningBot]:  # type: ignore[no-untyped-def]
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with ClientSession(timeout=ClientTimeout(total=60)) as http:
        yield RunningBot(url=str(server.make_url("")).rstrip("/"), http=http, **fields)
    await server.close()


@pytest.fixture
async def local_bot(register_url: str, connector: StandInConnector) -> AsyncIterator[RunningBot]:
    """The bot as `serve --local` runs it, staff recognised by the mopac.example domain."""
    settings = settings_for(register_url)
    app = create_app(settings, local=True, today=lambda: TODAY)
    async for running in _running(app, activities=Activities(connector.url), connector=connector, settings=settings):
        yield running


@pytest.fixture
def openid() -> Any:
    stand_in = StandInOpenId().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
async def secured_bot(register_url: str, connector: StandInConnector, openid: StandInOpenId) -> AsyncIterator[RunningBot]:
    """The bot with app credentials: every request must carry a Bot Framework token."""
    settings = settings_for(
        register_url,
        app_id=APP_ID,
        app_password=Secret("not-a-real-secret"),
        app_type="SingleTenant",
        app_tenant_id=TENANT,
        openid_metadata_url=openid.metadata_url,
        emulator_openid_metadata_url=openid.metadata_url,
        allowed_service_urls=(connector.url,),
    )
    assert settings.refusal_to_serve("0.0.0.0", local=False) is None
    app = create_app(settings, local=False, today=lambda: TODAY, credentials_factory=FixedTokenCredentialsFactory(APP_ID))
    async for running in _running(
        app, activities=Activities(connector.url), connector=connector, openid=openid, settings=settings
    ):
        yield running
