"""Tokens for the tests, minted and read by PyJWT (what a backend uses), never by r2gate's own
code; and the HTTP calls that carry them.

Hostile tokens that PyJWT refuses to produce (an unknown ``alg``, duplicate header members)
are made by replacing one segment of a PyJWT token (`with_header`) or by signing raw
segments with PyJWT's own HMAC (`signed_raw`).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

import jwt
from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_encode

from tests.support.client import Client, Reply
from tests.support.settings import TEST_SCOPED_KEYS, TEST_SIGNING_SECRETS
from tests.support.target import need

SUITE_SECRETS = frozenset(TEST_SIGNING_SECRETS.values())

AUDIENCE = "r2gate"


def b64url(data: bytes) -> str:
    """base64url without padding (PyJWT's encoding of a segment)."""
    return base64url_encode(data).decode("ascii")


def segment(value: Any) -> str:
    """One JSON segment as PyJWT serialises it."""
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def mint(
    payload: dict[str, Any],
    secret: str,
    *,
    kid: str | None,
    algorithm: str = "HS256",
    headers: dict[str, Any] | None = None,
    sort_headers: bool = True,
) -> str:
    """`jwt.encode`: `payload` as given, signed with `secret`; `kid` None leaves it out."""
    if secret in SUITE_SECRETS or kid in TEST_SIGNING_SECRETS:
        need("SIGNING_KEYS")
    extra = {} if kid is None else {"kid": kid}
    extra.update(headers or {})
    return jwt.encode(
        payload, secret, algorithm=algorithm, headers=extra, sort_headers=sort_headers
    )


def decode(tok: str, secret: str, **options: Any) -> dict[str, Any]:
    """`jwt.decode` with the r2gate audience: the verified payload (times checked unless
    `options` says otherwise)."""
    if secret in SUITE_SECRETS:
        need("SIGNING_KEYS")
    return jwt.decode(tok, secret, algorithms=["HS256"], audience=AUDIENCE, options=options or None)


def with_header(tok: str, header: dict[str, Any]) -> str:
    """A PyJWT token whose header segment is replaced (its signature no longer matches)."""
    _, payload, signature = tok.split(".")
    return f"{segment(header)}.{payload}.{signature}"


def signed_raw(raw_header: str, raw_payload: str, secret: str | bytes) -> str:
    """Two raw JSON texts as a token signed by PyJWT's HS256: for malformed JSON (duplicate
    members) that no encoder produces but a correctly keyed attacker could."""
    key = secret.encode() if isinstance(secret, str) else secret
    signing_input = f"{b64url(raw_header.encode())}.{b64url(raw_payload.encode())}"
    signature = HMACAlgorithm(HMACAlgorithm.SHA256).sign(signing_input.encode(), key)
    return f"{signing_input}.{b64url(signature)}"


def token(
    claims: dict[str, Any],
    *,
    kid: str | None = "new",
    iat: int | None = None,
    exp: int | None = None,
    lifetime: int = 300,
    secret: str | None = None,
    headers: dict[str, Any] | None = None,
) -> str:
    """A token granting `claims` from the HTTP tests' signing keys (aud, iat and exp added
    unless given in `claims`; a claim set to None is left out)."""
    need("SIGNING_KEYS")
    issued = int(time.time()) if iat is None else iat
    payload = {"aud": AUDIENCE, "iat": issued, "exp": issued + lifetime if exp is None else exp}
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    key = TEST_SIGNING_SECRETS.get(kid or "new", "") if secret is None else secret
    return mint(payload, key, kid=kid, headers=headers)


def path_of(url: str) -> str:
    """The path and query of an absolute URL (what the test client sends)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def scoped(client: Client, name: str) -> Client:
    """A client authenticating with one of the scoped API keys of tests/support/settings.py."""
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
