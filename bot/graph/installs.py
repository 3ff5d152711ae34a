"""Installing the bot for a person through Microsoft Graph, so reminders can reach them first.

`GraphInstaller.install_for(email)`, through the one `GraphClient`:
1. looks the person up: `GET /v1.0/users/{email}?$select=id` (404 → unknown user);
2. installs the app in their personal scope: `POST /v1.0/users/{id}/teamwork/installedApps`
   binding `appCatalogs/teamsApps/{TEAMS_CATALOG_APP_ID}` (201 installed; 409 already
   installed; 403 the tenant has not granted `TeamsAppInstallation.ReadWriteSelfForUser.All`).

Teams then sends the bot an installationUpdate/conversationUpdate for that user, which the
handler already stores as a conversation reference; the sender's next pass delivers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.graph.client import GraphClient, GraphConnection, GraphRefused, Token
from bot.settings import Settings
from notifications.installs import InstallResult

log = logging.getLogger(__name__)

PERMISSION = "TeamsAppInstallation.ReadWriteSelfForUser.All"

NOT_ALLOWED = f"the tenant has not granted the app the Graph permission {PERMISSION} (an administrator must grant it)"
UNKNOWN_USER = "there is no such user in the organisation's directory"
GRAPH_FAILED = "Graph answered {status}"
NOT_IN_CATALOGUE = "the app is not in the organisation's app catalogue (check TEAMS_CATALOG_APP_ID)"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class GraphSettings:
    """GRAPH_INSTALL and TEAMS_CATALOG_APP_ID; installation is on only when asked for and fully configured."""

    enabled: bool = False
    catalog_app_id: str = ""
    connection: GraphConnection = field(default_factory=GraphConnection)

    @classmethod
    def from_environ(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> GraphSettings:
        env = os.environ if environ is None else environ
        connection = GraphConnection.from_environ(settings, env)
        catalog = env.get("TEAMS_CATALOG_APP_ID", "").strip()
        wanted = env.get("GRAPH_INSTALL", "").strip().lower() in TRUE_WORDS
        configured = connection.configured and bool(catalog)
        if wanted and not configured:
            log.warning("GRAPH_INSTALL is on but MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId "
                        "and TEAMS_CATALOG_APP_ID are not all set: the app will not be installed for people")
        return cls(enabled=wanted and configured, catalog_app_id=catalog, connection=connection)


class GraphInstaller:
    """Installs the catalogue app for one user; an `Install` for `notifications.sender`."""

    def __init__(self, settings: GraphSettings, *, token: Token | None = None, **client_options: Any) -> None:
        self._settings = settings
        self._graph = GraphClient(settings.connection, token=token, **client_options)

    async def install_for(self, email: str) -> InstallResult:
        """Install the app for `email`: installed, not_allowed, unknown_user or failed."""
        graph = self._graph
        try:
            async with graph.session() as http:
                status, body = await graph.request(http, "GET", f"/v1.0/users/{quote(email, safe='@')}?$select=id")
                if status == 404:
                    return InstallResult("unknown_user", UNKNOWN_USER)
                if status == 403:
                    return InstallResult("not_allowed", NOT_ALLOWED)
                if status != 200 or not body.get("id"):
                    return InstallResult("failed", GRAPH_FAILED.format(status=status))
                bind = {"teamsApp@odata.bind": graph.url(f"/v1.0/appCatalogs/teamsApps/{self._settings.catalog_app_id}")}
                # Installing twice is harmless (Graph answers 409, taken as installed), so a drop is retried.
                status, _ = await graph.request(http, "POST", f"/v1.0/users/{quote(str(body['id']))}/teamwork/installedApps",
                                                bind, retry_dropped=True)
        except GraphRefused as refused:
            return InstallResult("failed", str(refused))
        except (TimeoutError, aiohttp.ClientError) as error:
            return InstallResult("failed", f"could not reach Graph ({type(error).__name__})")
        if status in (200, 201, 204, 409):
            log.info("Installed the app for a user through Graph (HTTP %s)", status)
            return InstallResult("installed")
        if status == 403:
            return InstallResult("not_allowed", NOT_ALLOWED)
        if status == 404:
            return InstallResult("failed", NOT_IN_CATALOGUE)
        return InstallResult("failed", GRAPH_FAILED.format(status=status))
