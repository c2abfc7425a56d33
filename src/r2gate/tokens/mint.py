"""Mint tokens: what r2gate's signing endpoints and any Python backend call.

Backends that mint tokens themselves (this module, or three lines of PyJWT) share the Worker's
``SIGNING_KEYS``; see docs/tokens.md.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .claims import UPLOAD_OPS, parse_claims
from .config import TokenConfig, is_int
from .errors import InvalidClaimError, InvalidGrantError, TokenConfigError
from .jws import sign_hs256

__all__ = ["mint_download_token", "mint_token", "mint_upload_token"]


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
    random_hex: Callable[[int], str] = secrets.token_hex,
) -> str:
    """Sign a token granting `claims` (wire names: op, key/prefix, ct, max, ...).

    Bad claims or expires_in: InvalidGrantError; a kid that is not configured:
    TokenConfigError. `now` defaults to the clock and `jti` to random_hex(16).
    """
    config = _as_config(config_or_keys)
    try:
        grant = parse_claims(claims)
    except InvalidClaimError as error:
        raise InvalidGrantError(str(error)) from None
    if expires_in is None:
        expires_in = config.default_expires_in
    if not is_int(expires_in) or not 0 < expires_in <= config.max_lifetime:
        raise InvalidGrantError(f"expires_in must be 1..{config.max_lifetime} seconds")
    kid = config.signing_kid if kid is None else kid
    if kid not in config.keys:
        raise TokenConfigError("kid is not a configured signing key")
    issued = int(time.time()) if now is None else now
    payload: dict[str, Any] = {"aud": config.audience}
    if config.issuer is not None:
        payload["iss"] = config.issuer
    payload.update(iat=issued, exp=issued + expires_in)
    wire = grant.to_claims()
    wire.setdefault("jti", random_hex(16))
    payload.update(wire)
    return sign_hs256(kid, payload, config.keys[kid])


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
    random_hex: Callable[[int], str] = secrets.token_hex,
) -> str:
    """Mint a put/mpu token. expires_in defaults to min(900, max_lifetime)."""
    if op not in UPLOAD_OPS:
        raise InvalidGrantError("upload tokens are for op put or mpu")
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
        config_or_keys, wire, expires_in=expires_in, now=now, kid=kid, random_hex=random_hex
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
    random_hex: Callable[[int], str] = secrets.token_hex,
) -> str:
    """Mint a get token for one key. expires_in defaults to min(900, max_lifetime)."""
    wire: dict[str, Any] = {"op": "get", "key": key}
    if download_name is not None:
        wire["dn"] = download_name
    if jti is not None:
        wire["jti"] = jti
    return mint_token(
        config_or_keys, wire, expires_in=expires_in, now=now, kid=kid, random_hex=random_hex
    )
