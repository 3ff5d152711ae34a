"""With app credentials configured, /api/messages accepts only requests the SDK authenticates.

Tokens are checked by the SDK's own JWT validation against a stand-in OpenID metadata and JWKS
endpoint serving a local RSA key: a token signed with that key is accepted, anything else is 401.
"""

from __future__ import annotations

import time

import jwt
import pytest
from conftest import APP_ID, OTHER_TENANT, RunningBot
from stand_ins.connector import StandInConnector
from stand_ins.credentials import STAND_IN_TOKEN, FixedTokenCredentialsFactory
from stand_ins.openid import EMULATOR_ISSUER, new_key
from teams_register import QUARTER_QUESTION

from bot.teams.handler import TENANT_REFUSED


async def test_a_request_without_a_token_is_refused_with_401(secured_bot: RunningBot) -> None:
    """No Authorization header: 401, and the bot does nothing."""
    response = await secured_bot.post(secured_bot.activities.personal("help"), token=None)
    assert response.status == 401
    assert secured_bot.connector.sent == []


async def test_a_token_signed_with_another_key_is_refused_with_401(secured_bot: RunningBot) -> None:
    """A forged token (right claims, wrong key) is refused."""
    activity = secured_bot.activities.personal("help")
    forged = secured_bot.openid.token(app_id=APP_ID, service_url=activity["serviceUrl"], key=new_key())
    response = await secured_bot.post(activity, token=forged)
    assert response.status == 401
    assert secured_bot.connector.sent == []


async def test_tokens_with_wrong_claims_are_refused_with_401(secured_bot: RunningBot) -> None:
    """Another bot's audience, another issuer, an expired token, a mismatched serviceUrl, garbage."""
    activity = secured_bot.activities.personal("help")
    url = activity["serviceUrl"]
    openid = secured_bot.openid
    now = int(time.time())
    bad = [
        openid.token(app_id="someone-elses-bot", service_url=url),
        openid.token(app_id=APP_ID, service_url=url, iss="https://evil.example"),
        openid.token(app_id=APP_ID, service_url=url, exp=now - 3600, nbf=now - 7200),
        openid.token(app_id=APP_ID, service_url="https://smba.trafficmanager.net/other/"),
        jwt.encode({"iss": "https://api.botframework.com", "aud": APP_ID}, "a-shared-secret-that-is-long-enough-for-hs256", algorithm="HS256"),
        "not-a-jwt-at-all",
    ]
    for token in bad:
        response = await secured_bot.post(activity, token=token)
        assert response.status == 401, token
    response = await secured_bot.post(activity, headers={"Authorization": "Basic dXNlcjpwYXNz"}, token=None)
    assert response.status == 401
    assert secured_bot.connector.sent == []


async def test_a_correctly_signed_request_is_answered(secured_bot: RunningBot) -> None:
    """A token from the (stand-in) Bot Framework is accepted and the reply is sent with a token."""
    response = await secured_bot.post(secured_bot.activities.personal(QUARTER_QUESTION))
    assert response.status in (200, 201)
    [reply] = secured_bot.connector.sent
    assert reply.cards
    assert reply.authorization == f"Bearer {STAND_IN_TOKEN}"
    assert any(path.startswith("/keys") for path in secured_bot.openid.requests)  # the SDK really checked


async def test_another_tenant_is_refused_politely(secured_bot: RunningBot) -> None:
    """A signed message from a tenant not on the allow-list gets a refusal, not an answer."""
    secured_bot.activities.tenant = OTHER_TENANT
    await secured_bot.post(secured_bot.activities.personal(QUARTER_QUESTION))
    await secured_bot.post(secured_bot.activities.channel(QUARTER_QUESTION))
    await secured_bot.post(secured_bot.activities.installation("add"))
    assert [s.text for s in secured_bot.connector.sent] == [TENANT_REFUSED]
    assert secured_bot.connector.member_lookups == []


async def test_an_activity_without_a_tenant_is_refused(secured_bot: RunningBot) -> None:
    """No channelData.tenant at all is not the app's tenant either."""
    activity = secured_bot.activities.personal(QUARTER_QUESTION)
    del activity["channelData"]["tenant"]
    activity["conversation"].pop("tenantId")
    await secured_bot.post(activity)
    assert [s.text for s in secured_bot.connector.sent] == [TENANT_REFUSED]


