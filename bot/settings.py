"""The bot's settings: one typed, frozen object read from the environment once, at start-up.

Environment names are the Bot Framework's usual ones (`MicrosoftAppId`, `MicrosoftAppPassword`,
`MicrosoftAppType`, `MicrosoftAppTenantId`) plus ours. The object also exposes the attribute
names the SDK's `ConfigurationBotFrameworkAuthentication` reads (`APP_ID`, `APP_PASSWORD`,
`APP_TYPE`, `APP_TENANTID`, and the metadata URLs), so it can be handed to the SDK as it is.

The app password is kept in a `Secret`, which never shows its value in `repr`, `str` or logs.
`refusal_to_serve` says, in words an administrator can act on, why the bot must not start.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from storage.db import DEFAULT_DATABASE_URL

DEFAULT_MAX_REQUEST_BYTES = 256 * 1024
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})
# Where Teams in Microsoft's public cloud says replies go (`serviceUrl`). The bot sends its own
# bearer token to that URL, so only these hosts (https) get one; government clouds set
# ALLOWED_SERVICE_URLS to theirs.
DEFAULT_SERVICE_URLS = ("smba.trafficmanager.net", "*.botframework.com")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})

# Public-cloud values the SDK would use itself; needed only when the OpenID metadata URL is
# overridden, because the SDK then switches to its fully "parameterised" configuration.
PUBLIC_CLOUD_ISSUER = "https://api.botframework.com"
PUBLIC_CLOUD_OAUTH_SCOPE = "https://api.botframework.com"
PUBLIC_CLOUD_OAUTH_URL = "https://api.botframework.com"
PUBLIC_CLOUD_LOGIN_PREFIX = "https://login.microsoftonline.com/"
PUBLIC_CLOUD_EMULATOR_METADATA = "https://login.microsoftonline.com/botframework.com/v2.0/.well-known/openid-configuration"
PUBLIC_CLOUD_CALLER_ID = "urn:botframework:azure"

APP_TYPES = {"singletenant": "SingleTenant", "multitenant": "MultiTenant", "userassignedmsi": "UserAssignedMSI"}


class SettingsRefused(ValueError):
    """The environment does not describe a bot that may start; the message says what to set."""


class Secret:
    """A string that never shows itself: `repr` and `str` print stars."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


