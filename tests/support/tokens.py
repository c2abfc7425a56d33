"""Helpers shared by the token and /api/v1 HTTP tests (no tests here).

Tokens are built by hand (base64url JSON + HMAC-SHA256), independently of r2gate's own
minting code, exactly as a backend with PyJWT would build them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlsplit

from tests.http.conftest import TEST_SCOPED_KEYS, TEST_SIGNING_SECRETS
from tests.support.client import Client, Reply

AUDIENCE = "r2gate"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("ascii")


def sign(header: dict[str, Any], payload: dict[str, Any], secret: str) -> str:
    """A compact JWS over the given header and payload, HMAC-SHA256 with `secret`."""
    signing_input = f"{b64url(compact(header))}.{b64url(compact(payload))}"
    mac = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def token(
    claims: dict[str, Any],
    *,
    kid: str = "new",
    iat: int | None = None,
    exp: int | None = None,
    lifetime: int = 300,
    header: dict[str, Any] | None = None,
    secret: str | None = None,
) -> str:
    """A token granting `claims` (aud, iat and exp added unless given in `claims`)."""
    issued = int(time.time()) if iat is None else iat
    payload = {"aud": AUDIENCE, "iat": issued, "exp": issued + lifetime if exp is None else exp}
    payload.update(claims)
    head = {"alg": "HS256", "typ": "JWT", "kid": kid} if header is None else header
    return sign(head, payload, TEST_SIGNING_SECRETS.get(kid, "") if secret is None else secret)


def path_of(url: str) -> str:
    """The path and query of an absolute URL (what the test client sends)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def scoped(client: Client, name: str) -> Client:
    """A client authenticating with one of the scoped API keys from conftest."""
    secret = TEST_SCOPED_KEYS[name][0]
    return Client(f"{client.scheme}://{client.host}:{client.port}", secret)


def post_json(
    client: Client,
    path: str,
    document: Any,
    *,
    auth: bool = True,
    headers: dict[str, str] | None = None,
) -> Reply:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return client.request("POST", path, body=body, headers=all_headers, auth=auth)


def mint_upload(client: Client, **document: Any) -> dict[str, Any]:
    """POST /api/v1/uploads and return the 201 body (fails the test otherwise)."""
    reply = post_json(client, "/api/v1/uploads", document)
    assert reply.status == 201, reply.body
    return reply.json()


def put_token(
    client: Client,
    path: str,
    tok: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    bearer: bool = False,
) -> Reply:
    """PUT with a token, in the query (default) or as Authorization: Bearer."""
    all_headers = dict(headers or {})
    if bearer:
        all_headers["Authorization"] = f"Bearer {tok}"
    else:
        path = f"{path}?token={tok}"
    return client.request("PUT", path, body=body, headers=all_headers)
