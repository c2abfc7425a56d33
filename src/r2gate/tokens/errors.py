"""Every error the tokens package raises, in the manner of PyJWT's exception tree.

``TokenError`` is the root. Each class carries the one machine-readable ``code`` the edge sends
in its JSON error (r2gate.errors.from_token_error adds the HTTP status):

* ``InvalidTokenError`` and its subclasses: a presented token is refused (401);
* ``InvalidGrantError``: claims or a lifetime that cannot be minted (400 invalid_request);
* ``TokenConfigError``: signing keys or settings that do not parse (500 server_misconfigured).

Messages never contain key material or the token.
"""

from __future__ import annotations

__all__ = [
    "DecodeError",
    "ExpiredTokenError",
    "ImmatureTokenError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidClaimError",
    "InvalidGrantError",
    "InvalidIssuerError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "LifetimeTooLongError",
    "TokenConfigError",
    "TokenError",
    "TokenTooLargeError",
    "UnknownKeyIdError",
]


class TokenError(Exception):
    """Base of every tokens error; `code` names it in r2gate's JSON errors."""

    code = "token_error"

    @property
    def message(self) -> str:
        return str(self)


class InvalidTokenError(TokenError):
    """A presented token is refused."""

    code = "token_invalid"


class TokenTooLargeError(InvalidTokenError):
    """Longer than MAX_TOKEN_BYTES; refused before parsing."""

    code = "token_too_large"


class DecodeError(InvalidTokenError):
    """Not a strict compact JWS: segments, base64url, JSON, header members, typ."""

    code = "token_malformed"


class InvalidClaimError(DecodeError):
    """A claim is missing, of the wrong type, or not allowed with the token's op."""


class InvalidAlgorithmError(InvalidTokenError):
    """An ``alg`` other than exactly HS256 (``none`` included)."""

    code = "token_algorithm"


class UnknownKeyIdError(InvalidTokenError):
    """No ``kid``, or one that is not a configured signing key."""

    code = "token_unknown_kid"


class InvalidSignatureError(InvalidTokenError):
    """The signature does not match."""

    code = "token_signature"


class InvalidAudienceError(InvalidTokenError):
    """``aud`` does not name the configured audience."""

    code = "token_audience"


class InvalidIssuerError(InvalidTokenError):
    """``iss`` is not the configured issuer."""

    code = "token_issuer"


class ExpiredTokenError(InvalidTokenError):
    """``exp`` has passed (beyond the leeway)."""

    code = "token_expired"


class ImmatureTokenError(InvalidTokenError):
    """``nbf`` or ``iat`` lies in the future (beyond the leeway)."""

    code = "token_not_yet_valid"


class LifetimeTooLongError(InvalidTokenError):
    """``exp`` lies further from ``iat`` (or ``nbf``) than the maximum lifetime."""

    code = "token_lifetime"


class InvalidGrantError(TokenError):
    """Claims or a lifetime that cannot be minted."""

    code = "invalid_request"


class TokenConfigError(TokenError):
    """Signing keys or token settings that do not parse, or a kid that is not configured."""

    code = "server_misconfigured"
