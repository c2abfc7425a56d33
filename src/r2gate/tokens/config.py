"""Signing keys and token settings (``SIGNING_KEYS``, ``TOKEN_*``).

``SIGNING_KEYS`` is one JSON object ``{"kid": "secret", ...}`` whose member order defines
age: the LAST member is the newest and signs; every member verifies. Secrets are at least 32
bytes (RFC 7518 section 3.2); kids are unique. The same may be written without quotes as
``kid:secret,kid:secret`` (kids without ``:``, secrets without ``,``): that form survives
`.dev.vars`, ``cut -d= -f2-`` and a shell's ``. ./.dev.vars`` intact, where JSON needs quotes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from r2gate.json_bounds import MAX_SETTING_BYTES, JsonRejected, load_json_object

from .errors import TokenConfigError

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_EXPIRES_IN",
    "DEFAULT_MAX_LIFETIME",
    "HARD_MAX_LIFETIME",
    "MAX_LEEWAY",
    "MIN_SECRET_BYTES",
    "TokenConfig",
]

DEFAULT_AUDIENCE = "r2gate"
DEFAULT_MAX_LIFETIME = 900
DEFAULT_EXPIRES_IN = 900
HARD_MAX_LIFETIME = 86400
MAX_LEEWAY = 60
MIN_SECRET_BYTES = 32


def is_int(value: Any) -> bool:
    """An int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class TokenConfig:
    """Verification/minting settings. `keys` is ordered: the last kid signs."""

    keys: Mapping[str, bytes | str] = field(repr=False)  # bytes once constructed
    audience: str = DEFAULT_AUDIENCE
    issuer: str | None = None
    max_lifetime: int = DEFAULT_MAX_LIFETIME
    leeway: int = MAX_LEEWAY

    def __post_init__(self) -> None:
        if not isinstance(self.keys, Mapping) or not self.keys:
            raise TokenConfigError("no signing keys configured")
        keys: dict[str, bytes] = {}
        for kid, secret in self.keys.items():
            if not isinstance(kid, str) or not kid:
                raise TokenConfigError("signing key ids must be non-empty strings")
            raw = secret.encode("utf-8") if isinstance(secret, str) else secret
            if not isinstance(raw, bytes | bytearray) or len(raw) < MIN_SECRET_BYTES:
                raise TokenConfigError(f"signing key {kid!r} must be >= {MIN_SECRET_BYTES} bytes")
            keys[kid] = bytes(raw)
        if not isinstance(self.audience, str) or not self.audience:
            raise TokenConfigError("audience must be a non-empty string")
        if self.issuer is not None and (not isinstance(self.issuer, str) or not self.issuer):
            raise TokenConfigError("issuer must be a non-empty string or None")
        if not is_int(self.max_lifetime) or self.max_lifetime < 1:
            raise TokenConfigError("max_lifetime must be a positive integer")
        if not is_int(self.leeway) or self.leeway < 0:
            raise TokenConfigError("leeway must be a non-negative integer")
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "max_lifetime", min(self.max_lifetime, HARD_MAX_LIFETIME))
        object.__setattr__(self, "leeway", min(self.leeway, MAX_LEEWAY))

    @property
    def signing_kid(self) -> str:
        """The newest key id: the last one configured."""
        return list(self.keys)[-1]

    @property
    def default_expires_in(self) -> int:
        """The lifetime of a token minted without one: min(900, max lifetime)."""
        return min(DEFAULT_EXPIRES_IN, self.max_lifetime)

    @classmethod
    def from_json(cls, signing_keys: str, **opts: Any) -> TokenConfig:
        """Parse the SIGNING_KEYS secret: ``{"kid": "secret", ...}`` or ``kid:secret,...``
        (last = newest)."""
        if isinstance(signing_keys, str) and not signing_keys.lstrip().startswith("{"):
            return cls(keys=_kid_secret_pairs(signing_keys), **opts)
        try:
            document = load_json_object(signing_keys, max_bytes=MAX_SETTING_BYTES)
        except (JsonRejected, TypeError):
            raise TokenConfigError(MALFORMED) from None
        if not all(isinstance(secret, str) for secret in document.values()):
            raise TokenConfigError("SIGNING_KEYS secrets must be strings")
        return cls(keys=document, **opts)


MALFORMED = (
    "SIGNING_KEYS must be a JSON object of kid -> secret, or kid:secret,kid:secret"
    " (no duplicate kids)"
)


def _kid_secret_pairs(text: str) -> dict[str, str]:
    """``kid:secret,kid:secret`` as an ordered dict (TokenConfig checks the secrets)."""
    if len(text) > MAX_SETTING_BYTES:
        raise TokenConfigError(MALFORMED)
    keys: dict[str, str] = {}
    for entry in text.split(","):
        kid, colon, secret = entry.strip().partition(":")
        if not colon or kid in keys:
            raise TokenConfigError(MALFORMED)
        keys[kid] = secret
    return keys
