"""Compact JWS (RFC 7515) with HS256 only: strict decoding and constant-time verification.

Tokens are plain JWTs, so any backend can mint them with a stock JWT library
(PyJWT, jose, jsonwebtoken): header ``{"alg": "HS256", "typ": "JWT", "kid": ...}``.

`decode_verified` refuses, before trusting anything:

* tokens over `MAX_TOKEN_BYTES` (TokenTooLargeError), checked before parsing;
* anything but three strict base64url segments: no padding, no ``+``/``/``, no
  non-canonical trailing bits (DecodeError);
* headers that are not a JSON object (parsed by `r2gate.json_bounds`: no recursion, at most
  two levels and 16 values, so an unauthenticated header cannot exhaust the stack), have
  duplicate keys, or carry any member other
  than ``alg``, ``typ`` (absent or "JWT") and ``kid`` -- so ``crit``, ``jku``, ``jwk``,
  ``x5u``, ``b64`` ... are all refused (DecodeError);
* any ``alg`` other than exactly "HS256", including "none" (InvalidAlgorithmError);
* a missing ``kid`` or one not in the configured key map (UnknownKeyIdError);
* a signature that does not match, compared with `hmac.compare_digest`
  (InvalidSignatureError).

Only then is the payload decoded (strict JSON object, no duplicate keys). Messages never
contain key material.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

from r2gate.json_bounds import JsonRejected, load_json_object

from .errors import (
    DecodeError,
    InvalidAlgorithmError,
    InvalidSignatureError,
    TokenTooLargeError,
    UnknownKeyIdError,
)

__all__ = [
    "ALGORITHM",
    "MAX_TOKEN_BYTES",
    "b64url_decode",
    "b64url_encode",
    "decode_verified",
    "sign_hs256",
]

ALGORITHM = "HS256"
MAX_TOKEN_BYTES = 4096
_ALLOWED_HEADER = frozenset({"alg", "typ", "kid"})
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_SIGNATURE_BYTES = 32
# A header is one flat object of three members; a payload holds at most a list (ct) or an
# object (meta) inside the object. Both are parsed before they can be trusted (the header
# even before the signature is checked), so their shape is bounded tightly.
_HEADER_DEPTH, _HEADER_VALUES = 2, 16
_PAYLOAD_DEPTH, _PAYLOAD_VALUES = 3, 1024


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    """Strict inverse of `b64url_encode`; DecodeError on anything non-canonical."""
    if not isinstance(segment, str) or _B64URL.fullmatch(segment) is None:
        raise DecodeError("token segment is not valid base64url")
    if len(segment) % 4 == 1:
        raise DecodeError("token segment is not valid base64url")
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise DecodeError("token segment is not valid base64url") from None
    if b64url_encode(data) != segment:  # non-zero trailing bits: two spellings, one value
        raise DecodeError("token segment is not canonical base64url")
    return data


def _json_segment(value: Mapping[str, Any]) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return b64url_encode(text.encode("ascii"))


def _secret_bytes(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def _mac(secret: bytes | str, signing_input: bytes) -> bytes:
    return hmac.new(_secret_bytes(secret), signing_input, hashlib.sha256).digest()


def sign_hs256(kid: str, payload: Mapping[str, Any], secret: bytes | str) -> str:
    """Serialise and sign a compact JWS with header ``{"alg": "HS256", "typ": "JWT", "kid"}``."""
    head = {"alg": ALGORITHM, "typ": "JWT", "kid": kid}
    signing_input = f"{_json_segment(head)}.{_json_segment(payload)}"
    signature = _mac(secret, signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def _decode_header(segment: str) -> dict[str, Any]:
    try:
        header = load_json_object(
            b64url_decode(segment),
            max_bytes=MAX_TOKEN_BYTES,
            max_depth=_HEADER_DEPTH,
            max_values=_HEADER_VALUES,
        )
    except (DecodeError, JsonRejected):
        raise DecodeError("token header is not valid base64url JSON") from None
    if set(header) - _ALLOWED_HEADER:
        raise DecodeError("token header has unsupported members")
    if header.get("alg") != ALGORITHM:
        raise InvalidAlgorithmError("token algorithm must be HS256")
    typ = header.get("typ", "JWT")
    if not isinstance(typ, str) or typ.upper() != "JWT":
        raise DecodeError("token typ must be JWT")
    kid = header.get("kid")
    if kid is None:
        raise UnknownKeyIdError("token header has no kid")
    if not isinstance(kid, str) or not kid:
        raise DecodeError("token kid must be a non-empty string")
    return header


def decode_verified(
    token: str, keys: Mapping[str, bytes | str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify an HS256 compact JWS against `keys` (kid -> secret); return (header, payload).

    Only the signature and structure are checked here; claims are the caller's job.
    """
    if not isinstance(token, str):
        raise DecodeError("token must be a string")
    if (
        len(token) > MAX_TOKEN_BYTES
        or len(token.encode("utf-8", "surrogatepass")) > MAX_TOKEN_BYTES
    ):
        raise TokenTooLargeError(f"token exceeds {MAX_TOKEN_BYTES} bytes")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise DecodeError("token is not a compact JWS")
    head_b64, payload_b64, sig_b64 = parts
    header = _decode_header(head_b64)
    secret = keys.get(header["kid"])
    if secret is None:
        raise UnknownKeyIdError("token kid is not a configured signing key")
    signature = b64url_decode(sig_b64)
    b64url_decode(payload_b64)  # only the alphabet here; the payload is decoded once trusted
    expected = _mac(secret, f"{head_b64}.{payload_b64}".encode("ascii"))
    if len(signature) != _SIGNATURE_BYTES or not hmac.compare_digest(expected, signature):
        raise InvalidSignatureError("token signature does not match")
    try:
        payload = load_json_object(
            b64url_decode(payload_b64),
            max_bytes=MAX_TOKEN_BYTES,
            max_depth=_PAYLOAD_DEPTH,
            max_values=_PAYLOAD_VALUES,
        )
    except JsonRejected:
        raise DecodeError("token payload is not a JSON object") from None
    return header, payload
