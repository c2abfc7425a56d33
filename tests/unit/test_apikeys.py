"""Scoped API keys: configuration, Bearer authentication, scopes and minting rights."""

from __future__ import annotations

import contextlib
import json

import pytest

from r2gate import apikeys
from r2gate.apikeys import API_OPS, ApiKey, authenticate, load_api_keys
from r2gate.errors import ApiError
from r2gate.operations import Operation

ROOT = "root-secret-0123456789"
T42 = "tenant42-secret-abcdef"
RO = "readonly-secret-abcdef"


def entry(name: str, key: str, ops: list[str], prefixes: list[str]) -> dict:
    return {"name": name, "key": key, "ops": ops, "prefixes": prefixes}


KEYS_JSON = json.dumps(
    {
        "keys": [
            entry("tenant42-backend", T42, ["read", "write", "delete", "sign", "list"], ["t42/"]),
            entry("reader", RO, ["read", "list"], ["public/", "t42/shared/"]),
        ]
    }
)
KEYS = load_api_keys(ROOT, KEYS_JSON)


def error(fn, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as info:
        fn(*args, **kwargs)
    return info.value


# --- configuration -------------------------------------------------------------------


def test_load_both_sources() -> None:
    assert [k.name for k in KEYS] == ["default", "tenant42-backend", "reader"]
    default = KEYS[0]
    assert default.ops == API_OPS and default.prefixes == ("",)
    assert KEYS[1].prefixes == ("t42/",) and KEYS[2].ops == {"read", "list"}


def test_load_single_api_key_and_nothing() -> None:
    (only,) = load_api_keys(f"  {ROOT}\n", None)
    assert only.name == "default" and only.secret == ROOT
    assert load_api_keys(None, None) == [] and load_api_keys("", "  ") == []
    assert [k.name for k in load_api_keys(None, KEYS_JSON)] == ["tenant42-backend", "reader"]


def test_repr_hides_secret() -> None:
    for key in KEYS:
        assert key.secret not in repr(key)


@pytest.mark.parametrize(
    "raw",
    [
        "nope",
        "[]",
        '{"keys": {}}',
        '{"keys": [], "extra": 1}',
        '{"keys": [], "keys": []}',
        json.dumps({"keys": [{"name": "a", "key": T42, "ops": ["read"]}]}),
        json.dumps({"keys": [{**entry("a", T42, ["read"], ["x/"]), "prefix": "x/"}]}),
        json.dumps({"keys": [entry("a", T42, ["read", "admin"], ["x/"])]}),
        json.dumps({"keys": [entry("a", T42, [], ["x/"])]}),
        json.dumps({"keys": [entry("a", T42, "read", ["x/"])]}),
        json.dumps({"keys": [entry("a", T42, ["read"], ["x"])]}),
        json.dumps({"keys": [entry("a", T42, ["read"], [])]}),
        json.dumps({"keys": [entry("a", T42, ["read"], "x/")]}),
        json.dumps({"keys": [entry("a", "short", ["read"], ["x/"])]}),
        json.dumps({"keys": [entry("a", "has a space in it!", ["read"], ["x/"])]}),
        json.dumps({"keys": [entry("", T42, ["read"], ["x/"])]}),
        json.dumps({"keys": [entry("a", T42, ["read"], ["x/"]), entry("a", RO, ["read"], ["y/"])]}),
        json.dumps(
            {"keys": [entry("a", T42, ["read"], ["x/"]), entry("b", T42, ["read"], ["y/"])]}
        ),
        json.dumps({"keys": [entry("default", T42, ["read"], ["x/"])]}),  # clashes with API_KEY
        json.dumps({"keys": [entry("a", ROOT, ["read"], ["x/"])]}),  # same secret as API_KEY
    ],
)
def test_load_refuses(raw: str) -> None:
    err = error(load_api_keys, ROOT, raw)
    assert (err.status, err.code) == (500, "server_misconfigured")
    for secret in (ROOT, T42, RO, "short"):
        assert secret not in err.message


def test_short_api_key_refused() -> None:
    assert error(load_api_keys, "tooshort", None).code == "server_misconfigured"


# --- authentication ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (f"Bearer {ROOT}", "default"),
        (f"bearer {T42}", "tenant42-backend"),
        (f"BEARER   {RO}  ", "reader"),
        (f"\tBearer\t{RO}", "reader"),
    ],
)
def test_authenticate(header: str, name: str) -> None:
    assert authenticate(header, KEYS).name == name


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_credentials(header: str | None) -> None:
    err = error(authenticate, header, KEYS)
    assert (err.status, err.code) == (401, "auth_required")
    assert err.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer wrong-secret-0123456789",
        f"Basic {ROOT}",
        f"Token {ROOT}",
        ROOT,
        f"Bearer {ROOT}x",
        f"Bearer {ROOT[:-1]}",
        f"Bearer {ROOT} {ROOT}",
        "Bearer \udcff",
    ],
)
def test_invalid_credentials(header: str) -> None:
    err = error(authenticate, header, KEYS)
    assert (err.status, err.code) == (401, "auth_invalid")
    assert ROOT not in err.message


def test_no_keys_configured() -> None:
    assert error(authenticate, f"Bearer {ROOT}", []).code == "auth_invalid"


@pytest.mark.parametrize("secret", [ROOT, RO, "nothing-matches-this-value"])
def test_every_key_is_compared(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    calls: list[tuple[int, int]] = []
    real = apikeys.hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(apikeys.hmac, "compare_digest", counting)
    with contextlib.suppress(ApiError):
        authenticate(f"Bearer {secret}", KEYS)
    # one comparison per configured key, always of equal-length digests
    assert calls == [(32, 32)] * len(KEYS)


# --- scopes --------------------------------------------------------------------------


def test_allows_on_prefix_boundary() -> None:
    tenant = KEYS[1]
    assert tenant.allows(Operation.WRITE, "t42/a.png") and tenant.allows(Operation.LIST, "t42/")
    assert not tenant.allows(Operation.WRITE, "t420/a.png")
    assert not tenant.allows(Operation.LIST, "t4") and not tenant.allows(Operation.LIST, "")
    assert not tenant.allows(Operation.READ, "other/t42/x")


def test_allows_checks_op() -> None:
    reader = KEYS[2]
    assert reader.allows(Operation.READ, "public/x") and reader.allows(
        Operation.READ, "t42/shared/y"
    )
    assert not reader.allows(Operation.WRITE, "public/x") and not reader.allows(
        Operation.DELETE, "public/x"
    )
    assert not reader.allows(Operation.READ, "t42/private")


def test_default_key_allows_everything() -> None:
    default = KEYS[0]
    assert {"read", "write", "delete", "sign", "list"} == API_OPS
    for operation in Operation:
        assert default.allows(operation, "any/key") and default.allows(operation, "")


def test_apikey_constructor_validates() -> None:
    with pytest.raises(ValueError):
        ApiKey("x", "short", frozenset({"read"}), ("",))
    with pytest.raises(ValueError):
        ApiKey("x", "long-enough-secret-1", frozenset({"read"}), ("no-slash",))
    with pytest.raises(ValueError) as info:
        ApiKey("x", "long-enough-secret-1", frozenset({"root"}), ("",))
    assert "long-enough-secret-1" not in str(info.value)
