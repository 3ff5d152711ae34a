"""The one Microsoft Graph client: app-only tokens through msal, plain REST through aiohttp.

Every Graph call the bot makes goes through `GraphClient.request`: app installation today,
register sync and write-back next. Graph throttles with 429 or 503 and `Retry-After`; those are
retried a few times, each wait bounded, then refused with a message that is safe to show.
Tokens and secrets are never logged or put into an error.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.settings import Secret, Settings
from notifications.delivery import retry_after_seconds

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"

NO_TOKEN = "could not get a Graph token ({error})"
# The token endpoint's free text may echo the request, client secret included, so only these
# words (RFC 6749 and the ones Entra adds) and Entra's numeric AADSTS codes are ever repeated.
OAUTH_ERRORS = frozenset({
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
    "invalid_scope", "invalid_resource", "interaction_required", "temporarily_unavailable", "server_error",
    "access_denied", "consent_required",
})
TOO_BUSY = "Graph was too busy (HTTP {status}) after {tries} tries"

Token = Callable[[], Awaitable[str]]


class GraphRefused(Exception):
    """A Graph call failed in a way that ends this attempt; the message is safe to show."""


@dataclass(frozen=True)
class GraphConnection:
    """Who the app is in Entra and where Graph and the authority are (`GRAPH_BASE_URL`, `ENTRA_AUTHORITY_HOST`)."""

    app_id: str = ""
    app_password: Secret = field(default_factory=lambda: Secret(""))
    tenant_id: str = ""
    graph_base_url: str = DEFAULT_GRAPH_BASE_URL
    authority_host: str = DEFAULT_AUTHORITY_HOST

    @property
    def configured(self) -> bool:
        """True when there is an app id, a secret and a tenant to ask for a token."""
        return bool(self.app_id and self.app_password and self.tenant_id)

    @classmethod
    def from_environ(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> GraphConnection:
        env = os.environ if environ is None else environ
        return cls(
            app_id=settings.app_id,
            app_password=settings.app_password,
            tenant_id=settings.app_tenant_id,
            graph_base_url=(env.get("GRAPH_BASE_URL", "") or DEFAULT_GRAPH_BASE_URL).strip().rstrip("/"),
            authority_host=(env.get("ENTRA_AUTHORITY_HOST", "") or DEFAULT_AUTHORITY_HOST).strip().rstrip("/"),
        )


def msal_token(connection: GraphConnection, **msal_options: Any) -> Token:
    """An app-only Graph token from Entra through msal, made in a thread; msal caches it.

    `msal_options` go to `ConfidentialClientApplication` (tests pass `http_client`,
    `validate_authority=False` and `instance_discovery=False` to reach a local stand-in).
    """
    application: list[Any] = []

    def acquire() -> str:
        import msal

        if not application:
            application.append(msal.ConfidentialClientApplication(
                client_id=connection.app_id, client_credential=connection.app_password.reveal(),
                authority=f"{connection.authority_host}/{connection.tenant_id}", **msal_options,
            ))
        result = application[0].acquire_token_for_client([GRAPH_SCOPE])
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            raise GraphRefused(NO_TOKEN.format(error=token_error(result)))
        return str(token)

    async def token() -> str:
        try:
            return await asyncio.to_thread(acquire)
        except GraphRefused:
            raise
        except Exception as error:  # noqa: BLE001 - msal/requests errors carry no secrets, but keep them short
            raise GraphRefused(NO_TOKEN.format(error=type(error).__name__)) from None

    return token


def token_error(result: object) -> str:
    """What went wrong getting a token, in words safe to log, store and show.

    Never the endpoint's own text: a misbehaving endpoint or proxy may echo the request body,
    and with it the client secret (and any cut of it is part of the secret too).
    """
    answer = result if isinstance(result, dict) else {}
    error = answer.get("error")
    words = error if isinstance(error, str) and error in OAUTH_ERRORS else ("an unrecognised error" if error else "no token")
    codes = [code for code in answer.get("error_codes") or () if isinstance(code, int) and not isinstance(code, bool)]
    return words + (f", AADSTS{codes[0]}" if codes else "")


class GraphClient:
    """Graph requests with an app-only bearer token, retried on throttling."""

    def __init__(
        self, connection: GraphConnection, *, token: Token | None = None, max_tries: int = 4, max_wait: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, timeout: float = 30.0,
    ) -> None:
        self.connection = connection
        self._token = token or msal_token(connection)
        self._max_tries = max_tries
        self._max_wait = max_wait
        self._sleep = sleep
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def url(self, path: str) -> str:
        """`/v1.0/users/x` → the full URL under `GRAPH_BASE_URL`; a full URL (a `nextLink`) stays as it is."""
        return path if path.startswith(("https://", "http://")) else f"{self.connection.graph_base_url}{path}"

    def session(self) -> aiohttp.ClientSession:
        """An HTTP session for a batch of requests (close it with `async with`)."""
        return aiohttp.ClientSession(timeout=self._timeout)

    async def request(self, http: aiohttp.ClientSession, method: str, path: str,
                      body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        """One Graph request, retried on 429/503 after `Retry-After` (at most `max_wait` each).

        Returns the status and, for a 200, the JSON object answered (else an empty dict).
        """
        for attempt in range(1, self._max_tries + 1):
            headers = {"Authorization": f"Bearer {await self._token()}"}
            async with http.request(method, self.url(path), json=body, headers=headers) as response:
                status = response.status
                if status in (429, 503) and attempt < self._max_tries:
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                    await self._sleep(min(self._max_wait, wait if wait is not None else 2.0 ** attempt))
                    continue
                if status in (429, 503):
                    raise GraphRefused(TOO_BUSY.format(status=status, tries=attempt))
                payload = await response.json(content_type=None) if status == 200 else {}
                return status, payload if isinstance(payload, dict) else {}
        raise GraphRefused(TOO_BUSY.format(status=429, tries=self._max_tries))
