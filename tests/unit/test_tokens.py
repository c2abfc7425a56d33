"""Upload/download tokens: claims, times, scopes, upload checks, minting and rotation."""

from __future__ import annotations

import json

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.errors import ApiError, from_token_error
from r2gate.tokens import (
    HARD_MAX_LIFETIME,
    InvalidClaimError,
    InvalidTokenError,
    TokenClaims,
    TokenConfig,
    TokenError,
    mint_download_token,
    mint_token,
    mint_upload_token,
    parse_claims,
    verify_token,
)
from r2gate.tokens import errors as tokens_errors

NOW = 1_700_000_000
OLD = "old-secret-0123456789abcdefghijklmnopq"
NEW = "new-secret-0123456789abcdefghijklmnopq"
KEYS_JSON = json.dumps({"old": OLD, "new": NEW})
CONFIG = TokenConfig.from_json(KEYS_JSON)


def fixed_hex(n: int) -> str:
    return "ab" * n


# --- PyJWT, what backends mint and verify with ------------------------------------------


def jwt_encode(payload: dict, secret: str = NEW, kid: str = "new") -> str:
    """A token as PyJWT signs it (claims as given: PyJWS does not judge them)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return jwt.api_jws.encode(body, secret, algorithm="HS256", headers={"kid": kid})


def jwt_decode(token: str, secret: str) -> tuple[dict, dict]:
    """(header, payload) of a token whose signature PyJWT verified."""
    payload = jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        options={
            "verify_exp": False,
            "verify_iat": False,
            "verify_nbf": False,
            "verify_aud": False,
        },
    )
    return jwt.get_unverified_header(token), payload


def claims(**extra) -> dict:
    base = {"aud": "r2gate", "iat": NOW, "exp": NOW + 600, "op": "put", "key": "u/42/a.png"}
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def verify(payload: dict, config: TokenConfig = CONFIG, now: int = NOW, **kw) -> TokenClaims:
    return verify_token(jwt_encode(payload, **kw), config, now)


def error(fn, *args, **kwargs) -> ApiError:
    """The tokens error `fn` raises, as the edge answers it (status, one code per class)."""
    with pytest.raises(TokenError) as info:
        fn(*args, **kwargs)
    return from_token_error(info.value)


def verify_code(payload: dict, config: TokenConfig = CONFIG, now: int = NOW, **kw) -> str:
    err = error(verify, payload, config, now, **kw)
    assert err.status == 401
    return err.code


# --- config --------------------------------------------------------------------------


def test_config_last_key_signs_and_secrets_hidden() -> None:
    assert CONFIG.signing_kid == "new"
    assert list(CONFIG.keys) == ["old", "new"]
    assert OLD not in repr(CONFIG) and NEW not in repr(CONFIG)
    assert CONFIG.audience == "r2gate" and CONFIG.max_lifetime == 900 and CONFIG.leeway == 60


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        "{}",
        '{"a": 1}',
        '{"a": "short"}',
        f'{{"a": "{OLD}", "a": "{NEW}"}}',
        f'{{"": "{OLD}"}}',
        f"old:{OLD},old:{NEW}",  # the unquoted form: a kid twice
        f"old:{OLD},new",  # an entry without a secret
        f":{OLD}",  # no kid
        "a:short",
        "",
    ],
)
def test_config_from_json_refuses(raw: str) -> None:
    err = error(TokenConfig.from_json, raw)
    assert (err.status, err.code) == (500, "server_misconfigured")
    assert OLD not in err.message and NEW not in err.message and "short" not in err.message


def test_signing_keys_without_quotes_are_the_same_keys_in_the_same_order() -> None:
    unquoted = TokenConfig.from_json(f"old:{OLD}, new:{NEW}")
    assert unquoted.keys == CONFIG.keys and unquoted.signing_kid == "new"
    token = mint_upload_token(unquoted, key="a.png", content_types="image/png", now=NOW)
    assert jwt_decode(token, NEW)[0]["kid"] == "new"
    assert verify_token(token, CONFIG, NOW).key == "a.png"


def test_config_caps() -> None:
    config = TokenConfig.from_json(KEYS_JSON, max_lifetime=10**9, leeway=3600, issuer="me")
    assert config.max_lifetime == HARD_MAX_LIFETIME and config.leeway == 60
    assert error(TokenConfig.from_json, KEYS_JSON, max_lifetime=0).status == 500
    assert error(TokenConfig.from_json, KEYS_JSON, leeway=-1).status == 500


# --- interop: stock JWT in, stock JWT out --------------------------------------------


def test_reference_token_verifies() -> None:
    got = verify(
        claims(
            ct=["image/*"],
            max=1000,
            sha256="AB" * 32,
            meta={"a": "b"},
            cache="max-age=60",
            ow=True,
            jti="j1",
            sub="ignored",
        )
    )
    assert got.op == "put" and got.key == "u/42/a.png" and got.prefix is None
    assert got.content_types == ("image/*",) and got.max_bytes == 1000
    assert got.sha256 == "ab" * 32 and got.metadata == {"a": "b"}
    assert got.cache_control == "max-age=60" and got.overwrite is True and got.jti == "j1"
    assert (got.kid, got.issued_at, got.expires_at, got.not_before) == ("new", NOW, NOW + 600, None)


def test_minted_token_decodes_with_reference() -> None:
    token = mint_upload_token(
        CONFIG,
        prefix="u/42/",
        content_types="image/*",
        max_bytes=10,
        metadata={"x": "y"},
        now=NOW,
        expires_in=300,
        random_hex=fixed_hex,
    )
    header, payload = jwt_decode(token, NEW)
    assert header == {"alg": "HS256", "typ": "JWT", "kid": "new"}
    assert payload == {
        "aud": "r2gate",
        "iat": NOW,
        "exp": NOW + 300,
        "op": "put",
        "prefix": "u/42/",
        "ct": ["image/*"],
        "max": 10,
        "meta": {"x": "y"},
        "jti": "ab" * 16,
    }
    assert verify_token(token, CONFIG, NOW).prefix == "u/42/"


def test_mint_is_deterministic_with_injected_inputs() -> None:
    a = mint_download_token(CONFIG, "k", now=NOW, jti="j")
    assert a == mint_download_token(CONFIG, "k", now=NOW, jti="j")
    got = verify_token(a, CONFIG, NOW)
    assert (got.op, got.key, got.jti, got.expires_at) == ("get", "k", "j", NOW + 900)


def test_mint_defaults_read_clock_and_randomness() -> None:
    token = mint_download_token(CONFIG, "k", download_name="report.pdf")
    _, payload = jwt_decode(token, NEW)
    assert len(payload["jti"]) == 32 and payload["dn"] == "report.pdf"
    assert payload["exp"] - payload["iat"] == 900


def test_mint_with_plain_key_map_and_issuer() -> None:
    token = mint_download_token({"only": NEW}, "k", now=NOW, jti="j")
    assert jwt_decode(token, NEW)[0]["kid"] == "only"
    issuing = TokenConfig.from_json(KEYS_JSON, issuer="backend", audience="files")
    token = mint_download_token(issuing, "k", now=NOW, jti="j")
    assert jwt_decode(token, NEW)[1]["iss"] == "backend"
    assert verify_token(token, issuing, NOW).key == "k"
    assert error(verify_token, token, CONFIG, NOW).code == "token_audience"


def test_rotation() -> None:
    old_token = jwt_encode(claims(), secret=OLD, kid="old")
    assert verify_token(old_token, CONFIG, NOW).kid == "old"
    new_token = mint_upload_token(CONFIG, key="a", now=NOW)
    assert jwt_decode(new_token, NEW)[0]["kid"] == "new"
    assert mint_upload_token(CONFIG, key="a", now=NOW, kid="old").count(".") == 2
    after = TokenConfig.from_json(json.dumps({"new": NEW}))
    assert error(verify_token, old_token, after, NOW).code == "token_unknown_kid"
    assert verify_token(new_token, after, NOW).kid == "new"
    assert error(mint_upload_token, CONFIG, key="a", now=NOW, kid="gone").status == 500


def test_secret_swapped_under_kid_fails() -> None:
    assert verify_code(claims(), secret=OLD, kid="new") == "token_signature"


# --- audience, issuer, times ---------------------------------------------------------


def test_audience() -> None:
    assert verify_code(claims(aud="other")) == "token_audience"
    assert verify_code(claims(aud=None)) == "token_audience"
    assert verify_code(claims(aud=["a", "b"])) == "token_audience"
    assert verify(claims(aud=["a", "r2gate"])).key == "u/42/a.png"
    assert verify_code(claims(aud=5)) == "token_malformed"


def test_issuer_only_when_configured() -> None:
    assert verify(claims(iss="anyone")).op == "put"
    config = TokenConfig.from_json(KEYS_JSON, issuer="backend")
    assert verify_code(claims(), config) == "token_issuer"
    assert verify_code(claims(iss="other"), config) == "token_issuer"
    assert verify(claims(iss="backend"), config).op == "put"


def test_expiry_with_leeway_edges() -> None:
    payload = claims(exp=NOW, iat=NOW - 600)
    assert verify(payload, now=NOW + 59).op == "put"
    assert verify_code(payload, now=NOW + 60) == "token_expired"
    strict = TokenConfig.from_json(KEYS_JSON, leeway=0)
    assert verify_code(payload, strict, now=NOW) == "token_expired"
    assert verify(payload, strict, now=NOW - 1).op == "put"


def test_not_before_with_leeway_edges() -> None:
    payload = claims(nbf=NOW + 60, iat=None, exp=NOW + 600)
    assert verify(payload).not_before == NOW + 60
    assert verify_code(claims(nbf=NOW + 61, iat=None), now=NOW) == "token_not_yet_valid"


def test_iat_in_future_refused() -> None:
    assert verify(claims(iat=NOW + 60, exp=NOW + 900)).issued_at == NOW + 60
    assert verify_code(claims(iat=NOW + 61, exp=NOW + 900)) == "token_not_yet_valid"


def test_lifetime_cap() -> None:
    assert verify(claims(iat=NOW, exp=NOW + 900)).op == "put"
    assert verify_code(claims(iat=NOW, exp=NOW + 901)) == "token_lifetime"
    # without iat: measured from nbf, then from now
    assert verify_code(claims(iat=None, nbf=NOW - 10, exp=NOW + 891)) == "token_lifetime"
    assert verify(claims(iat=None, nbf=NOW - 10, exp=NOW + 890)).op == "put"
    assert verify(claims(iat=None, exp=NOW + 900)).issued_at is None
    assert verify_code(claims(iat=None, exp=NOW + 901)) == "token_lifetime"
    # the hard cap wins over configuration
    wide = TokenConfig.from_json(KEYS_JSON, max_lifetime=10**7)
    assert verify(claims(exp=NOW + HARD_MAX_LIFETIME), wide).op == "put"
    assert verify_code(claims(exp=NOW + HARD_MAX_LIFETIME + 1), wide) == "token_lifetime"


@pytest.mark.parametrize(
    "payload",
    [
        claims(exp=None),
        claims(exp="1700000600"),
        claims(exp=True),
        claims(nbf=[1]),
        claims(iat="now"),
    ],
)
def test_time_claim_types(payload: dict) -> None:
    assert verify_code(payload) == "token_malformed"


def test_float_times_accepted() -> None:
    assert verify(claims(iat=NOW + 0.5, exp=NOW + 600.5)).expires_at == NOW + 600.5


# --- grant claims --------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"op": "copy"},
        {"op": None},
        {"prefix": "u/42/"},  # key and prefix
        {"key": None},  # neither
        {"key": None, "prefix": "u/42"},  # prefix without '/'
        {"key": ""},
        {"key": "x" * 1025},
        {"key": 42},
        {"max": 1, "len": 1},
        {"max": -1},
        {"len": 1.5},
        {"max": True},
        {"ct": []},
        {"ct": "image/png"},
        {"ct": ["image"]},
        {"ct": ["*/png"]},
        {"sha256": "ab" * 31},
        {"sha256": "zz" * 32},
        {"meta": {"a": 1}},
        {"meta": {"": "x"}},
        {"meta": ["a"]},
        {"cache": "no-store\r\nX-Evil: 1"},
        {"cache": ""},
        {"ow": "true"},
        {"jti": 5},
        {"dn": "a.pdf"},  # get-only claim on a put token
        {"op": "get", "ct": ["image/*"]},  # upload-only claim on a get token
        {"op": "delete", "ow": False},
        {"op": "get", "dn": "a\nb"},
    ],
)
def test_invalid_claims(extra: dict) -> None:
    assert verify_code(claims(**extra)) == "token_malformed"


def test_meta_size_limit_is_inclusive() -> None:
    # names and values add up to at most 8192 bytes of UTF-8, as R2 stores them; 8192 bytes
    # cannot fit a 4096-byte token, the limit still guards minting
    filler = 8192 - len("k")
    grant = parse_claims({"op": "put", "key": "k", "meta": {"k": "v" * filler}})
    assert len(grant.metadata["k"]) == filler
    with pytest.raises(InvalidClaimError):
        parse_claims({"op": "put", "key": "k", "meta": {"k": "v" * (filler + 1)}})
    with pytest.raises(InvalidClaimError):
        parse_claims({"op": "put", "key": "k", "meta": {"k": "é" * (filler // 2 + 1)}})
    assert verify_code(claims(meta={"k": "v" * filler})) == "token_too_large"


@pytest.mark.parametrize(
    "meta",
    [
        {"bad name": "x"},
        {"a:b": "x"},
        {"a": "x\r\ny"},
        {"a": "\x00"},
        {f"k{i}": "v" for i in range(65)},
    ],
)
def test_meta_must_be_storable_metadata(meta: dict[str, str]) -> None:
    with pytest.raises(InvalidClaimError, match="meta"):
        parse_claims({"op": "put", "key": "k", "meta": meta})
    assert verify_code(claims(meta=meta)) == "token_malformed"


def test_unknown_claims_ignored_and_get_token_with_dn() -> None:
    got = verify(claims(op="get", dn="Report 2024.pdf", custom={"x": 1}))
    assert got.download_name == "Report 2024.pdf" and got.op == "get"


# --- scope ---------------------------------------------------------------------------


def test_prefix_scope_on_segment_boundary() -> None:
    got = verify(claims(key=None, prefix="u/42/"))
    assert got.covers("u/42/x") and got.covers("u/42/deep/x.png")
    assert not got.covers("u/420/x") and not got.covers("u/42") and not got.covers("u/4")


def test_key_scope_is_exact() -> None:
    got = verify(claims())
    assert got.covers("u/42/a.png")
    assert not got.covers("u/42/a.png2") and not got.covers("u/42/a.pn")


# --- minting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": "a", "prefix": "b/"},
        {},
        {"key": "a", "op": "get"},
        {"key": "a", "max_bytes": 1, "exact_length": 1},
        {"key": "a", "expires_in": 901},
        {"key": "a", "expires_in": 0},
        {"key": "a", "content_types": []},
        {"prefix": "no-slash"},
        {"key": "a", "sha256": "nothex"},
    ],
)
def test_mint_upload_refuses(kwargs: dict) -> None:
    err = error(mint_upload_token, CONFIG, now=NOW, **kwargs)
    assert (err.status, err.code) == (400, "invalid_request")


def test_mint_token_generic_delete() -> None:
    token = mint_token(CONFIG, {"op": "delete", "prefix": "t/"}, now=NOW, expires_in=60)
    got = verify_token(token, CONFIG, NOW)
    assert (got.op, got.prefix, got.expires_at) == ("delete", "t/", NOW + 60)


def test_mint_token_ignores_smuggled_registered_claims() -> None:
    request = {"op": "get", "key": "k", "exp": NOW + 10**6, "aud": "x", "iss": "me", "kid": "z"}
    token = mint_token(CONFIG, request, now=NOW, expires_in=60, random_hex=fixed_hex)
    header, payload = jwt_decode(token, NEW)
    assert header["kid"] == "new" and "iss" not in payload
    assert (payload["aud"], payload["exp"]) == ("r2gate", NOW + 60)


def test_mint_default_expiry_respects_smaller_cap() -> None:
    short = TokenConfig.from_json(KEYS_JSON, max_lifetime=120)
    token = mint_download_token(short, "k", now=NOW, jti="j")
    assert verify_token(token, short, NOW).expires_at == NOW + 120


# --- property: tampering never yields anything but a 401 -------------------------------

VALID = mint_upload_token(
    CONFIG, prefix="u/42/", content_types=["image/*"], max_bytes=5, now=NOW, jti="j"
)


def test_valid_fixture() -> None:
    assert verify_token(VALID, CONFIG, NOW).prefix == "u/42/"


@given(st.data())
def test_any_character_change_is_rejected(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(VALID) - 1))
    char = data.draw(st.characters().filter(lambda c: c != VALID[index]))
    err = error(verify_token, VALID[:index] + char + VALID[index + 1 :], CONFIG, NOW)
    assert err.status == 401


@given(st.integers(0, len(VALID) - 1), st.integers(0, 7))
def test_any_bit_flip_is_rejected(index: int, bit: int) -> None:
    raw = bytearray(VALID.encode())
    raw[index] ^= 1 << bit
    assert error(verify_token, raw.decode("latin-1"), CONFIG, NOW).status == 401


# --- the exception tree ---------------------------------------------------------------


def test_every_token_error_maps_to_one_status_and_its_own_code() -> None:
    classes = [getattr(tokens_errors, name) for name in tokens_errors.__all__]
    statuses = {}
    for cls in classes:
        if cls is TokenError:
            with pytest.raises(TypeError):
                from_token_error(cls("x"))
            continue
        answer = from_token_error(cls("a message"))
        assert (answer.code, answer.message) == (cls.code, "a message")
        statuses[cls.__name__] = answer.status
    assert statuses.pop("InvalidGrantError") == 400
    assert statuses.pop("TokenConfigError") == 500
    assert set(statuses.values()) == {401}
    refused = [cls for cls in classes if issubclass(cls, InvalidTokenError)]
    assert all(not issubclass(cls, ValueError | TypeError) for cls in classes)
    assert len({cls.code for cls in refused if cls is not InvalidClaimError}) == len(refused) - 1


# --- a token checked before is not trusted for longer than its times allow ---------------


def test_a_token_used_again_is_still_checked_against_the_clock() -> None:
    token = jwt_encode(claims())
    assert verify_token(token, CONFIG, NOW).key == "u/42/a.png"
    assert verify_token(token, CONFIG, NOW + 10).key == "u/42/a.png"
    assert error(verify_token, token, CONFIG, NOW + 600 + 60).code == "token_expired"
    assert error(verify_token, token, CONFIG, NOW - 120).code == "token_not_yet_valid"


def test_a_token_checked_under_one_config_is_checked_again_under_another() -> None:
    token = jwt_encode(claims(), secret=OLD, kid="old")
    assert verify_token(token, CONFIG, NOW).kid == "old"
    rotated = TokenConfig.from_json(json.dumps({"new": NEW}))  # the old key retired
    assert error(verify_token, token, rotated, NOW).code == "token_unknown_kid"
    stricter = TokenConfig.from_json(KEYS_JSON, audience="elsewhere")
    assert error(verify_token, token, stricter, NOW).code == "token_audience"


def test_a_refused_token_is_refused_every_time() -> None:
    forged = jwt_encode(claims(), secret="not-a-configured-secret-0123456789")
    for _ in range(2):
        assert error(verify_token, forged, CONFIG, NOW).code == "token_signature"
