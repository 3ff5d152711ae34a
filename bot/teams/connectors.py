"""Bot Framework authentication that reuses connector and token clients between turns.

Under `CloudAdapter` every turn builds a new `ConnectorClient` and a new user-token client.
Each costs several milliseconds of CPU (msrest builds its retry table afresh), opens a new
HTTP session (a new TLS handshake to the Bot Connector per reply) and, with a password, a new
MSAL app that asks Entra for a fresh token (docs/teams-sdk.md trap 5). Clients are safe to share:
credentials sign every request afresh and MSAL caches tokens until they expire. So clients are
kept per (app id, service URL, audience), a few dozen at most.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

CLIENTS_KEPT = 64


class _Kept:
    """A small least-recently-used map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, ...], Any] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> Any | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: tuple[str, ...], value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


def app_id_of(claims_identity: ClaimsIdentity | None) -> str:
    """The bot's app id in a request's claims: `aud` from channels, `appid` otherwise; "" when anonymous."""
    claims = claims_identity.claims if claims_identity and claims_identity.claims else {}
    return str(claims.get("aud") or claims.get("appid") or "")


class _KeptConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, app_id: str, kept: _Kept) -> None:
        self._inner = inner
        self._app_id = app_id
        self._kept = kept

    async def create(self, service_url: str, audience: str = None):  # type: ignore[no-untyped-def, assignment]
        key = (self._app_id, service_url or "", audience or "")
        client = self._kept.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._kept.put(key, client)
        return client


class ReusingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's configuration-driven authentication, with its clients kept for reuse."""

    def __init__(self, configuration: Any, **options: Any) -> None:
        super().__init__(configuration, **options)
        self._connectors = _Kept(CLIENTS_KEPT)
        self._token_clients = _Kept(CLIENTS_KEPT)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _KeptConnectorFactory(
                result.connector_factory, app_id_of(result.claims_identity), self._connectors
            )
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """Also used for proactive sends: the same kept clients."""
        return _KeptConnectorFactory(
            super().create_connector_factory(claims_identity), app_id_of(claims_identity), self._connectors
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = (app_id_of(claims_identity),)
        client = self._token_clients.get(key)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients.put(key, client)
        return client
