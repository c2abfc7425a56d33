"""Upload/download tokens: HS256 JWTs any backend can mint without an SDK.

Signing keys (the ``SIGNING_KEYS`` secret) are one JSON object ``{"kid": "secret", ...}``
whose member order defines age: the LAST member is the newest and signs; every member
verifies. Secrets are at least 32 bytes (RFC 7518 section 3.2); kids are unique.

Rotation:

1. append the new key as the last member (``{"old": "...", "new": "..."}``) and deploy:
   new tokens are signed with "new", tokens signed with "old" still verify;
2. wait at least the max lifetime (default 900 s) plus 60 s leeway;
3. remove "old" and deploy.

Backends that mint tokens themselves must switch to the new kid between steps 1 and 3.

Claims (unknown claims are ignored):

* ``aud`` (required, string or list containing the configured audience, default
  "r2gate"); ``iss`` is checked only when an issuer is configured;
* ``exp`` required; ``nbf``/``iat`` optional; 60 s leeway at most (PyJWT semantics:
  expired when ``now >= exp + leeway``, early when ``nbf > now + leeway``; an ``iat``
  after ``now + leeway`` is early too); lifetime ``exp - (iat or nbf or now)`` must not
  exceed ``max_lifetime`` (default 900 s, never more than 86400 s);
* ``op`` in put, mpu, get, delete; exactly one of ``key`` or ``prefix`` (ends with "/",
  matched by ``startswith``, so "u/42/" covers "u/42/x" and never "u/420/x");
* upload tokens (put, mpu) only: ``ct`` (non-empty list of "type/sub", "type/*" or
  "*/*"), ``max`` or ``len`` (not both), ``sha256`` (64 hex), ``meta`` (str -> str, compact
  JSON at most 8192 bytes UTF-8), ``cache`` (Cache-Control), ``ow`` (bool, default
  false = create-only); get tokens only: ``dn`` (download name); any op: ``jti``.

Verification takes ``now`` as an argument and never reads the clock.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from r2gate.apikeys import ApiKey, check_mint
from r2gate.errors import ApiError
from r2gate.jws import decode_verified, sign_hs256, strict_json_object

__all__ = [
    "DEFAULT_AUDIENCE",
    "HARD_MAX_LIFETIME",
    "OPS",
    "TokenClaims",
    "TokenConfig",
    "media_type",
    "mint_download_token",
    "mint_token",
    "mint_upload_token",
    "parse_claims",
    "verify_token",
]

OPS = ("put", "mpu", "get", "delete")
UPLOAD_OPS = frozenset({"put", "mpu"})
DEFAULT_AUDIENCE = "r2gate"
DEFAULT_MAX_LIFETIME = 900
DEFAULT_EXPIRES_IN = 900
HARD_MAX_LIFETIME = 86400
MAX_LEEWAY = 60
MIN_SECRET_BYTES = 32
MAX_META_BYTES = 8192
MAX_KEY_BYTES = 1024
_UPLOAD_ONLY = ("ct", "max", "len", "sha256", "meta", "cache", "ow")
_TCHARS = r"[!#$%&'*+.^_`|~0-9a-z-]+"
_MEDIA_TYPE = re.compile(f"{_TCHARS}/{_TCHARS}")
_MEDIA_RANGE = re.compile(f"{_TCHARS}/(?:{_TCHARS}|\\*)")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_HEADER_TEXT = re.compile(r"[\x20-\x7e]{1,1024}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _misconfigured(message: str) -> ApiError:
    return ApiError(500, "server_misconfigured", message)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


@dataclass(frozen=True)
class TokenConfig:
    """Verification/minting settings. `keys` is ordered: the last kid signs."""

    keys: Mapping[str, bytes] = field(repr=False)
    audience: str = DEFAULT_AUDIENCE
    issuer: str | None = None
    max_lifetime: int = DEFAULT_MAX_LIFETIME
    leeway: int = MAX_LEEWAY

    def __post_init__(self) -> None:
        if not isinstance(self.keys, Mapping) or not self.keys:
            raise _misconfigured("no signing keys configured")
        keys: dict[str, bytes] = {}
        for kid, secret in self.keys.items():
            if not isinstance(kid, str) or not kid:
                raise _misconfigured("signing key ids must be non-empty strings")
            raw = secret.encode("utf-8") if isinstance(secret, str) else secret
            if not isinstance(raw, bytes | bytearray) or len(raw) < MIN_SECRET_BYTES:
                raise _misconfigured(f"signing key {kid!r} must be >= {MIN_SECRET_BYTES} bytes")
            keys[kid] = bytes(raw)
        if not isinstance(self.audience, str) or not self.audience:
            raise _misconfigured("audience must be a non-empty string")
        if self.issuer is not None and (not isinstance(self.issuer, str) or not self.issuer):
            raise _misconfigured("issuer must be a non-empty string or None")
        if not _is_int(self.max_lifetime) or self.max_lifetime < 1:
            raise _misconfigured("max_lifetime must be a positive integer")
        if not _is_int(self.leeway) or self.leeway < 0:
            raise _misconfigured("leeway must be a non-negative integer")
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "max_lifetime", min(self.max_lifetime, HARD_MAX_LIFETIME))
        object.__setattr__(self, "leeway", min(self.leeway, MAX_LEEWAY))

    @property
    def signing_kid(self) -> str:
        """The newest key id: the last one configured."""
        return next(reversed(self.keys))

    @classmethod
    def from_json(cls, signing_keys_json: str, **opts: Any) -> TokenConfig:
        """Parse the SIGNING_KEYS secret (``{"kid": "secret", ...}``, last = newest)."""
        try:
            document = strict_json_object(signing_keys_json.encode("utf-8", "surrogatepass"))
        except (ValueError, AttributeError):
            raise _misconfigured(
                "SIGNING_KEYS must be a JSON object of kid -> secret (no duplicate kids)"
            ) from None
        if not all(isinstance(secret, str) for secret in document.values()):
            raise _misconfigured("SIGNING_KEYS secrets must be strings")
        return cls(keys=document, **opts)


@dataclass(frozen=True)
class TokenClaims:
    """The validated grant of one token (times are None when absent or before minting)."""

    op: str
    key: str | None = None
    prefix: str | None = None
    content_types: tuple[str, ...] | None = None
    max_bytes: int | None = None
    exact_length: int | None = None
    sha256: str | None = None
    metadata: Mapping[str, str] | None = None
    cache_control: str | None = None
    overwrite: bool = False
    jti: str | None = None
    download_name: str | None = None
    expires_at: int | float | None = None
    not_before: int | float | None = None
    issued_at: int | float | None = None
    kid: str | None = None

    def covers(self, key: str) -> bool:
        """True when `key` is the token's key or lies under its prefix."""
        if not isinstance(key, str):
            return False
        if self.prefix is not None:
            return key.startswith(self.prefix)
        return key == self.key

    def check_operation(self, op: str, key: str) -> None:
        """Raise 403 token_scope unless the token grants `op` on `key`."""
        if op not in OPS:
            raise ValueError(f"unknown token op {op!r}")
        if op != self.op:
            raise ApiError(403, "token_scope", f"token grants {self.op}, not {op}")
        if not self.covers(key):
            raise ApiError(403, "token_scope", "token does not cover this key")

    def allows_content_type(self, content_type: str | None) -> bool:
        """Media type (parameters and case ignored) matches one `ct` entry, or no `ct`."""
        if self.content_types is None:
            return True
        media = media_type(content_type)
        if media is None:
            return False
        major = media.split("/", 1)[0]
        return any(
            allowed in (media, "*/*") or allowed == f"{major}/*" for allowed in self.content_types
        )

    def check_upload(
        self, key: str, content_length: int | None, content_type: str | None, *, op: str = "put"
    ) -> None:
        """Check an upload, in order: op/key scope (403 token_scope), length (411
        length_required, 400 invalid_content_length / length_mismatch, 413 too_large),
        content type (415 unsupported_media_type)."""
        if op not in UPLOAD_OPS:
            raise ValueError(f"not an upload op: {op!r}")
        self.check_operation(op, key)
        if content_length is None:
            raise ApiError(411, "length_required", "Content-Length is required")
        if not _is_int(content_length) or content_length < 0:
            raise ApiError(400, "invalid_content_length", "Content-Length is invalid")
        if self.exact_length is not None and content_length != self.exact_length:
            raise ApiError(400, "length_mismatch", "body length differs from the token's len")
        if self.max_bytes is not None and content_length > self.max_bytes:
            raise ApiError(413, "too_large", f"body exceeds the token's max of {self.max_bytes}")
        if not self.allows_content_type(content_type):
            raise ApiError(415, "unsupported_media_type", "content type not allowed by token")

    def to_claims(self) -> dict[str, Any]:
        """The grant as wire claims (no aud/iss/times)."""
        wire: dict[str, Any] = {"op": self.op}
        pairs = (
            ("key", self.key),
            ("prefix", self.prefix),
            ("ct", list(self.content_types) if self.content_types is not None else None),
            ("max", self.max_bytes),
            ("len", self.exact_length),
            ("sha256", self.sha256),
            ("meta", dict(self.metadata) if self.metadata is not None else None),
            ("cache", self.cache_control),
            ("ow", True if self.overwrite else None),
            ("jti", self.jti),
            ("dn", self.download_name),
        )
        wire.update((name, value) for name, value in pairs if value is not None)
        return wire


