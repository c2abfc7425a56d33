"""Verify a presented token: signature, audience, issuer, times, then its grant.

``exp`` is required; ``nbf``/``iat`` are optional; at most 60 s leeway (PyJWT semantics:
expired when ``now >= exp + leeway``, early when ``nbf > now + leeway``; an ``iat`` after
``now + leeway`` is early too); the lifetime ``exp - (iat or nbf or now)`` must not exceed
the configured maximum. Verification takes ``now`` as an argument and never reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .claims import TokenClaims, parse_claims
from .config import TokenConfig, is_int
from .errors import (
    DecodeError,
    ExpiredTokenError,
    ImmatureTokenError,
    InvalidAudienceError,
    InvalidIssuerError,
    LifetimeTooLongError,
)
from .jws import decode_verified

__all__ = ["verify_token"]


def _time_claim(payload: Mapping[str, Any], name: str) -> int | float | None:
    value = payload.get(name)
    if value is not None and not (is_int(value) or isinstance(value, float)):
        raise DecodeError(f"claim {name!r} must be a NumericDate")
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
        raise DecodeError("claim 'aud' must be a string or list of strings")
    if not ok:
        raise InvalidAudienceError("token audience does not match")
    if config.issuer is not None and payload.get("iss") != config.issuer:
        raise InvalidIssuerError("token issuer does not match")


@dataclass(frozen=True)
class _Checked:
    """What a token says once its signature, shape, audience and issuer are checked: all of
    it a function of the token and the config alone (the times are checked on every use)."""

    config: TokenConfig
    claims: TokenClaims
    exp: int | float
    nbf: int | float | None
    iat: int | float | None


# Tokens already checked in this isolate: a multipart upload presents one token per part, a
# video player one download token per range. Failures are never kept; the times are checked
# again on every use. Bounded: past MAX_CHECKED entries it starts over.
_checked: dict[str, _Checked] = {}
MAX_CHECKED = 256


def verify_token(token: str, config: TokenConfig, now: int) -> TokenClaims:
    """Verify signature, audience, issuer, times and claims; return the grant.

    Raises an InvalidTokenError subclass (tokens.errors) for every failure.
    """
    checked = _checked.get(token) if isinstance(token, str) else None
    if checked is None or checked.config is not config:
        checked = _check(token, config)
        if len(_checked) >= MAX_CHECKED:
            _checked.clear()
        _checked[token] = checked
    exp, nbf, iat = checked.exp, checked.nbf, checked.iat
    if now >= exp + config.leeway:
        raise ExpiredTokenError("token has expired")
    if (nbf is not None and nbf > now + config.leeway) or (
        iat is not None and iat > now + config.leeway
    ):
        raise ImmatureTokenError("token is not valid yet")
    start = iat if iat is not None else nbf if nbf is not None else now
    if exp - start > config.max_lifetime:
        raise LifetimeTooLongError(f"token lifetime exceeds {config.max_lifetime} s")
    return checked.claims


def _check(token: str, config: TokenConfig) -> _Checked:
    """Everything about `token` that does not depend on the time."""
    header, payload = decode_verified(token, config.keys)
    exp = _time_claim(payload, "exp")
    nbf = _time_claim(payload, "nbf")
    iat = _time_claim(payload, "iat")
    if exp is None:
        raise DecodeError("claim 'exp' is required")
    claims = parse_claims(payload)
    _check_audience(payload, config)
    claims = replace(claims, expires_at=exp, not_before=nbf, issued_at=iat, kid=header["kid"])
    return _Checked(config, claims, exp, nbf, iat)
