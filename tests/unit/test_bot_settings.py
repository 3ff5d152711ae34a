"""Settings from the environment: names, defaults, secrets kept out of sight, and refusals that
say what to set."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_MAX_REQUEST_BYTES, Settings, SettingsRefused, is_loopback

PRODUCTION = {
    "MicrosoftAppId": "00000000-0000-4000-8000-00000000b07d",
    "MicrosoftAppPassword": "very-secret-value",
    "MicrosoftAppTenantId": "11111111-2222-3333-4444-555555555555",
}


def test_defaults_with_an_empty_environment() -> None:
    """No variables: SQLite file, 256 KiB limit, INFO logging, no credentials."""
    settings = Settings.from_environ({})
    assert settings.database_url == "sqlite:///commissioning.db"
    assert settings.max_request_bytes == DEFAULT_MAX_REQUEST_BYTES == 256 * 1024
    assert settings.log_level == "INFO"
    assert settings.app_id == "" and settings.APP_TYPE == "MultiTenant"


def test_the_bot_framework_names_are_read_and_exposed_for_the_sdk() -> None:
    """MicrosoftApp* become APP_ID, APP_PASSWORD, APP_TYPE (SingleTenant by default) and APP_TENANTID."""
    settings = Settings.from_environ(PRODUCTION)
    assert settings.APP_ID == PRODUCTION["MicrosoftAppId"]
    assert settings.APP_PASSWORD == "very-secret-value"
    assert settings.APP_TYPE == "SingleTenant"
    assert settings.APP_TENANTID == PRODUCTION["MicrosoftAppTenantId"]


def test_the_password_never_shows_in_repr_or_str() -> None:
    """Logging the settings object cannot leak the client secret."""
    settings = Settings.from_environ(PRODUCTION)
    assert "very-secret-value" not in repr(settings)
    assert "very-secret-value" not in str(settings)
    assert "very-secret-value" not in repr(settings.app_password)


def test_lists_are_split_on_commas_and_lower_cased() -> None:
    """ALLOWED_TENANTS, STAFF_EMAILS and STAFF_DOMAINS accept comma lists with spaces."""
    settings = Settings.from_environ(
        {"ALLOWED_TENANTS": "T1, t2,,", "STAFF_EMAILS": "Ann@MOPAC.example ,bob@x.example", "STAFF_DOMAINS": "@mopac.example, opcc.example"}
    )
    assert settings.allowed_tenants == ("t1", "t2")
    assert settings.staff_emails == ("ann@mopac.example", "bob@x.example")
    assert settings.staff_domains == ("mopac.example", "opcc.example")


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("MAX_REQUEST_BYTES", "lots", "MAX_REQUEST_BYTES"),
        ("MAX_REQUEST_BYTES", "10", "at least 1024"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL"),
        ("MicrosoftAppType", "AnyoneAtAll", "SingleTenant"),
    ],
)
def test_unreadable_values_are_refused_by_name(name: str, value: str, words: str) -> None:
    """A value that cannot be read is named in the refusal."""
    with pytest.raises(SettingsRefused, match=words):
        Settings.from_environ({name: value})


def test_without_credentials_only_local_mode_may_serve() -> None:
    """No app id and no --local: refused, saying which variables to set and about --local."""
    refusal = Settings.from_environ({}).refusal_to_serve("127.0.0.1", local=False)
    assert refusal is not None
    assert "MicrosoftAppId" in refusal and "MicrosoftAppPassword" in refusal and "--local" in refusal


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "bot.example.org"])
def test_local_mode_refuses_a_non_loopback_host(host: str) -> None:
    """Local mode has no authentication, so it may not listen where others can reach it."""
    refusal = Settings.from_environ({}).refusal_to_serve(host, local=True)
    assert refusal is not None and "127.0.0.1" in refusal


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_local_mode_on_loopback_may_serve(host: str) -> None:
    """127.0.0.0/8, ::1 and localhost are fine for local mode."""
    assert is_loopback(host)
    assert Settings.from_environ({}).refusal_to_serve(host, local=True) is None


def test_credentials_may_serve_on_any_host() -> None:
    """A complete SingleTenant registration may listen on every interface."""
    assert Settings.from_environ(PRODUCTION).refusal_to_serve("0.0.0.0", local=False) is None


def test_incomplete_credentials_say_what_is_missing() -> None:
    """An app id without a password, or SingleTenant without a tenant id, is refused by name."""
    no_password = {k: v for k, v in PRODUCTION.items() if k != "MicrosoftAppPassword"}
    assert "MicrosoftAppPassword" in (Settings.from_environ(no_password).refusal_to_serve("0.0.0.0", local=False) or "")
    no_tenant = {k: v for k, v in PRODUCTION.items() if k != "MicrosoftAppTenantId"}
    assert "MicrosoftAppTenantId" in (Settings.from_environ(no_tenant).refusal_to_serve("0.0.0.0", local=False) or "")


def test_the_allow_list_defaults_to_the_apps_own_tenant() -> None:
    """With no ALLOWED_TENANTS only the registration's tenant is served; local mode serves any."""
    settings = Settings.from_environ(PRODUCTION)
    assert settings.tenant_allowed(PRODUCTION["MicrosoftAppTenantId"].upper(), local=False)
    assert not settings.tenant_allowed("someone-else", local=False)
    assert not settings.tenant_allowed("", local=False)
    assert settings.tenant_allowed("someone-else", local=True)
    listed = Settings.from_environ({**PRODUCTION, "ALLOWED_TENANTS": "partner-tenant"})
    assert listed.tenant_allowed("partner-tenant", local=False)
    assert not listed.tenant_allowed(PRODUCTION["MicrosoftAppTenantId"], local=False)


