"""Installing the bot for a person through Microsoft Graph, so reminders can reach them first.

`GraphInstaller.install_for(email)`:
1. gets an app-only token (msal `ConfidentialClientApplication.acquire_token_for_client`, run
   in a thread because msal is synchronous; msal caches the token until it nearly expires);
2. looks the person up: `GET /v1.0/users/{email}?$select=id` (404 → unknown user);
3. installs the app in their personal scope: `POST /v1.0/users/{id}/teamwork/installedApps`
   binding `appCatalogs/teamsApps/{TEAMS_CATALOG_APP_ID}` (201 installed; 409 already
   installed; 403 the tenant has not granted `TeamsAppInstallation.ReadWriteSelfForUser.All`).

429 and 503 are retried a few times, waiting `Retry-After` (bounded). Teams then sends the bot
an installationUpdate/conversationUpdate for that user, which the handler already stores as a
conversation reference; the sender's next pass delivers. Tokens and secrets are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.proactive import retry_after_seconds
from bot.settings import Secret, Settings
from notifications.installs import InstallResult

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
PERMISSION = "TeamsAppInstallation.ReadWriteSelfForUser.All"

NOT_ALLOWED = f"the tenant has not granted the app the Graph permission {PERMISSION} (an administrator must grant it)"
UNKNOWN_USER = "there is no such user in the organisation's directory"
NO_TOKEN = "could not get a Graph token ({error})"
GRAPH_FAILED = "Graph answered {status}"
TOO_BUSY = "Graph was too busy (HTTP {status}) after {tries} tries"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})

Token = Callable[[], Awaitable[str]]


class GraphRefused(Exception):
    """A Graph call failed in a way that ends this attempt; the message is safe to show."""


@dataclass(frozen=True)
class GraphSettings:
    """GRAPH_INSTALL and friends; installation is on only when asked for and fully configured."""

    enabled: bool = False
    app_id: str = ""
    app_password: Secret = field(default_factory=lambda: Secret(""))
    tenant_id: str = ""
    catalog_app_id: str = ""
    graph_base_url: str = DEFAULT_GRAPH_BASE_URL
    authority_host: str = DEFAULT_AUTHORITY_HOST

    @classmethod
    def from_environ(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> GraphSettings:
        env = os.environ if environ is None else environ
        catalog = env.get("TEAMS_CATALOG_APP_ID", "").strip()
        wanted = env.get("GRAPH_INSTALL", "").strip().lower() in TRUE_WORDS
        configured = bool(settings.app_id and settings.app_password and settings.app_tenant_id and catalog)
        if wanted and not configured:
            log.warning("GRAPH_INSTALL is on but MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId "
                        "and TEAMS_CATALOG_APP_ID are not all set: the app will not be installed for people")
        return cls(
            enabled=wanted and configured,
            app_id=settings.app_id,
            app_password=settings.app_password,
            tenant_id=settings.app_tenant_id,
            catalog_app_id=catalog,
            graph_base_url=(env.get("GRAPH_BASE_URL", "") or DEFAULT_GRAPH_BASE_URL).strip().rstrip("/"),
            authority_host=(env.get("ENTRA_AUTHORITY_HOST", "") or DEFAULT_AUTHORITY_HOST).strip().rstrip("/"),
        )


def msal_token(settings: GraphSettings, **msal_options: Any) -> Token:
    """An app-only Graph token from Entra through msal, made in a thread; msal caches it.

    `msal_options` go to `ConfidentialClientApplication` (tests pass `http_client`,
    `validate_authority=False` and `instance_discovery=False` to reach a local stand-in).
    """
    application: list[Any] = []

    def acquire() -> str:
        import msal

        if not application:
            application.append(msal.ConfidentialClientApplication(
                client_id=settings.app_id, client_credential=settings.app_password.reveal(),
                authority=f"{settings.authority_host}/{settings.tenant_id}", **msal_options,
            ))
        result = application[0].acquire_token_for_client([GRAPH_SCOPE])
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            raise GraphRefused(NO_TOKEN.format(error=str((result or {}).get("error") or "no token")[:100]))
        return str(token)

    async def token() -> str:
        try:
            return await asyncio.to_thread(acquire)
        except GraphRefused:
            raise
        except Exception as error:  # noqa: BLE001 - msal/requests errors carry no secrets, but keep them short
            raise GraphRefused(NO_TOKEN.format(error=type(error).__name__)) from None

    return token


class GraphInstaller:
    """Installs the catalogue app for one user; an `Install` for `notifications.sender`."""

    def __init__(
        self, settings: GraphSettings, *, token: Token | None = None, max_tries: int = 4, max_wait: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, timeout: float = 30.0,
    ) -> None:
        self._settings = settings
        self._token = token or msal_token(settings)
        self._max_tries = max_tries
        self._max_wait = max_wait
        self._sleep = sleep
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def install_for(self, email: str) -> InstallResult:
        """Install the app for `email`: installed, not_allowed, unknown_user or failed."""
        graph = self._settings.graph_base_url
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as http:
                status, body = await self._call(http, "GET", f"{graph}/v1.0/users/{quote(email, safe='@')}?$select=id")
                if status == 404:
                    return InstallResult("unknown_user", UNKNOWN_USER)
                if status == 403:
                    return InstallResult("not_allowed", NOT_ALLOWED)
                if status != 200 or not body.get("id"):
                    return InstallResult("failed", GRAPH_FAILED.format(status=status))
                bind = {"teamsApp@odata.bind": f"{graph}/v1.0/appCatalogs/teamsApps/{self._settings.catalog_app_id}"}
                status, _ = await self._call(http, "POST", f"{graph}/v1.0/users/{quote(str(body['id']))}/teamwork/installedApps", bind)
        except GraphRefused as refused:
            return InstallResult("failed", str(refused))
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return InstallResult("failed", f"could not reach Graph ({type(error).__name__})")
        if status in (200, 201, 204, 409):
            log.info("Installed the app for a user through Graph (HTTP %s)", status)
            return InstallResult("installed")
        if status == 403:
            return InstallResult("not_allowed", NOT_ALLOWED)
        if status == 404:
            return InstallResult("failed", "the app is not in the organisation's app catalogue (check TEAMS_CATALOG_APP_ID)")
        return InstallResult("failed", GRAPH_FAILED.format(status=status))

    async def _call(self, http: aiohttp.ClientSession, method: str, url: str,
                    body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        """One Graph request, retried on 429/503 after `Retry-After` (at most `max_wait` each)."""
        for attempt in range(1, self._max_tries + 1):
            headers = {"Authorization": f"Bearer {await self._token()}"}
            async with http.request(method, url, json=body, headers=headers) as response:
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
