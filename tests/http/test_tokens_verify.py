"""Token verification over HTTP: forged, tampered, expired and foreign tokens are 401.

Every token here is minted by PyJWT (tests/support/tokens.py) with chosen times, so nothing
sleeps; a refused upload never leaves an object behind.
"""

from __future__ import annotations

import json
import time

import jwt
import pytest

from tests.support.client import Client
from tests.support.settings import TEST_SIGNING_SECRETS
from tests.support.tokens import b64url, put_token, segment, signed_raw, token, with_header

pytestmark = pytest.mark.needs("SIGNING_KEYS")  # tokens minted with the suite's kids


def refused(client: Client, prefix: str, tok: str, code: str) -> None:
    """PUT with `tok` is 401 `code`, says nothing secret, and stores nothing."""
    reply = put_token(client, f"/{prefix}f.bin", tok, b"data")
    assert (reply.status, reply.error_code) == (401, code), reply.body
    for secret in TEST_SIGNING_SECRETS.values():
        assert secret not in reply.body.decode()
    assert client.get(f"/{prefix}f.bin").status == 404


def put_claims(prefix: str) -> dict[str, str]:
    return {"op": "put", "key": f"{prefix}f.bin"}


def test_a_pyjwt_token_uploads(client: Client, prefix: str) -> None:
    reply = put_token(client, f"/{prefix}f.bin", token(put_claims(prefix)), b"data")
    assert reply.status == 201, reply.body


def test_what_a_backend_writes_with_pyjwt_uploads_with_plain_put(
    client: Client, prefix: str
) -> None:
    """`jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})` (docs/tokens.md)."""
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
    tok = jwt.encode(claims, TEST_SIGNING_SECRETS["new"], algorithm="HS256", headers={"kid": "new"})
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
    payload = {**put_claims(prefix), "aud": "r2gate", "iat": now, "exp": now + 60}
    tok = signed_raw(
        '{"alg":"HS256","typ":"JWT","kid":"new"}', json.dumps(payload), TEST_SIGNING_SECRETS["new"]
    )
    assert put_token(client, f"/{prefix}f.bin", tok, b"x").status == 201


def test_tokens_signed_with_the_previous_key_still_verify(client: Client, prefix: str) -> None:
    tok = token(put_claims(prefix), kid="old")
    assert put_token(client, f"/{prefix}f.bin", tok, b"x").status == 201


def test_tampered_payload_is_401(client: Client, prefix: str) -> None:
    head, _, sig = token({"op": "put", "key": f"{prefix}other.bin"}).split(".")
    forged = token(put_claims(prefix)).split(".")[1]
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
    payload = {**put_claims(prefix), "aud": "r2gate", "iat": now, "exp": now + 60}
    tok = jwt.encode(payload, None, algorithm="none", headers={"kid": "new"})
    assert tok.endswith(".")
    refused(client, prefix, tok, "token_algorithm")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_hmac_algorithms_are_401(client: Client, prefix: str, alg: str) -> None:
    now = int(time.time())
    payload = {**put_claims(prefix), "aud": "r2gate", "iat": now, "exp": now + 60}
    tok = jwt.encode(payload, TEST_SIGNING_SECRETS["new"], algorithm=alg, headers={"kid": "new"})
    refused(client, prefix, tok, "token_algorithm")


@pytest.mark.parametrize("alg", ["RS256", "ES256", "hs256", "HS256 "])
def test_other_algorithm_names_are_401(client: Client, prefix: str, alg: str) -> None:
    header = {"alg": alg, "typ": "JWT", "kid": "new"}
    refused(client, prefix, with_header(token(put_claims(prefix)), header), "token_algorithm")


def test_unknown_kid_is_401(client: Client, prefix: str) -> None:
    tok = token(put_claims(prefix), kid="retired", secret=TEST_SIGNING_SECRETS["new"])
    refused(client, prefix, tok, "token_unknown_kid")


def test_missing_kid_is_401(client: Client, prefix: str) -> None:
    tok = token(put_claims(prefix), kid=None, secret=TEST_SIGNING_SECRETS["new"])
    assert "kid" not in jwt.get_unverified_header(tok)
    refused(client, prefix, tok, "token_unknown_kid")


@pytest.mark.parametrize("member", [{"jku": "https://evil.example/keys"}, {"crit": ["exp"]}])
def test_extra_header_members_are_401(client: Client, prefix: str, member: dict) -> None:
    refused(client, prefix, token(put_claims(prefix), headers=member), "token_malformed")


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
    refused(client, prefix, token({**put_claims(prefix), "exp": None}), "token_malformed")


@pytest.mark.parametrize("aud", ["someone-else", ["someone-else"], None])
def test_wrong_audience_is_401(client: Client, prefix: str, aud: object) -> None:
    refused(client, prefix, token({**put_claims(prefix), "aud": aud}), "token_audience")


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param("a.b", id="two-segments"),
        pytest.param("a.b.c.d", id="four-segments"),
        pytest.param("eyJ=.eyJ=.abc", id="padding"),
        pytest.param("!!!.???.***", id="not-base64url"),
        pytest.param(b64url(b"[1]") + "." + segment({}) + ".x", id="header-not-an-object"),
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
