"""Compact JWS (RFC 7515) with HS256 only: strict decoding and constant-time verification.

Tokens are plain JWTs, so any backend can mint them with a stock JWT library
(PyJWT, jose, jsonwebtoken): header ``{"alg": "HS256", "typ": "JWT", "kid": ...}``.

`decode_verified` refuses, before trusting anything:

* tokens over `MAX_TOKEN_BYTES` (``token_too_large``), checked before parsing;
* anything but three strict base64url segments: no padding, no ``+``/``/``, no
  non-canonical trailing bits (``token_malformed``);
* headers that are not a JSON object, have duplicate keys, or carry any member other
  than ``alg``, ``typ`` (absent or "JWT") and ``kid`` -- so ``crit``, ``jku``, ``jwk``,
  ``x5u``, ``b64`` ... are all refused (``token_malformed``);
* any ``alg`` other than exactly "HS256", including "none" (``token_algorithm``);
* a missing ``kid`` or one not in the configured key map (``token_unknown_kid``);
* a signature that does not match, compared with `hmac.compare_digest`
  (``token_signature``).

Only then is the payload decoded (strict JSON object, no duplicate keys). All failures
are `ApiError(401, ...)` and their messages never contain key material.
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

from r2gate.errors import ApiError

__all__ = [
    "ALGORITHM",
    "MAX_TOKEN_BYTES",
    "b64url_decode",
    "b64url_encode",
    "decode_verified",
    "sign_hs256",
    "strict_json_object",
]

ALGORITHM = "HS256"
MAX_TOKEN_BYTES = 4096
_ALLOWED_HEADER = frozenset({"alg", "typ", "kid"})
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_SIGNATURE_BYTES = 32


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    """Strict inverse of `b64url_encode`; raises ValueError on anything non-canonical."""
    if not isinstance(segment, str) or _B64URL.fullmatch(segment) is None:
        raise ValueError("not base64url")
    if len(segment) % 4 == 1:
        raise ValueError("bad base64url length")
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None
    if b64url_encode(data) != segment:  # non-zero trailing bits: two spellings, one value
        raise ValueError("non-canonical base64url")
    return data


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError("duplicate key")
        result[name] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError("non-finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("non-finite number")
    return value


def _check_strings(value: Any) -> None:
    """Refuse lone surrogates anywhere (json accepts "\\ud800"; UTF-8 cannot encode it)."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for name, item in value.items():
            name.encode("utf-8")
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def strict_json_object(data: bytes) -> dict[str, Any]:
    """Parse UTF-8 JSON that must be an object: no duplicate keys, NaN or lone surrogates.

    Raises ValueError (never echoing the input).
    """
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
        _check_strings(value)
    except (UnicodeError, ValueError, RecursionError):
        raise ValueError("not a strict JSON object") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _json_segment(value: Mapping[str, Any]) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return b64url_encode(text.encode("ascii"))


def _secret_bytes(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def _mac(secret: bytes | str, signing_input: bytes) -> bytes:
    return hmac.new(_secret_bytes(secret), signing_input, hashlib.sha256).digest()


def sign_hs256(header: Mapping[str, Any], payload: Mapping[str, Any], secret: bytes | str) -> str:
    """Serialise and sign a compact JWS; `header["alg"]` is forced to HS256."""
    head = {"alg": ALGORITHM, "typ": "JWT", **header}
    if head["alg"] != ALGORITHM:
        raise ValueError("only HS256 is supported")
    signing_input = f"{_json_segment(head)}.{_json_segment(payload)}"
    signature = _mac(secret, signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def _fail(code: str, message: str) -> ApiError:
    return ApiError(401, code, message)


def _decode_header(segment: str) -> dict[str, Any]:
    try:
        header = strict_json_object(b64url_decode(segment))
    except ValueError:
        raise _fail("token_malformed", "token header is not valid base64url JSON") from None
    extra = set(header) - _ALLOWED_HEADER
    if extra:
        raise _fail("token_malformed", "token header has unsupported members")
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise _fail("token_algorithm", "token algorithm must be HS256")
    typ = header.get("typ", "JWT")
    if not isinstance(typ, str) or typ.upper() != "JWT":
        raise _fail("token_malformed", "token typ must be JWT")
    kid = header.get("kid")
    if kid is None:
        raise _fail("token_unknown_kid", "token header has no kid")
    if not isinstance(kid, str) or not kid:
        raise _fail("token_malformed", "token kid must be a non-empty string")
    return header


def decode_verified(
    token: str, keys: Mapping[str, bytes | str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify an HS256 compact JWS against `keys` (kid -> secret); return (header, payload).

    Only the signature and structure are checked here; claims are the caller's job.
    """
    if not isinstance(token, str):
        raise _fail("token_malformed", "token must be a string")
    if (
        len(token) > MAX_TOKEN_BYTES
        or len(token.encode("utf-8", "surrogatepass")) > MAX_TOKEN_BYTES
    ):
        raise _fail("token_too_large", f"token exceeds {MAX_TOKEN_BYTES} bytes")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise _fail("token_malformed", "token is not a compact JWS")
    head_b64, payload_b64, sig_b64 = parts
    header = _decode_header(head_b64)
    secret = keys.get(header["kid"]) if isinstance(header["kid"], str) else None
    if secret is None:
        raise _fail("token_unknown_kid", "token kid is not a configured signing key")
    try:
        signature = b64url_decode(sig_b64)
        # payload segment is only checked for alphabet here; it is decoded once trusted
        b64url_decode(payload_b64)
    except ValueError:
        raise _fail("token_malformed", "token segment is not valid base64url") from None
    expected = _mac(secret, f"{head_b64}.{payload_b64}".encode("ascii"))
    if len(signature) != _SIGNATURE_BYTES or not hmac.compare_digest(expected, signature):
        raise _fail("token_signature", "token signature does not match")
    try:
        payload = strict_json_object(b64url_decode(payload_b64))
    except ValueError:
        raise _fail("token_malformed", "token payload is not a JSON object") from None
    return header, payload
