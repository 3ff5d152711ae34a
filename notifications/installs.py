"""Installing the app for a person who cannot be reached yet, at most once per person.

A provider or contract manager who has never talked to the bot (and was never seen in a
channel) has no conversation the bot may write to. Where the tenant allows it, `bot/graph/installs.py`
installs the app in their personal scope through Microsoft Graph; Teams then tells the bot
(`installationUpdate`/`conversationUpdate`), the existing handler stores the conversation
reference, and the sender's next pass delivers. Otherwise the alert waits for first contact.

`notifications/` never imports msal or HTTP clients: the composition root hands the sender an
`Install` function. Attempts are remembered in the database (`storage/app_installs.py`) so
restarts and several replicas never ask Graph twice for the same person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.app_installs import INSTALLED, claim_install, install_attempt, record_install

INSTALLING = "Installing the app for {who}: alerts go out once Teams confirms it is installed."
CANNOT_INSTALL = "Cannot install the app for {who}: {reason}. This waits until they talk to the bot."


@dataclass(frozen=True)
class InstallResult:
    """What one install attempt came to.

    `outcome` is `installed` (409 "already installed" counts), `not_allowed` (403: the tenant
    has not granted the permission), `unknown_user` (404) or `failed` (anything else);
    `reason` says it in words for `status`, without secrets.
    """

    outcome: str
    reason: str = ""

    @property
    def installed(self) -> bool:
        return self.outcome == INSTALLED


# Installs the app for one person, by email.
Install = Callable[[str], Awaitable[InstallResult]]


async def install_once(sessions: async_sessionmaker[AsyncSession], install: Install, email: str,
                       now: datetime) -> tuple[str, bool]:
    """Install the app for `email` unless someone already tried.

    Returns the words `status` shows, and whether the app is (being) installed, in which case
    the conversation reference should arrive shortly and the alert is worth retrying soon.
    """
    email = email.strip().lower()
    async with sessions.begin() as session:
        claimed = await claim_install(session, email, now)
    if claimed:
        try:
            result = await install(email)
        except Exception as error:  # noqa: BLE001 - recorded; the alert keeps waiting either way
            result = InstallResult("failed", f"{type(error).__name__}: {str(error)[:200]}")
        async with sessions.begin() as session:
            await record_install(session, email, result.outcome, result.reason, now)
    async with sessions() as session:
        attempt = await install_attempt(session, email)
    if attempt is None or attempt.outcome in (INSTALLED, "installing"):
        return INSTALLING.format(who=email), True
    return CANNOT_INSTALL.format(who=email, reason=attempt.detail or attempt.outcome), False
