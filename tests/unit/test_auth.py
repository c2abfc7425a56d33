"""identify(): one Principal per request, and what each kind of principal may do."""

from __future__ import annotations

import json

import jwt
import pytest

from r2gate.auth import KeyPrincipal, Operation, TokenPrincipal, identify, presents_token
from r2gate.errors import ApiError
from r2gate.settings import parse_settings
from r2gate.uploads import UploadBounds

NOW = 1_700_000_000
SECRET = "auth-signing-secret-" + "s" * 32
ROOT = "root-key-0123456789abcdef"
DOTTED = "dotted.api.key-0123456789"
TENANT = "tenant-key-0123456789abcd"
SETTINGS = parse_settings(
    {
        "API_KEY": ROOT,
        "API_KEYS": json.dumps(
            {
                "keys": [
                    {"name": "dotted", "key": DOTTED, "ops": ["read"], "prefixes": [""]},
                    {"name": "t", "key": TENANT, "ops": ["write", "list"], "prefixes": ["t/"]},
                ]
            }
        ),
        "SIGNING_KEYS": json.dumps({"k1": SECRET}),
    }
)
NO_TOKENS = parse_settings({"API_KEY": ROOT})


def token(**claims: object) -> str:
    """A token from PyJWT, as a backend mints one."""
    payload = {"aud": "r2gate", "iat": NOW, "exp": NOW + 300, **claims}
    return jwt.encode(payload, SECRET, algorithm="HS256", headers={"kid": "k1"})


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


def refused(headers: dict[str, str], query: str = "", settings=SETTINGS) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        identify(headers, query, settings, NOW)
    return caught.value.status, caught.value.code


def denied(principal, operation: Operation, key: str | None = None) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        principal.require(operation, key)
    return caught.value.status, caught.value.code


def test_an_api_key_is_a_trusted_key_principal() -> None:
    principal = identify(bearer(ROOT), "", SETTINGS, NOW)
    assert isinstance(principal, KeyPrincipal) and principal.api_key.name == "default"
    assert (principal.owner, principal.upload, principal.download_name) == (
        "key:default",
        None,
        None,
    )
    for operation in Operation:
        principal.require(operation, "any/key")


def test_a_scoped_key_is_refused_outside_its_ops_and_prefixes() -> None:
    tenant = identify(bearer(TENANT), "", SETTINGS, NOW)
    tenant.require(Operation.WRITE, "t/a.bin")
    tenant.require(Operation.MULTIPART, "t/a.bin")  # "write" grants multipart uploads
    tenant.require(Operation.LIST, "t/")
    assert tenant.prefixes == ("t/",)
    assert denied(tenant, Operation.WRITE, "u/a.bin") == (403, "key_scope")
    assert denied(tenant, Operation.READ, "t/a.bin") == (403, "key_scope")
    assert denied(tenant, Operation.SIGN) == (403, "key_scope")


def test_missing_or_wrong_credentials_are_401() -> None:
    assert refused({}) == (401, "auth_required")
    assert refused(bearer("not-a-configured-key-000")) == (401, "auth_invalid")
    assert refused({"authorization": f"Basic {ROOT}"}) == (401, "auth_invalid")


def test_a_token_in_the_query_is_a_bounded_token_principal() -> None:
    grant = token(op="put", key="t/a.png", ct=["image/*"], max=10, meta={"u": "7"}, jti="j1")
    principal = identify({}, f"token={grant}", SETTINGS, NOW)
    assert isinstance(principal, TokenPrincipal)
    assert principal.owner == "jti:j1"
    assert principal.upload == UploadBounds(
        content_types=("image/*",), max_bytes=10, metadata={"u": "7"}, overwrite=False
    )
    principal.require(Operation.WRITE, "t/a.png")
    assert denied(principal, Operation.WRITE, "t/b.png") == (403, "token_scope")
    assert denied(principal, Operation.MULTIPART, "t/a.png") == (403, "token_scope")
    assert denied(principal, Operation.READ, "t/a.png") == (403, "token_scope")


def test_a_query_token_wins_over_the_authorization_header() -> None:
    grant = token(op="get", key="t/a.png", dn="A.png")
    principal = identify(bearer(ROOT), f"x=1&token={grant}", SETTINGS, NOW)
    assert isinstance(principal, TokenPrincipal) and principal.download_name == "A.png"
    assert presents_token(f"x=1&token={grant}") and not presents_token("tokens=1")


def test_a_bearer_token_is_a_token_unless_it_is_a_dotted_api_key() -> None:
    assert isinstance(
        identify(bearer(token(op="delete", prefix="t/")), "", SETTINGS, NOW), TokenPrincipal
    )
    dotted = identify(bearer(DOTTED), "", SETTINGS, NOW)
    assert isinstance(dotted, KeyPrincipal) and dotted.api_key.name == "dotted"


def test_token_failures_are_401_with_the_token_code() -> None:
    assert refused({}, f"token={token(op='put', key='a', exp=NOW - 61)}") == (
        401,
        "token_expired",
    )
    assert refused({}, "token=a.b.c") == (401, "token_malformed")
    assert refused(bearer("x.y.z")) == (401, "token_malformed")
    assert refused({}, f"token={token(op='put', key='a')}", NO_TOKENS) == (
        401,
        "token_unsupported",
    )


def test_a_token_can_never_list_or_sign() -> None:
    principal = identify({}, f"token={token(op='put', prefix='t/')}", SETTINGS, NOW)
    assert denied(principal, Operation.LIST, "t/") == (401, "auth_invalid")
    assert denied(principal, Operation.SIGN) == (401, "auth_invalid")
