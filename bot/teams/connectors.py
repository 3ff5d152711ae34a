"""Bot Framework authentication that reuses connector and token clients between turns.

Under `CloudAdapter` every turn builds a new `ConnectorClient` and a new user-token client.
Each costs several milliseconds of CPU (msrest builds its retry table afresh), opens a new
HTTP session (a new TLS handshake to the Bot Connector per reply) and, with a password, a new
MSAL app that asks Entra for a fresh token (docs/teams-sdk.md trap 5). Clients are safe to share:
credentials sign every request afresh and MSAL caches tokens until they expire. So clients are
kept per (app id, service URL, audience), a few dozen at most.

It also closes what the SDK leaves open when credentials are set (docs/teams-sdk.md, "Auth"):
- emulator-issued tokens are refused unless `allow_emulator_tokens` (ALLOW_EMULATOR_TOKENS) —
  they carry no serviceUrl claim, so nothing would bind where the bot sends its token;
- tokens without `exp` are refused (PyJWT checks `exp` only when present);
- a connector client — which signs every request with the bot's own bearer token — is made
  only for a service URL on the allow-list (`Settings.service_url_allowed`), for replies and
  proactive sends alike.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
    EmulatorValidation,
    UserTokenClient,
)

CLIENTS_KEPT = 64


class ServiceUrlRefused(PermissionError):
    """The bot was asked to talk to (and so send its token to) a service URL not on the allow-list."""


def is_emulator_token(auth_header: str) -> bool:
    """True when the bearer token names one of the Bot Framework emulator's issuers (signature unchecked)."""
    try:
        return bool(EmulatorValidation.is_token_from_emulator(auth_header))
    except Exception:  # noqa: BLE001 - not a readable JWT at all: the SDK's validation refuses it
        return False


def host_of(url: str) -> str:
    """The host of a URL, for a log line (never the path, which may carry ids)."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


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
    def __init__(self, inner: ConnectorFactory, app_id: str, kept: _Kept, allowed: Callable[[str], bool]) -> None:
        self._inner = inner
        self._app_id = app_id
        self._kept = kept
        self._allowed = allowed

    async def create(self, service_url: str, audience: str = None):  # type: ignore[no-untyped-def, assignment]
        if not self._allowed(service_url):
            raise ServiceUrlRefused(f"{host_of(service_url or '')} is not on ALLOWED_SERVICE_URLS")
        key = (self._app_id, service_url or "", audience or "")
        client = self._kept.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._kept.put(key, client)
        return client


class ReusingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's configuration-driven authentication, with its clients kept for reuse."""

    def __init__(self, configuration: Any, *, local: bool = False, **options: Any) -> None:
        """`configuration` is `bot.settings.Settings`; `local` adds loopback service URLs (no token is sent then)."""
        super().__init__(configuration, **options)
        self._secured = bool(configuration.APP_ID)
        self._allow_emulator = local or bool(getattr(configuration, "allow_emulator_tokens", False))
        self._service_url_allowed: Callable[[str], bool] = lambda url: configuration.service_url_allowed(url, local=local)
        self._connectors = _Kept(CLIENTS_KEPT)
        self._token_clients = _Kept(CLIENTS_KEPT)

    def service_url_allowed(self, service_url: str) -> bool:
        return self._service_url_allowed(service_url)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        """The SDK's validation, then the checks it lacks; any failure raises `PermissionError` (a 401)."""
        if self._secured and not self._allow_emulator and is_emulator_token(auth_header):
            raise PermissionError("Emulator tokens are not accepted (ALLOW_EMULATOR_TOKENS is off)")
        result = await super().authenticate_request(activity, auth_header)
        if self._secured:
            claims = result.claims_identity.claims if result.claims_identity and result.claims_identity.claims else {}
            expiry = claims.get("exp")
            if isinstance(expiry, bool) or not isinstance(expiry, (int, float)):
                raise PermissionError("The token has no expiry (exp)")
        if result.connector_factory is not None:
            result.connector_factory = _KeptConnectorFactory(
                result.connector_factory, app_id_of(result.claims_identity), self._connectors, self._service_url_allowed
            )
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """Also used for proactive sends: the same kept clients, the same allow-list."""
        return _KeptConnectorFactory(
            super().create_connector_factory(claims_identity), app_id_of(claims_identity), self._connectors,
            self._service_url_allowed,
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = (app_id_of(claims_identity),)
        client = self._token_clients.get(key)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients.put(key, client)
        return client