def media_type(value: str | None) -> str | None:
    """``"Image/PNG; q=1"`` -> ``"image/png"``; None when absent or not type/subtype."""
    if not isinstance(value, str):
        return None
    media = value.split(";", 1)[0].strip().lower()
    return media if _MEDIA_TYPE.fullmatch(media) and "*" not in media else None


def _object_key(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"claim {name!r} must be a non-empty string")
    if len(value.encode("utf-8")) > MAX_KEY_BYTES:
        raise ValueError(f"claim {name!r} exceeds {MAX_KEY_BYTES} bytes")
    return value


def _content_types(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError("claim 'ct' must be a non-empty list of media types")
    ranges = tuple(v.split(";", 1)[0].strip().lower() for v in value)
    if not all(r == "*/*" or (_MEDIA_RANGE.fullmatch(r) and "*" not in r[:-1]) for r in ranges):
        raise ValueError("claim 'ct' entries must be type/subtype, type/* or */*")
    return ranges


def _size(value: Any, name: str) -> int:
    if not _is_int(value) or value < 0:
        raise ValueError(f"claim {name!r} must be a non-negative integer")
    return value


def _metadata(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("claim 'meta' must be an object of non-empty string -> string")
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(encoded) > MAX_META_BYTES:
        raise ValueError(f"claim 'meta' exceeds {MAX_META_BYTES} bytes")
    return dict(value)


def _text(value: Any, name: str, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not value or len(value) > 1024:
        raise ValueError(f"claim {name!r} must be a non-empty string of at most 1024 chars")
    if (pattern is not None and not pattern.fullmatch(value)) or _CONTROL.search(value):
        raise ValueError(f"claim {name!r} contains characters that are not allowed")
    return value


def parse_claims(payload: Mapping[str, Any]) -> TokenClaims:
    """Validate the grant claims of a payload; raises ValueError naming the bad claim."""
    op = payload.get("op")
    if op not in OPS:
        raise ValueError(f"claim 'op' must be one of {', '.join(OPS)}")
    if ("key" in payload) == ("prefix" in payload):
        raise ValueError("exactly one of claims 'key' and 'prefix' is required")
    if op not in UPLOAD_OPS and any(name in payload for name in _UPLOAD_ONLY):
        raise ValueError(f"claims {', '.join(_UPLOAD_ONLY)} are only for put/mpu tokens")
    if op != "get" and "dn" in payload:
        raise ValueError("claim 'dn' is only for get tokens")
    if "max" in payload and "len" in payload:
        raise ValueError("claims 'max' and 'len' are mutually exclusive")
    fields: dict[str, Any] = {"op": op}
    if "key" in payload:
        fields["key"] = _object_key(payload["key"], "key")
    else:
        prefix = _object_key(payload["prefix"], "prefix")
        if not prefix.endswith("/"):
            raise ValueError("claim 'prefix' must end with '/'")
        fields["prefix"] = prefix
    if "ct" in payload:
        fields["content_types"] = _content_types(payload["ct"])
    if "max" in payload:
        fields["max_bytes"] = _size(payload["max"], "max")
    if "len" in payload:
        fields["exact_length"] = _size(payload["len"], "len")
    if "sha256" in payload:
        if not isinstance(payload["sha256"], str) or not _SHA256.fullmatch(payload["sha256"]):
            raise ValueError("claim 'sha256' must be 64 hex characters")
        fields["sha256"] = payload["sha256"].lower()
    if "meta" in payload:
        fields["metadata"] = _metadata(payload["meta"])
    if "cache" in payload:
        fields["cache_control"] = _text(payload["cache"], "cache", _HEADER_TEXT)
    if "ow" in payload:
        if not isinstance(payload["ow"], bool):
            raise ValueError("claim 'ow' must be a boolean")
        fields["overwrite"] = payload["ow"]
    if "jti" in payload:
        fields["jti"] = _text(payload["jti"], "jti")
    if "dn" in payload:
        fields["download_name"] = _text(payload["dn"], "dn")
    return TokenClaims(**fields)


def _time_claim(payload: Mapping[str, Any], name: str) -> int | float | None:
    value = payload.get(name)
    if value is not None and not _is_number(value):
        raise ApiError(401, "token_malformed", f"claim {name!r} must be a NumericDate")
    return value


def _check_audience(payload: Mapping[str, Any], config: TokenConfig) -> None:
    aud = payload.get("aud")
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        ok = config.audience in aud
    elif isinstance(aud, str):
        ok = aud == config.audience
    elif aud is None:
        ok = False
    else:
        raise ApiError(401, "token_malformed", "claim 'aud' must be a string or list of strings")
    if not ok:
        raise ApiError(401, "token_audience", "token audience does not match")
    if config.issuer is not None and payload.get("iss") != config.issuer:
        raise ApiError(401, "token_issuer", "token issuer does not match")


def verify_token(token: str, config: TokenConfig, now: int) -> TokenClaims:
    """Verify signature, audience, issuer, times and claims; return the grant.

    Every failure is ApiError(401, code): token_too_large, token_malformed,
    token_algorithm, token_unknown_kid, token_signature, token_audience, token_issuer,
    token_expired, token_not_yet_valid, token_lifetime.
    """
    if not _is_number(now):
        raise TypeError("now must be unix seconds")
    header, payload = decode_verified(token, config.keys)
    exp = _time_claim(payload, "exp")
    nbf = _time_claim(payload, "nbf")
    iat = _time_claim(payload, "iat")
    if exp is None:
        raise ApiError(401, "token_malformed", "claim 'exp' is required")
    try:
        claims = parse_claims(payload)
    except ValueError as exc:
        raise ApiError(401, "token_malformed", str(exc)) from None
    _check_audience(payload, config)
    if now >= exp + config.leeway:
        raise ApiError(401, "token_expired", "token has expired")
    if (nbf is not None and nbf > now + config.leeway) or (
        iat is not None and iat > now + config.leeway
    ):
        raise ApiError(401, "token_not_yet_valid", "token is not valid yet")
    start = iat if iat is not None else nbf if nbf is not None else now
    if exp - start > config.max_lifetime:
        raise ApiError(401, "token_lifetime", f"token lifetime exceeds {config.max_lifetime} s")
    return replace(claims, expires_at=exp, not_before=nbf, issued_at=iat, kid=header["kid"])


def _as_config(config_or_keys: TokenConfig | Mapping[str, bytes | str]) -> TokenConfig:
    if isinstance(config_or_keys, TokenConfig):
        return config_or_keys
    return TokenConfig(keys=config_or_keys)


def mint_token(
    config_or_keys: TokenConfig | Mapping[str, bytes | str],
    claims: Mapping[str, Any],
    *,
    expires_in: int | None = None,
    now: int | None = None,
    kid: str | None = None,
    minted_by: ApiKey | None = None,
    random_hex: Callable[[int], str] = secrets.token_hex,
) -> str:
    """Sign a token granting `claims` (wire names: op, key/prefix, ct, max, ...).

    Bad claims or expires_in -> 400 invalid_request; `minted_by` outside its scope ->
    403 key_scope. `now` defaults to the clock and `jti` to random_hex(16).
    """
    config = _as_config(config_or_keys)
    try:
        grant = parse_claims(claims)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    if expires_in is None:
        expires_in = min(DEFAULT_EXPIRES_IN, config.max_lifetime)
    if not _is_int(expires_in) or not 0 < expires_in <= config.max_lifetime:
        raise ApiError(
            400, "invalid_request", f"expires_in must be 1..{config.max_lifetime} seconds"
        )
    if minted_by is not None:
        check_mint(minted_by, grant.op, key=grant.key, prefix=grant.prefix)
    kid = config.signing_kid if kid is None else kid
    if kid not in config.keys:
        raise ValueError("kid is not a configured signing key")
    issued = int(time.time()) if now is None else now
    payload: dict[str, Any] = {"aud": config.audience}
    if config.issuer is not None:
        payload["iss"] = config.issuer
    payload.update(iat=issued, exp=issued + expires_in)
    wire = grant.to_claims()
    wire.setdefault("jti", random_hex(16))
    payload.update(wire)
    return sign_hs256({"kid": kid}, payload, config.keys[kid])


def mint_upload_token(
    config_or_keys: TokenConfig | Mapping[str, bytes | str],
    *,
    key: str | None = None,
    prefix: str | None = None,
    op: str = "put",
    content_types: str | Sequence[str] | None = None,
    max_bytes: int | None = None,
    exact_length: int | None = None,
    sha256: str | None = None,
    metadata: Mapping[str, str] | None = None,
    cache_control: str | None = None,
    overwrite: bool = False,
    expires_in: int | None = None,
    now: int | None = None,
    jti: str | None = None,
    kid: str | None = None,
    minted_by: ApiKey | None = None,
    random_hex: Callable[[int], str] = secrets.token_hex,
) -> str:
    """Mint a put/mpu token. expires_in defaults to min(900, max_lifetime)."""
    if op not in UPLOAD_OPS:
        raise ApiError(400, "invalid_request", "upload tokens are for op put or mpu")
    if isinstance(content_types, str):
        content_types = [content_types]
    wire: dict[str, Any] = {"op": op}
    optional = {
        "key": key,
        "prefix": prefix,
        "ct": list(content_types) if content_types is not None else None,
        "max": max_bytes,
        "len": exact_length,
        "sha256": sha256,
        "meta": dict(metadata) if metadata is not None else None,
        "cache": cache_control,
        "ow": True if overwrite else None,
        "jti": jti,
    }
    wire.update((name, value) for name, value in optional.items() if value is not None)
    return mint_token(
        config_or_keys,
        wire,
        expires_in=expires_in,
        now=now,
        kid=kid,
        minted_by=minted_by,
        random_hex=random_hex,
    )


def mint_download_token(
    config_or_keys: TokenConfig | Mapping[str, bytes | str],
    key: str,
    *,
    expires_in: int | None = None,
    download_name: str | None = None,
    now: int | None = None,
    jti: str | None = None,
    kid: str | None = None,
    minted_by: ApiKey | None = None,
    random_hex: Callable[[int], str] = secrets.token_hex,
) -> str:
    """Mint a get token for one key. expires_in defaults to min(900, max_lifetime)."""
    wire: dict[str, Any] = {"op": "get", "key": key}
    if download_name is not None:
        wire["dn"] = download_name
    if jti is not None:
        wire["jti"] = jti
    return mint_token(
        config_or_keys,
        wire,
        expires_in=expires_in,
        now=now,
        kid=kid,
        minted_by=minted_by,
        random_hex=random_hex,
    )
