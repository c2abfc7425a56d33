"""Token verification over HTTP: forged, tampered, expired and foreign tokens are 401.

Every token here is built by hand (tests/http/test_tokens_support.py) with chosen times, so
nothing sleeps; a refused upload never leaves an object behind.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from tests.http.conftest import TEST_SIGNING_SECRETS
from tests.support.client import Client
from tests.support.tokens import b64url, compact, put_token, sign, token


def refused(client: Client, prefix: str, tok: str, code: str) -> None:
    """PUT with `tok` is 401 `code`, says nothing secret, and stores nothing."""
    reply = put_token(client, f"/{prefix}f.bin", tok, b"data")
    assert (reply.status, reply.error_code) == (401, code), reply.body
    for secret in TEST_SIGNING_SECRETS.values():
        assert secret not in reply.body.decode()
    assert client.get(f"/{prefix}f.bin").status == 404


def put_claims(prefix: str) -> dict[str, str]:
    return {"op": "put", "key": f"{prefix}f.bin"}


def test_a_valid_hand_made_token_uploads(client: Client, prefix: str) -> None:
    reply = put_token(client, f"/{prefix}f.bin", token(put_claims(prefix)), b"data")
    assert reply.status == 201, reply.body


def test_pyjwt_style_token_uploads_with_plain_put(client: Client, prefix: str) -> None:
    """What `jwt.encode({...}, secret, algorithm="HS256", headers={"kid": kid})` produces:
    PyJWT sorts the header members and serialises both parts with separators (",", ":")."""
    now = int(time.time())
    claims = {
        "op": "put",
        "key": f"{prefix}f.bin",
        "ct": ["application/octet-stream"],
        "max": 100,
        "aud": "r2gate",
        "iat": now,
        "exp": now + 600,
    }
    header = json.dumps(
        {"typ": "JWT", "alg": "HS256", "kid": "new"}, separators=(",", ":"), sort_keys=True
    )
    payload = json.dumps(claims, separators=(",", ":"))
    segments = [base64.urlsafe_b64encode(part.encode()).rstrip(b"=") for part in (header, payload)]
    signing_input = b".".join(segments)
    signature = hmac.new(TEST_SIGNING_SECRETS["new"].encode(), signing_input, hashlib.sha256)
    tok = (
        signing_input + b"." + base64.urlsafe_b64encode(signature.digest()).rstrip(b"=")
    ).decode()
    assert tok.startswith("eyJhbGciOiJIUzI1NiIsImtpZCI6Im5ldyIsInR5cCI6IkpXVCJ9.")
    reply = client.request(
        "PUT",
        f"/{prefix}f.bin?token={tok}",
        body=b"from a backend with only PyJWT",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert reply.status == 201, reply.body
    assert client.get(f"/{prefix}f.bin").body == b"from a backend with only PyJWT"


def test_header_in_alg_typ_kid_order_is_accepted(client: Client, prefix: str) -> None:
    now = int(time.time())
    tok = sign(
        {"alg": "HS256", "typ": "JWT", "kid": "new"},
        {**put_claims(prefix), "aud": "r2gate", "iat": now, "exp": now + 60},
        TEST_SIGNING_SECRETS["new"],
    )
    assert put_token(client, f"/{prefix}f.bin", tok, b"x").status == 201


def test_tokens_signed_with_the_previous_key_still_verify(client: Client, prefix: str) -> None:
    tok = token(put_claims(prefix), kid="old")
    assert put_token(client, f"/{prefix}f.bin", tok, b"x").status == 201


def test_tampered_payload_is_401(client: Client, prefix: str) -> None:
    head, _, sig = token({"op": "put", "key": f"{prefix}other.bin"}).split(".")
    now = int(time.time())
    forged = b64url(compact({**put_claims(prefix), "aud": "r2gate", "iat": now, "exp": now + 60}))
    refused(client, prefix, f"{head}.{forged}.{sig}", "token_signature")


def test_tampered_signature_is_401(client: Client, prefix: str) -> None:
    head, payload, sig = token(put_claims(prefix)).split(".")
    flipped = ("B" if sig[0] == "A" else "A") + sig[1:]
    refused(client, prefix, f"{head}.{payload}.{flipped}", "token_signature")


def test_truncated_signature_is_401(client: Client, prefix: str) -> None:
    head, payload, sig = token(put_claims(prefix)).split(".")
    refused(client, prefix, f"{head}.{payload}.", "token_signature")


def test_token_signed_with_another_secret_is_401(client: Client, prefix: str) -> None:
    tok = token(put_claims(prefix), secret="an-attacker-secret-of-plenty-length-000")
    refused(client, prefix, tok, "token_signature")


def test_alg_none_is_401(client: Client, prefix: str) -> None:
    now = int(time.time())
    header = b64url(compact({"alg": "none", "typ": "JWT", "kid": "new"}))
    payload = b64url(compact({**put_claims(prefix), "aud": "r2gate", "iat": now, "exp": now + 60}))
    refused(client, prefix, f"{header}.{payload}.", "token_algorithm")


@pytest.mark.parametrize("alg", ["HS384", "HS512", "RS256", "ES256", "hs256", "HS256 "])
def test_other_algorithms_are_401(client: Client, prefix: str, alg: str) -> None:
    header = {"alg": alg, "typ": "JWT", "kid": "new"}
    refused(client, prefix, token(put_claims(prefix), header=header), "token_algorithm")


def test_unknown_kid_is_401(client: Client, prefix: str) -> None:
    tok = token(put_claims(prefix), kid="retired", secret=TEST_SIGNING_SECRETS["new"])
    refused(client, prefix, tok, "token_unknown_kid")


def test_missing_kid_is_401(client: Client, prefix: str) -> None:
    header = {"alg": "HS256", "typ": "JWT"}
    tok = token(put_claims(prefix), header=header, secret=TEST_SIGNING_SECRETS["new"])
    refused(client, prefix, tok, "token_unknown_kid")


@pytest.mark.parametrize("member", [{"jku": "https://evil.example/keys"}, {"crit": ["exp"]}])
def test_extra_header_members_are_401(client: Client, prefix: str, member: dict) -> None:
    header = {"alg": "HS256", "typ": "JWT", "kid": "new", **member}
    refused(client, prefix, token(put_claims(prefix), header=header), "token_malformed")


def test_expired_token_is_401(client: Client, prefix: str) -> None:
    now = int(time.time())
    tok = token(put_claims(prefix), iat=now - 800, exp=now - 61)  # past the 60 s leeway
    refused(client, prefix, tok, "token_expired")


def test_token_inside_the_leeway_still_works(client: Client, prefix: str) -> None:
    now = int(time.time())
    tok = token(put_claims(prefix), iat=now - 600, exp=now - 30)
    assert put_token(client, f"/{prefix}f.bin", tok, b"x").status == 201


def test_not_yet_valid_token_is_401(client: Client, prefix: str) -> None:
    now = int(time.time())
    refused(
        client,
        prefix,
        token(put_claims(prefix), iat=now + 300, exp=now + 600),
        "token_not_yet_valid",
    )
    tok = token({**put_claims(prefix), "nbf": now + 300}, iat=now, exp=now + 600)
    refused(client, prefix, tok, "token_not_yet_valid")


def test_lifetime_over_the_maximum_is_401(client: Client, prefix: str) -> None:
    now = int(time.time())
    refused(client, prefix, token(put_claims(prefix), iat=now, exp=now + 901), "token_lifetime")


def test_token_without_exp_is_401(client: Client, prefix: str) -> None:
    now = int(time.time())
    payload = {**put_claims(prefix), "aud": "r2gate", "iat": now}
    tok = sign({"alg": "HS256", "typ": "JWT", "kid": "new"}, payload, TEST_SIGNING_SECRETS["new"])
    refused(client, prefix, tok, "token_malformed")


@pytest.mark.parametrize("aud", ["someone-else", ["someone-else"], None])
def test_wrong_audience_is_401(client: Client, prefix: str, aud: object) -> None:
    claims: dict[str, object] = {**put_claims(prefix), "aud": aud}
    if aud is None:
        now = int(time.time())
        payload = {**put_claims(prefix), "iat": now, "exp": now + 60}
        tok = sign(
            {"alg": "HS256", "typ": "JWT", "kid": "new"}, payload, TEST_SIGNING_SECRETS["new"]
        )
    else:
        tok = token(claims)
    refused(client, prefix, tok, "token_audience")


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param("a.b", id="two-segments"),
        pytest.param("a.b.c.d", id="four-segments"),
        pytest.param("eyJ=.eyJ=.abc", id="padding"),
        pytest.param("!!!.???.***", id="not-base64url"),
        pytest.param(b64url(b"[1]") + "." + b64url(b"{}") + ".x", id="header-not-an-object"),
    ],
)
def test_malformed_tokens_are_401(client: Client, prefix: str, garbage: str) -> None:
    refused(client, prefix, garbage, "token_malformed")


def test_oversized_token_is_401(client: Client, prefix: str) -> None:
    tok = token({**put_claims(prefix), "jti": "j" * 1000, "meta": {"x": "y" * 3000}})
    refused(client, prefix, tok, "token_too_large")


def test_bad_claims_are_401(client: Client, prefix: str) -> None:
    refused(client, prefix, token({"op": "put"}), "token_malformed")  # neither key nor prefix
    refused(client, prefix, token({"op": "steal", "key": f"{prefix}f.bin"}), "token_malformed")
    refused(client, prefix, token({"op": "put", "prefix": f"{prefix}no-slash"}), "token_malformed")
