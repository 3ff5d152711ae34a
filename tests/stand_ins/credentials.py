"""Outbound credentials for tests with app credentials configured.

The real SDK asks Microsoft Entra for a token before every send; there is no Entra here.
This factory (the SDK's `ServiceClientCredentialsFactory` interface, which `create_app`
accepts for caching factories too) hands out a fixed token, so the stand-in connector can
check that the bot authenticated its replies.
"""

from __future__ import annotations

from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory

STAND_IN_TOKEN = "stand-in-outbound-token"


class _FixedTokenCredentials(AppCredentials):
    def get_access_token(self, force_refresh: bool = False) -> str:
        return STAND_IN_TOKEN


class FixedTokenCredentialsFactory(ServiceClientCredentialsFactory):
    def __init__(self, app_id: str) -> None:
        self.app_id = app_id

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool):  # type: ignore[no-untyped-def]
        return _FixedTokenCredentials(app_id=app_id, oauth_scope=oauth_scope)