def test_the_openid_override_switches_the_sdk_to_public_cloud_values() -> None:
    """BOT_OPENID_METADATA sets the metadata URL and the other public-cloud endpoints the SDK then needs."""
    plain = Settings.from_environ(PRODUCTION)
    assert plain.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL is None and plain.TO_CHANNEL_FROM_BOT_LOGIN_URL is None
    overridden = Settings.from_environ({**PRODUCTION, "BOT_OPENID_METADATA": "http://127.0.0.1:9/.well-known/openidconfiguration"})
    assert overridden.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL.startswith("http://127.0.0.1:9/")
    assert overridden.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER == "https://api.botframework.com"
    assert overridden.TO_CHANNEL_FROM_BOT_LOGIN_URL == "https://login.microsoftonline.com/" + PRODUCTION["MicrosoftAppTenantId"]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://smba.trafficmanager.net/uk/", True),
        ("https://smba.trafficmanager.net:443/emea/", True),
        ("https://europe.webchat.botframework.com/", True),
        ("http://smba.trafficmanager.net/uk/", False),
        ("https://smba.trafficmanager.net:8443/uk/", False),
        ("https://smba.trafficmanager.net.evil.example/", False),
        ("https://smba.trafficmanager.net@evil.example/", False),
        ("https://evilbotframework.com/", False),
        ("https://botframework.com.evil.example/", False),
        ("http://127.0.0.1:3978/", False),
        ("not a url", False),
        ("https://[::1", False),
    ],
)
def test_only_teams_public_cloud_service_urls_are_allowed_by_default(url: str, allowed: bool) -> None:
    """The bot sends its bearer token to serviceUrl: https Teams hosts only, unless told otherwise."""
    assert Settings.from_environ(PRODUCTION).service_url_allowed(url, local=False) is allowed


def test_local_mode_also_allows_loopback_service_urls() -> None:
    """Agents Playground listens on 127.0.0.1; local mode sends no token anyway."""
    settings = Settings.from_environ({})
    assert settings.service_url_allowed("http://127.0.0.1:56150/", local=True)
    assert settings.service_url_allowed("http://localhost:56150/", local=True)
    assert not settings.service_url_allowed("http://10.0.0.5:56150/", local=True)
    assert not settings.service_url_allowed("http://127.0.0.1:56150/", local=False)


def test_allowed_service_urls_replace_the_public_cloud_list() -> None:
    """A government cloud names its own hosts or origins; the public-cloud ones then no longer count."""
    settings = Settings.from_environ({**PRODUCTION, "ALLOWED_SERVICE_URLS": "smba.infra.gov.teams.microsoft.us, https://connector.internal:8443"})
    assert settings.service_url_allowed("https://smba.infra.gov.teams.microsoft.us/", local=False)
    assert settings.service_url_allowed("https://connector.internal:8443/x/", local=False)
    assert not settings.service_url_allowed("https://connector.internal/x/", local=False)
    assert not settings.service_url_allowed("https://smba.trafficmanager.net/uk/", local=False)


def test_emulator_tokens_are_off_unless_asked_for() -> None:
    """ALLOW_EMULATOR_TOKENS=true is the only way to accept them with credentials set."""
    assert Settings.from_environ(PRODUCTION).allow_emulator_tokens is False
    assert Settings.from_environ({**PRODUCTION, "ALLOW_EMULATOR_TOKENS": "true"}).allow_emulator_tokens is True
