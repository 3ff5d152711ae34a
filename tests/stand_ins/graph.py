"""Stand-ins for Microsoft Graph (user lookup, app installation) and the Entra token endpoint.

Entra is served over https with a self-signed certificate made here, because msal accepts only
https authorities; the test hands msal a `requests.Session` that trusts that certificate.
Both run on the test's event loop (msal's blocking calls run in a thread, so the loop is free).
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from stand_ins.local_server import LocalServer

ENTRA_TOKEN = "stand-in-graph-token"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files in `folder`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "stand-in.crt", folder / "stand-in.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Server(LocalServer):
    def __init__(self) -> None:
        super().__init__(web.Application())

    async def _serve(self, ssl_context: ssl.SSLContext | None = None) -> None:
        await LocalServer.start(self, ssl_context)


class StandInEntra(_Server):
    """OpenID configuration and the client-credentials token endpoint for any tenant, over https.

    With `echo_errors` the token endpoint refuses every request and, as a badly behaved proxy
    or endpoint might, echoes the whole request body (client secret included) in its error.
    """

    def __init__(self, cert: Path, key: Path, *, echo_errors: bool = False, unique_tokens: bool = False) -> None:
        super().__init__()
        self._cert, self._key = cert, key
        self.echo_errors = echo_errors
        # Real Entra issues a new token each time; `unique_tokens` does too, so a renewal is visible.
        self.unique_tokens = unique_tokens
        self.token_requests: list[dict[str, str]] = []
        self.app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._configuration)
        self.app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)

    async def start(self) -> StandInEntra:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._cert, self._key)
        await self._serve(context)
        return self

    async def _configuration(self, request: web.Request) -> web.Response:
        base = f"{self.url}/{request.match_info['tenant']}"
        return web.json_response({
            "issuer": f"{base}/v2.0", "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        })

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests.append(dict(await request.post()))
        if self.echo_errors:
            body = await request.text()
            return web.json_response({
                "error": body, "error_description": f"AADSTS7000215: Invalid client secret provided. Request: {body}",
                "error_codes": [7000215], "request": body,
            }, status=401)
        token = f"{ENTRA_TOKEN}.{len(self.token_requests)}" if self.unique_tokens else ENTRA_TOKEN
        return web.json_response({"access_token": token, "token_type": "Bearer", "expires_in": 3600})


@dataclass
class GraphRequest:
    method: str
    path: str
    authorization: str
    body: Any = None


@dataclass
class StandInGraph(_Server):
    """`GET /v1.0/users/{email}` and `POST /v1.0/users/{id}/teamwork/installedApps`.

    `users` maps email to id (others get 404); `answers[id]` lists the install answers to give
    in turn — a status, or (status, Retry-After) — then 201.
    """

    users: dict[str, str] = field(default_factory=dict)
    answers: dict[str, list[int | tuple[int, str]]] = field(default_factory=dict)
    requests: list[GraphRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        self.app.router.add_get("/v1.0/users/{user}", self._user)
        self.app.router.add_post("/v1.0/users/{user}/teamwork/installedApps", self._install)

    async def start(self) -> StandInGraph:
        await self._serve()
        return self

    def installs(self) -> list[GraphRequest]:
        return [r for r in self.requests if r.method == "POST"]

    async def _user(self, request: web.Request) -> web.Response:
        self.requests.append(GraphRequest("GET", request.path_qs, request.headers.get("Authorization", "")))
        user_id = self.users.get(request.match_info["user"].lower())
        if user_id is None:
            return web.json_response({"error": {"code": "Request_ResourceNotFound"}}, status=404)
        return web.json_response({"id": user_id})

    async def _install(self, request: web.Request) -> web.Response:
        self.requests.append(GraphRequest("POST", request.path, request.headers.get("Authorization", ""),
                                          await request.json()))
        queue = self.answers.get(request.match_info["user"], [])
        answer = queue.pop(0) if queue else 201
        status, retry_after = answer if isinstance(answer, tuple) else (answer, "")
        headers = {"Retry-After": retry_after} if retry_after else {}
        if status == 201:
            return web.json_response({}, status=201)
        return web.json_response({"error": {"code": str(status)}}, status=status, headers=headers)