async def test_the_app_password_never_reaches_the_logs(secured_bot: RunningBot, caplog) -> None:  # type: ignore[no-untyped-def]
    """Refused, failed and answered requests alike log nothing of the client secret."""
    import logging

    caplog.set_level(logging.DEBUG)
    secured_bot.connector.fail_next("500", times=2)
    await secured_bot.post(secured_bot.activities.personal(QUARTER_QUESTION))
    await secured_bot.post(secured_bot.activities.personal("help"), token="forged")
    await secured_bot.post(secured_bot.activities.personal("help"))
    assert caplog.records, "expected the failures to be logged"
    assert secured_bot.settings.app_password.reveal() not in caplog.text


async def _stored_conversations(settings) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from storage.db import create_engine
    from storage.models import ConversationRef

    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(ConversationRef))).scalar_one())
    finally:
        await engine.dispose()


async def test_an_emulator_issued_token_is_refused_in_production(secured_bot: RunningBot) -> None:
    """A validly signed Bot Framework emulator token binds no serviceUrl, so with credentials it is refused."""
    activity = secured_bot.activities.personal("help")
    emulator = secured_bot.openid.token(
        app_id=APP_ID, service_url=None, iss=EMULATOR_ISSUER, ver="1.0", appid=APP_ID, aud=APP_ID
    )
    response = await secured_bot.post(activity, token=emulator)
    assert response.status == 401
    assert secured_bot.connector.sent == []
    assert secured_bot.connector.member_lookups == []


async def test_a_token_without_an_expiry_is_refused(secured_bot: RunningBot) -> None:
    """A channel token with no `exp` would be good for ever: 401."""
    activity = secured_bot.activities.personal("help")
    endless = secured_bot.openid.token(app_id=APP_ID, service_url=activity["serviceUrl"], exp=None)
    response = await secured_bot.post(activity, token=endless)
    assert response.status == 401
    assert secured_bot.connector.sent == []


async def test_a_service_url_off_the_allow_list_gets_neither_a_reply_nor_the_bots_token(secured_bot: RunningBot) -> None:
    """A correctly signed activity naming a foreign serviceUrl is refused before anything is stored or sent."""
    elsewhere = StandInConnector()
    await elsewhere.start()
    try:
        secured_bot.activities.service_url = elsewhere.url
        activity = secured_bot.activities.personal(QUARTER_QUESTION)
        token = secured_bot.openid.token(app_id=APP_ID, service_url=elsewhere.url)
        before = await _stored_conversations(secured_bot.settings)
        response = await secured_bot.post(activity, token=token)
        assert response.status == 403
        assert elsewhere.sent == [] and elsewhere.member_lookups == []
        assert secured_bot.connector.sent == []
        assert await _stored_conversations(secured_bot.settings) == before
    finally:
        await elsewhere.stop()


async def test_a_proactive_send_to_a_stored_foreign_service_url_carries_no_token(secured_bot: RunningBot) -> None:
    """An alert for a conversation stored with a service URL off the allow-list fails for good, unsent."""
    from alert_delivery_data import reference

    from bot.app import ADAPTER, create_app
    from bot.teams.proactive import make_send
    from notifications.delivery import PermanentSendError

    elsewhere = StandInConnector()
    await elsewhere.start()
    try:
        app = create_app(secured_bot.settings, local=False, credentials_factory=FixedTokenCredentialsFactory(APP_ID))
        send = make_send(app[ADAPTER], APP_ID)
        card = {"type": "AdaptiveCard", "version": "1.5", "body": [], "fallbackText": "Alert"}
        with pytest.raises(PermanentSendError, match="ALLOWED_SERVICE_URLS"):
            await send(reference(elsewhere.url, "a:personal-x", "personal"), card)
        assert elsewhere.sent == []
        await send(reference(secured_bot.connector.url, "a:personal-x", "personal"), card)  # the allowed one still works
        [sent] = secured_bot.connector.sent
        assert sent.authorization == f"Bearer {STAND_IN_TOKEN}"
    finally:
        await elsewhere.stop()
