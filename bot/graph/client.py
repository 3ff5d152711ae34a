"""The one Microsoft Graph client: app-only tokens through msal, plain REST through aiohttp.

Every Graph call the bot makes goes through `GraphClient.request`: app installation today,
register sync and write-back next. Graph throttles with 429 or 503 and `Retry-After`; those are
retried a few times, each wait bounded, then refused with a message that is safe to show. A
dropped connection is retried too, except for a POST: Graph may have done it before the
connection dropped, and a second POST would make a second item, so the caller is told the
outcome is unknown (`GraphOutcomeUnknown`) and looks before it tries again.
Tokens and secrets are never logged or put into an error.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp

from bot.settings import Secret, Settings
from notifications.delivery import retry_after_seconds

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
# Entra's own hosts (public and national clouds): msal may run instance discovery against these.
MICROSOFT_AUTHORITY_HOSTS = frozenset({
    "login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn", "login.microsoftonline.de", "login.windows.net",
})

NO_TOKEN = "could not get a Graph token ({error})"
# The token endpoint's free text may echo the request, client secret included, so only these
# words (RFC 6749 and the ones Entra adds) and Entra's numeric AADSTS codes are ever repeated.
OAUTH_ERRORS = frozenset({
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
    "invalid_scope", "invalid_resource", "interaction_required", "temporarily_unavailable", "server_error",
    "access_denied", "consent_required",
})
TOO_BUSY = "Graph was too busy (HTTP {status}) after {tries} tries"
UNREACHABLE = "could not reach Graph ({error}) after {tries} tries"
OUTCOME_UNKNOWN = "lost the connection to Graph ({error}) before it answered, so it may or may not have been done"
GRAPH_NOT_TRUSTED = ("Graph's TLS certificate is not trusted here: behind a proxy that inspects TLS, "
                     "set SSL_CERT_FILE to the organisation's CA bundle")
ENTRA_NOT_TRUSTED = ("could not get a Graph token (Entra's TLS certificate is not trusted here: behind a proxy "
                     "that inspects TLS, set REQUESTS_CA_BUNDLE to the organisation's CA bundle)")
BAD_CERTIFICATE = "cannot read the certificate in {path} ({reason}): give a PEM file holding the private key and certificate"


class Token(Protocol):
    """An app-only bearer token; `renew=True` asks Entra for a new one (the old one was refused)."""

    def __call__(self, renew: bool = False) -> Awaitable[str]: ...


class GraphRefused(Exception):
    """A Graph call failed in a way that ends this attempt; the message is safe to show."""


class GraphOutcomeUnknown(GraphRefused):
    """A request not safe to repeat (a POST) lost its connection before Graph answered: it may have been done."""


@dataclass(frozen=True)
class GraphConnection:
    """Who the app is in Entra and where Graph and the authority are (`GRAPH_BASE_URL`, `ENTRA_AUTHORITY_HOST`).

    The app proves who it is with its client secret (`MicrosoftAppPassword`) or, where policy
    asks for certificates, a PEM file holding the private key and certificate
    (`MicrosoftAppCertificateFile`), which then wins.
    """

    app_id: str = ""
    app_password: Secret = field(default_factory=lambda: Secret(""))
    tenant_id: str = ""
    graph_base_url: str = DEFAULT_GRAPH_BASE_URL
    authority_host: str = DEFAULT_AUTHORITY_HOST
    certificate_file: str = ""

    @property
    def configured(self) -> bool:
        """True when there is an app id, a secret or certificate, and a tenant to ask for a token."""
        return bool(self.app_id and (self.app_password or self.certificate_file) and self.tenant_id)

    @property
    def microsoft_authority(self) -> bool:
        """True when the authority is one of Entra's own hosts; elsewhere msal must not call the public cloud."""
        return urlsplit(self.authority_host).hostname in MICROSOFT_AUTHORITY_HOSTS

    @classmethod
    def from_environ(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> GraphConnection:
        env = os.environ if environ is None else environ
        return cls(
            app_id=settings.app_id,
            app_password=settings.app_password,
            tenant_id=settings.app_tenant_id,
            graph_base_url=(env.get("GRAPH_BASE_URL", "") or DEFAULT_GRAPH_BASE_URL).strip().rstrip("/"),
            authority_host=(env.get("ENTRA_AUTHORITY_HOST", "") or DEFAULT_AUTHORITY_HOST).strip().rstrip("/"),
            certificate_file=env.get("MicrosoftAppCertificateFile", "").strip(),
        )


def client_credential(connection: GraphConnection) -> Any:
    """msal's `client_credential`: the secret, or the certificate's key, thumbprint and certificate."""
    if not connection.certificate_file:
        return connection.app_password.reveal()
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    path = connection.certificate_file
    try:
        pem = open(path, "rb").read()
        certificate = x509.load_pem_x509_certificate(pem)
    except (OSError, ValueError) as error:
        raise GraphRefused(BAD_CERTIFICATE.format(path=path, reason=type(error).__name__)) from None
    text = pem.decode("ascii", "replace")
    return {
        "private_key": text,
        "thumbprint": certificate.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - Entra names certificates by SHA-1
        "public_certificate": text,
    }


def msal_token(connection: GraphConnection, **msal_options: Any) -> Token:
    """An app-only Graph token from Entra through msal, made in a thread; msal caches it.

    msal renews a cached token before it expires. When Graph still refuses one (revoked, or the
    clock was off), `renew=True` starts a fresh msal application, so a new token is fetched.
    Away from Entra's own hosts (a national cloud, a test) instance discovery and authority
    validation are off, so msal never calls the public cloud. TLS trust is msal's own
    (`requests`, so `REQUESTS_CA_BUNDLE`) unless `http_client` is given.
    """
    application: list[Any] = []
    if not connection.microsoft_authority:
        msal_options = {"instance_discovery": False, "validate_authority": False, **msal_options}

    def acquire(renew: bool) -> str:
        import msal

        if renew:
            application.clear()
        if not application:
            application.append(msal.ConfidentialClientApplication(
                client_id=connection.app_id, client_credential=client_credential(connection),
                authority=f"{connection.authority_host}/{connection.tenant_id}", **msal_options,
            ))
        result = application[0].acquire_token_for_client([GRAPH_SCOPE])
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            raise GraphRefused(NO_TOKEN.format(error=token_error(result)))
        return str(token)

    async def token(renew: bool = False) -> str:
        try:
            return await asyncio.to_thread(acquire, renew)
        except GraphRefused:
            raise
        except Exception as error:  # noqa: BLE001 - msal/requests errors may quote the request: name the type only
            if type(error).__name__ == "SSLError":
                raise GraphRefused(ENTRA_NOT_TRUSTED) from None
            raise GraphRefused(NO_TOKEN.format(error=type(error).__name__)) from None

    return token


@dataclass(frozen=True)
class GraphAnswer:
    """A Graph response: status, JSON body (empty when there is none) and the headers callers need."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]

    @property
    def error_code(self) -> str:
        error = self.body.get("error")
        return str(error.get("code") or "") if isinstance(error, dict) else ""


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
    """Graph requests with an app-only bearer token: throttling waited out, dropped connections
    retried with backoff, and a refused token renewed once."""

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
        """An HTTP session for a batch of requests (close it with `async with`); TLS trust follows `SSL_CERT_FILE`."""
        return aiohttp.ClientSession(timeout=self._timeout)

    async def request(self, http: aiohttp.ClientSession, method: str, path: str,
                      body: dict[str, Any] | None = None, *, retry_dropped: bool | None = None) -> tuple[int, dict[str, Any]]:
        """One Graph request (see `call`): the status and, for a 200, the JSON object answered."""
        answer = await self.call(http, method, path, body, retry_dropped=retry_dropped)
        return answer.status, answer.body if answer.status == 200 else {}

    async def call(self, http: aiohttp.ClientSession, method: str, path: str, body: dict[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None, *, retry_dropped: bool | None = None) -> GraphAnswer:
        """One Graph request, retried on 429/503 after `Retry-After` (at most `max_wait` each), on a
        dropped connection after a backoff, and once with a new token after a 401.

        A dropped connection is retried only when repeating the request is harmless: by default
        every method but POST (Graph answers 429/503 before doing anything, so those are retried
        for all). A POST that loses its connection raises `GraphOutcomeUnknown`; `retry_dropped=True`
        is for a POST whose repeat is harmless (an app installation answers 409 the second time).
        """
        if retry_dropped is None:
            retry_dropped = method.upper() != "POST"
        renewed, renew_now = False, False
        attempt = 0
        while True:
            attempt += 1
            sent = {"Authorization": f"Bearer {await self._token(renew=renew_now)}", **(headers or {})}
            renew_now = False
            try:
                async with http.request(method, self.url(path), json=body, headers=sent) as response:
                    status = response.status
                    if status in (429, 503) and attempt < self._max_tries:
                        wait = retry_after_seconds(response.headers.get("Retry-After"))
                        await self._sleep(min(self._max_wait, wait if wait is not None else 2.0 ** attempt))
                        continue
                    if status in (429, 503):
                        raise GraphRefused(TOO_BUSY.format(status=status, tries=attempt))
                    payload = await _json(response)
                    if status == 401 and not renewed:
                        renewed = renew_now = True
                        continue
                    return GraphAnswer(status, payload, _kept_headers(response.headers))
            except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError):
                raise GraphRefused(GRAPH_NOT_TRUSTED) from None
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as error:
                if not retry_dropped:
                    raise GraphOutcomeUnknown(OUTCOME_UNKNOWN.format(error=type(error).__name__)) from None
                if attempt >= self._max_tries:
                    raise GraphRefused(UNREACHABLE.format(error=type(error).__name__, tries=attempt)) from None
                await self._sleep(min(self._max_wait, 0.5 * 2.0 ** (attempt - 1)))


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        payload = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: headers[name] for name in ("Location", "ETag", "Retry-After", "request-id") if name in headers}
