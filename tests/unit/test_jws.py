"""Compact JWS: strict structure, pinned algorithm, interop with PyJWT."""

from __future__ import annotations

import base64
import hmac
import json

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jwt.algorithms import HMACAlgorithm

from r2gate.tokens.errors import DecodeError, InvalidTokenError
from r2gate.tokens.jws import (
    MAX_TOKEN_BYTES,
    b64url_decode,
    b64url_encode,
    decode_verified,
    sign_hs256,
)
from tests.support.tokens import b64url, segment, signed_raw

SECRET = b"k1-secret-0123456789abcdefghijklmnop"
KEYS = {"k1": SECRET}


# --- PyJWT, what backends sign and verify with --------------------------------------


def pyjwt_sign(signing_input: str, secret: bytes = SECRET) -> str:
    """PyJWT's HS256 signature over `signing_input`, base64url."""
    return b64url(HMACAlgorithm(HMACAlgorithm.SHA256).sign(signing_input.encode("ascii"), secret))


def encode(
    payload: dict,
    secret: bytes = SECRET,
    header: dict | None = None,
    *,
    raw_header: str | None = None,
    raw_payload: str | None = None,
) -> str:
    """`jwt.encode(payload, secret, headers={"kid": "k1"})`; a `header` (or raw JSON text)
    PyJWT would not write is signed as given by PyJWT's HS256 (tests/support/tokens.py)."""
    if header is None and raw_header is None and raw_payload is None:
        return jwt.encode(payload, secret, algorithm="HS256", headers={"kid": "k1"})
    if header is None:
        header = {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    head = raw_header if raw_header is not None else json.dumps(header)
    body = raw_payload if raw_payload is not None else json.dumps(payload)
    return signed_raw(head, body, secret)


def pyjwt_decode(token: str, secret: bytes = SECRET) -> tuple[dict, dict]:
    """(header, payload) of a token whose signature PyJWT verified."""
    return jwt.get_unverified_header(token), jwt.decode(token, secret, algorithms=["HS256"])


def code_of(token: str, keys=KEYS) -> str:
    with pytest.raises(InvalidTokenError) as info:
        decode_verified(token, keys)
    return info.value.code


# --- base64url ------------------------------------------------------------------------


@given(st.binary(max_size=64))
def test_b64url_round_trip(data: bytes) -> None:
    encoded = b64url_encode(data)
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert b64url_decode(encoded) == data


@pytest.mark.parametrize(
    "bad", ["QQ==", "QQ=", "a+b_", "a/b_", "QUJD RA", "A", "QR", "QUJDRB", "é"]
)
def test_b64url_decode_is_strict(bad: str) -> None:
    # padding, the standard alphabet, whitespace, impossible length, non-zero trailing
    # bits (QR / QUJDRB decode to the same bytes as QQ / QUJDRA), non-ASCII
    with pytest.raises(DecodeError):
        b64url_decode(bad)


@pytest.mark.parametrize(
    "header",
    [b"[" * 2900, b'{"alg":' + b"[" * 1400 + b"]" * 1400 + b"}", b'{"kid":{"a":{"b":1}}}'],
)
def test_a_deep_header_is_refused_before_the_signature_without_recursion(header: bytes) -> None:
    # The header is parsed before anything is trusted: nesting must never reach json.loads.
    token = f"{b64url(header)}.{segment({'op': 'get'})}.{b64url(bytes(32))}"
    with pytest.raises(DecodeError):
        decode_verified(token, KEYS)


def test_a_validly_signed_deep_payload_is_refused() -> None:
    payload = '{"meta":' + "[" * 40 + "]" * 40 + "}"
    token = signed_raw('{"alg":"HS256","kid":"k1"}', payload, SECRET)
    with pytest.raises(DecodeError):
        decode_verified(token, KEYS)


# --- interop -------------------------------------------------------------------------


def test_pyjwt_token_verifies() -> None:
    token = encode({"sub": "x", "n": 1})
    header, payload = decode_verified(token, KEYS)
    assert header == {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    assert payload == {"sub": "x", "n": 1}


def test_typ_is_optional_and_case_insensitive() -> None:
    assert decode_verified(encode({}, header={"alg": "HS256", "kid": "k1"}), KEYS)
    assert decode_verified(encode({}, header={"alg": "HS256", "kid": "k1", "typ": "jwt"}), KEYS)


def test_signed_token_verifies_with_pyjwt() -> None:
    token = sign_hs256("k1", {"op": "get", "ü": "ß"}, SECRET)
    header, payload = pyjwt_decode(token)
    assert header == {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    assert payload == {"op": "get", "ü": "ß"}
    assert token.count(".") == 2 and "=" not in token


def test_str_secret_equals_bytes_secret() -> None:
    token = sign_hs256("k1", {"a": 1}, SECRET.decode())
    assert decode_verified(token, {"k1": SECRET.decode()})[1] == {"a": 1}
    assert decode_verified(token, KEYS)[1] == {"a": 1}


# --- rejections ----------------------------------------------------------------------


def test_tampered_payload() -> None:
    head, _, sig = encode({"op": "get"}).split(".")
    assert code_of(f"{head}.{segment({'op': 'put'})}.{sig}") == "token_signature"


def test_tampered_signature() -> None:
    head, body, _ = encode({"op": "get"}).split(".")
    assert code_of(f"{head}.{body}.{pyjwt_sign(head + '.' + body, b'x' * 32)}") == "token_signature"
    assert code_of(f"{head}.{body}.") == "token_signature"
    assert code_of(f"{head}.{body}.{b64url(b'short')}") == "token_signature"


def test_wrong_secret() -> None:
    assert code_of(encode({}, secret=b"another-secret-0123456789abcdefgh")) == "token_signature"


@pytest.mark.parametrize("alg", ["none", "None", "HS512", "HS384", "RS256", "ES256", "hs256", ""])
def test_algorithm_pinned(alg: str) -> None:
    header = {"alg": alg, "kid": "k1", "typ": "JWT"}
    assert code_of(encode({}, header=header)) == "token_algorithm"
    head, body, _ = encode({}, header=header).split(".")
    assert code_of(f"{head}.{body}.") == "token_algorithm"  # unsecured form


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_hs512_signed_token_refused() -> None:
    token = jwt.encode({}, SECRET, algorithm="HS512", headers={"kid": "k1"})
    assert code_of(token) == "token_algorithm"


def test_missing_alg() -> None:
    assert code_of(encode({}, header={"kid": "k1"})) == "token_algorithm"


def test_unknown_and_missing_kid() -> None:
    assert code_of(encode({}, header={"alg": "HS256", "kid": "k2"})) == "token_unknown_kid"
    assert code_of(encode({}, header={"alg": "HS256"})) == "token_unknown_kid"
    assert code_of(encode({}, header={"alg": "HS256", "kid": 1})) == "token_malformed"
    assert code_of(encode({}, header={"alg": "HS256", "kid": ""})) == "token_malformed"


@pytest.mark.parametrize(
    "extra",
    [
        {"crit": ["exp"]},
        {"jku": "https://evil"},
        {"jwk": {}},
        {"x5u": "https://x"},
        {"b64": False},
        {"cty": "JWT"},
    ],
)
def test_extra_header_members_refused(extra: dict) -> None:
    header = {"alg": "HS256", "kid": "k1", **extra}
    assert code_of(encode({}, header=header)) == "token_malformed"


def test_bad_typ() -> None:
    header = {"alg": "HS256", "kid": "k1", "typ": "at+jwt"}
    assert code_of(encode({}, header=header)) == "token_malformed"


def test_duplicate_keys_refused() -> None:
    dup_header = '{"alg":"HS256","kid":"k1","kid":"k1"}'
    assert code_of(encode({}, raw_header=dup_header)) == "token_malformed"
    # correctly signed, but the payload is ambiguous JSON
    assert code_of(encode({}, raw_payload='{"op":"get","op":"put"}')) == "token_malformed"


@pytest.mark.parametrize("raw", ["[]", '"s"', "1", "{", '{"a":NaN}', '{"a":1e400}'])
def test_payload_must_be_strict_object(raw: str) -> None:
    assert code_of(encode({}, raw_payload=raw)) == "token_malformed"


def test_header_must_be_object() -> None:
    assert code_of(encode({}, raw_header='["HS256"]')) == "token_malformed"


@pytest.mark.parametrize(
    "token",
    ["", "a", "a.b", "a.b.c.d", "..", ".b.c", "a..c", "a b.c.d", " " + "x.y.z"],
)
def test_structure(token: str) -> None:
    assert code_of(token) == "token_malformed"


def test_non_string_token() -> None:
    assert code_of(b"a.b.c") == "token_malformed"  # type: ignore[arg-type]


def test_padded_or_standard_alphabet_segments_refused() -> None:
    head, body, sig = encode({"a": "xx"}).split(".")
    assert code_of(f"{head}=.{body}.{sig}") == "token_malformed"
    assert code_of(f"{head}.{body}.{sig}=") == "token_malformed"
    std = base64.b64encode(hmac.new(SECRET, f"{head}.{body}".encode(), "sha256").digest())
    assert code_of(f"{head}.{body}.{std.decode()}") == "token_malformed"
    # a body with '+' or '/' is refused even though the signature covers it
    plus_body = body[:-1] + "+"
    sig2 = pyjwt_sign(f"{head}.{plus_body}")
    assert code_of(f"{head}.{plus_body}.{sig2}") == "token_malformed"


def test_size_limit() -> None:
    def token_with(n: int) -> str:
        return encode({"pad": "x" * n})

    n = 0
    while len(token_with(n + 1)) <= MAX_TOKEN_BYTES:
        n += 1
    assert len(token_with(n)) <= MAX_TOKEN_BYTES
    decode_verified(token_with(n), KEYS)
    assert code_of(token_with(n + 1)) == "token_too_large"
    # refused before parsing: garbage is reported as too large, not malformed
    assert code_of("!" * (MAX_TOKEN_BYTES + 1)) == "token_too_large"
    assert code_of("é" * (MAX_TOKEN_BYTES // 2 + 1)) == "token_too_large"


def test_messages_never_contain_secret() -> None:
    for token in (encode({}, secret=b"z" * 32), "a.b.c", encode({}, header={})):
        with pytest.raises(InvalidTokenError) as info:
            decode_verified(token, KEYS)
        assert SECRET.decode() not in str(info.value)


# --- property: no single-character or single-byte change survives ----------------------

VALID = encode({"op": "put", "key": "u/42/a.png", "exp": 2_000_000_000, "n": [1, 2.5]})


@given(st.data())
def test_any_character_change_is_rejected(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(VALID) - 1))
    char = data.draw(st.characters().filter(lambda c: c != VALID[index]))
    mutated = VALID[:index] + char + VALID[index + 1 :]
    assert code_of(mutated).startswith("token_")


@given(st.integers(0, len(VALID) - 1), st.integers(1, 255))
def test_any_byte_flip_is_rejected(index: int, mask: int) -> None:
    raw = bytearray(VALID.encode("ascii"))
    raw[index] ^= mask
    assert code_of(raw.decode("latin-1")).startswith("token_")


@given(st.integers(0, len(VALID) - 1))
def test_any_deletion_is_rejected(index: int) -> None:
    assert code_of(VALID[:index] + VALID[index + 1 :]).startswith("token_")