def _split(text: str | None) -> tuple[str, ...]:
    """`"a, b,,c"` → `("a", "b", "c")`, lower-cased: emails, domains and tenant ids compare that way."""
    return tuple(part.strip().lower() for part in (text or "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know, read from the environment by `from_environ`."""

    app_id: str = ""
    app_password: Secret = field(default_factory=lambda: Secret(""))
    app_type: str = ""
    app_tenant_id: str = ""
    database_url: str = DEFAULT_DATABASE_URL
    # Empty means: only the app's own tenant (or any tenant in local mode).
    allowed_tenants: tuple[str, ...] = ()
    staff_emails: tuple[str, ...] = ()
    staff_domains: tuple[str, ...] = ()
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    log_level: str = "INFO"
    # Overrides the Bot Framework OpenID metadata URL (tests point it at a local stand-in).
    openid_metadata_url: str = ""
    # The same for the Bot Framework emulator's tokens (used only with the URL above).
    emulator_openid_metadata_url: str = ""
    # Hosts (`smba.trafficmanager.net`, `*.botframework.com`) or origins (`https://host:port`)
    # an activity's serviceUrl may name: replies, and the bot's token, go there.
    allowed_service_urls: tuple[str, ...] = DEFAULT_SERVICE_URLS
    # Emulator-issued tokens carry no serviceUrl claim, so nothing binds where replies go: off.
    allow_emulator_tokens: bool = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; a value that cannot be read raises `SettingsRefused` naming it."""
        env = os.environ if environ is None else environ
        app_id = env.get("MicrosoftAppId", "").strip()
        raw_type = env.get("MicrosoftAppType", "").strip()
        if raw_type and raw_type.lower() not in APP_TYPES:
            raise SettingsRefused(
                f"MicrosoftAppType must be SingleTenant or UserAssignedMSI (or MultiTenant), not {raw_type!r}."
            )
        app_type = APP_TYPES[raw_type.lower()] if raw_type else ("SingleTenant" if app_id else "MultiTenant")
        raw_size = env.get("MAX_REQUEST_BYTES", "").strip()
        try:
            max_bytes = int(raw_size) if raw_size else DEFAULT_MAX_REQUEST_BYTES
        except ValueError:
            raise SettingsRefused(f"MAX_REQUEST_BYTES must be a whole number of bytes, not {raw_size!r}.") from None
        if max_bytes < 1024:
            raise SettingsRefused("MAX_REQUEST_BYTES must be at least 1024 (Teams activities are a few KB).")
        log_level = (env.get("LOG_LEVEL", "") or "INFO").strip().upper()
        if not isinstance(logging.getLevelName(log_level), int):
            raise SettingsRefused(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}.")
        return cls(
            app_id=app_id,
            app_password=Secret(env.get("MicrosoftAppPassword", "")),
            app_type=app_type,
            app_tenant_id=env.get("MicrosoftAppTenantId", "").strip(),
            database_url=(env.get("DATABASE_URL", "") or DEFAULT_DATABASE_URL).strip(),
            allowed_tenants=_split(env.get("ALLOWED_TENANTS")),
            staff_emails=_split(env.get("STAFF_EMAILS")),
            staff_domains=tuple(d.lstrip("@") for d in _split(env.get("STAFF_DOMAINS"))),
            max_request_bytes=max_bytes,
            log_level=log_level,
            openid_metadata_url=env.get("BOT_OPENID_METADATA", "").strip(),
            emulator_openid_metadata_url=env.get("BOT_EMULATOR_OPENID_METADATA", "").strip(),
            allowed_service_urls=_service_url_list(env.get("ALLOWED_SERVICE_URLS")),
            allow_emulator_tokens=env.get("ALLOW_EMULATOR_TOKENS", "").strip().lower() in TRUE_WORDS,
        )

    def with_database(self, url: str | None) -> Settings:
        """The same settings on another database (`--db` wins over `DATABASE_URL`)."""
        return replace(self, database_url=url) if url else self

    # --- what the server may do -------------------------------------------------------

    def refusal_to_serve(self, host: str, *, local: bool) -> str | None:
        """Why the bot must not start with these settings on `host`, or None when it may."""
        if local:
            if not is_loopback(host):
                return (
                    f"Local mode has no authentication, so it only listens on this computer: "
                    f"use --host 127.0.0.1 (not {host}), or set MicrosoftAppId and "
                    f"MicrosoftAppPassword and run without --local."
                )
            return None
        if not self.app_id:
            return (
                "No bot credentials: set MicrosoftAppId, MicrosoftAppPassword and MicrosoftAppTenantId "
                "(from the Azure Bot registration), or run `commissioning-bot serve --local` to try the "
                "bot on this computer with Microsoft 365 Agents Playground."
            )
        if self.app_type != "UserAssignedMSI" and not self.app_password:
            return "MicrosoftAppId is set but MicrosoftAppPassword is not: set the bot registration's client secret."
        if self.app_type in ("SingleTenant", "UserAssignedMSI") and not self.app_tenant_id:
            return f"MicrosoftAppType is {self.app_type}: set MicrosoftAppTenantId to your Microsoft Entra tenant id."
        if self.app_type == "MultiTenant" and not self.allowed_tenants and not self.app_tenant_id:
            return "A MultiTenant bot must say which organisations may use it: set ALLOWED_TENANTS (tenant ids)."
        return None

    def tenant_allowed(self, tenant_id: str | None, *, local: bool) -> bool:
        """Activities from tenants not on the allow-list are refused; local mode accepts any."""
        if local:
            return True
        allowed = self.allowed_tenants or ((self.app_tenant_id.lower(),) if self.app_tenant_id else ())
        return tenant_id is not None and tenant_id != "" and tenant_id.lower() in allowed

    def service_url_allowed(self, service_url: str | None, *, local: bool) -> bool:
        """May replies (and the bot's bearer token) go to `service_url`? Local mode adds loopback."""
        if not isinstance(service_url, str):
            return False
        return _service_url_allowed(service_url, self.allowed_service_urls, local)

    def for_local_mode(self) -> Settings:
        """Local mode runs anonymously (Agents Playground cannot sign requests): no credentials."""
        return replace(self, app_id="", app_password=Secret(""), app_type="MultiTenant", openid_metadata_url="")

    # --- the names ConfigurationBotFrameworkAuthentication reads ------------------------

    @property
    def APP_ID(self) -> str:  # noqa: N802 - the SDK's name
        return self.app_id

    @property
    def APP_PASSWORD(self) -> str:  # noqa: N802
        return self.app_password.reveal()

    @property
    def APP_TYPE(self) -> str:  # noqa: N802
        return self.app_type

    @property
    def APP_TENANTID(self) -> str:  # noqa: N802
        return self.app_tenant_id

    @property
    def TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL(self) -> str | None:  # noqa: N802
        return self.openid_metadata_url or None

    # With the metadata URL overridden the SDK needs every other endpoint too: public cloud's.
    @property
    def TO_BOT_FROM_CHANNEL_TOKEN_ISSUER(self) -> str | None:  # noqa: N802
        return PUBLIC_CLOUD_ISSUER if self.openid_metadata_url else None

    @property
    def TO_CHANNEL_FROM_BOT_OAUTH_SCOPE(self) -> str | None:  # noqa: N802
        return PUBLIC_CLOUD_OAUTH_SCOPE if self.openid_metadata_url else None

    @property
    def TO_CHANNEL_FROM_BOT_LOGIN_URL(self) -> str | None:  # noqa: N802
        if not self.openid_metadata_url:
            return None
        tenant = self.app_tenant_id if self.app_type != "MultiTenant" and self.app_tenant_id else "botframework.com"
        return PUBLIC_CLOUD_LOGIN_PREFIX + tenant

    @property
    def TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL(self) -> str | None:  # noqa: N802
        if not self.openid_metadata_url:
            return None
        return self.emulator_openid_metadata_url or PUBLIC_CLOUD_EMULATOR_METADATA

    @property
    def OAUTH_URL(self) -> str | None:  # noqa: N802
        return PUBLIC_CLOUD_OAUTH_URL if self.openid_metadata_url else None

    @property
    def CALLER_ID(self) -> str | None:  # noqa: N802
        return PUBLIC_CLOUD_CALLER_ID if self.openid_metadata_url else None


def _service_url_list(text: str | None) -> tuple[str, ...]:
    """ALLOWED_SERVICE_URLS as entries; unset or empty means Teams' public cloud."""
    entries = _split(text)
    for entry in entries:
        if "://" in entry and not urlsplit(entry).hostname:
            raise SettingsRefused(f"ALLOWED_SERVICE_URLS entries must be host names or https://host origins, not {entry!r}.")
    return entries or DEFAULT_SERVICE_URLS


def url_matches(url: str, entry: str) -> bool:
    """Does `url` fall under one allow-list entry?

    An entry is a host (`smba.trafficmanager.net`), a wildcard for its sub-domains
    (`*.botframework.com`) — both https on the default port only — or an origin with its
    scheme and port (`http://127.0.0.1:5000`). A URL with a user name or password never matches:
    `https://smba.trafficmanager.net@evil.example/` goes to evil.example.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    entry = entry.strip().lower()
    if "://" in entry:
        try:
            wanted = urlsplit(entry)
            wanted_port = wanted.port
        except ValueError:
            return False
        default = {"https": 443, "http": 80}
        return (parts.scheme == wanted.scheme and host == wanted.hostname
                and (port or default.get(parts.scheme)) == (wanted_port or default.get(wanted.scheme)))
    if parts.scheme != "https" or port not in (None, 443):
        return False
    if entry.startswith("*."):
        return host.endswith(entry[1:])
    return host == entry


@functools.lru_cache(maxsize=256)
def _service_url_allowed(service_url: str, allowed: tuple[str, ...], local: bool) -> bool:
    """`Settings.service_url_allowed`, remembered: every activity is checked, and Teams sends
    a handful of service URLs (parsing each against every entry cost more than the SQL of a turn)."""
    if any(url_matches(service_url, entry) for entry in allowed):
        return True
    return local and _is_loopback_url(service_url)


def _is_loopback_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and parts.username is None and bool(host) and is_loopback(host)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`: addresses no other computer can reach."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
