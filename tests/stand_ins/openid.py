"""A stand-in for the Bot Framework's OpenID metadata and signing keys, and tokens signed with them.

The SDK fetches the metadata and keys with blocking `requests` calls from inside the event
loop, so this server runs on its own thread (the standard library's), never on the loop
the bot runs on. Tokens are signed with a local RSA key whose public half the JWKS serves,
so the SDK's real JWT validation accepts them — and rejects tokens signed with any other key.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
# One of the issuers the SDK takes for the Bot Framework emulator (Auth v3.1, 1.0 token).
EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class StandInOpenId:
    """`/.well-known/openidconfiguration` and `/keys`, on a thread of their own."""

    def __init__(self) -> None:
        self.key = new_key()
        self.kid = f"stand-in-{uuid.uuid4().hex[:8]}"
        self.requests: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                stand_in.requests.append(self.path)
                if self.path.startswith("/.well-known/openidconfiguration"):
                    body = {
                        "issuer": BOT_FRAMEWORK_ISSUER,
                        "jwks_uri": f"{stand_in.base_url}/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                elif self.path.startswith("/keys"):
                    body = {"keys": [stand_in.jwk()]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/.well-known/openidconfiguration"

    def jwk(self) -> dict[str, Any]:
        key = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        key.update({"kid": self.kid, "use": "sig", "endorsements": ["msteams"]})
        return key

    def start(self) -> StandInOpenId:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def token(self, *, app_id: str, service_url: str, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        """A channel token as the Bot Framework would send it (signed by another key if given).

        A claim given as None is left out (`exp=None`: a token that never expires).
        """
        now = int(time.time())
        payload = {
            "iss": BOT_FRAMEWORK_ISSUER,
            "aud": app_id,
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + 3600,
            **claims,
        }
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": self.kid})
