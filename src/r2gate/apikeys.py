"""Scoped API keys: configuration, Bearer authentication and scope checks.

Configuration (both may be set; names must be unique, secrets distinct):

* ``API_KEY``: one plain secret, a full-access key named "default" (all ops,
  prefixes ``[""]``). Surrounding whitespace is stripped.
* ``API_KEYS``: JSON ``{"keys": [{"name": "tenant42-backend", "key": "<secret>",
  "ops": ["read", "write", "delete", "sign", "list"], "prefixes": ["tenant-42/"],
  "quota_bytes": 10737418240}]}``. Every member but ``quota_bytes`` is required, unknown
  members are refused. ``quota_bytes``: the most the objects under the key's prefixes may
  hold (r2gate.quotas; docs/events.md, "Quotas"). A prefix is "" (everything) or
  ends with "/", so "tenant-42/" never matches "tenant-420/x".

Secrets are at least 16 visible ASCII characters without spaces. Bad configuration
raises ``ApiError(500, "server_misconfigured")`` naming the entry, never its secret.

Scopes: ops are read, write, delete, sign, list, each granting the `Operation` of that name
("write" also grants multipart uploads). A key (or listing prefix) is inside a scope prefix
when it starts with it. What a key may do is asked through its `r2gate.auth.Principal`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from r2gate.errors import ApiError
from r2gate.json_bounds import MAX_SETTING_BYTES, load_json_object
from r2gate.operations import Operation

__all__ = ["API_OPS", "CHALLENGE", "ApiKey", "authenticate", "load_api_keys"]

API_OPS = frozenset(operation.grant for operation in Operation)
DEFAULT_KEY_NAME = "default"
_SECRET = re.compile(r"[\x21-\x7e]{16,4096}")
_ENTRY_MEMBERS = frozenset({"name", "key", "ops", "prefixes"})
MAX_QUOTA = 2**53 - 1
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="r2gate"'}


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def _valid_prefix(prefix: Any) -> bool:
    return isinstance(prefix, str) and (prefix == "" or prefix.endswith("/"))


def _inside(target: str, prefixes: Iterable[str]) -> bool:
    return any(target.startswith(prefix) for prefix in prefixes)


@dataclass(frozen=True)
class ApiKey:
    """One configured API key. `secret` never appears in repr."""

    name: str
    secret: str = field(repr=False)
    ops: frozenset[str]
    prefixes: tuple[str, ...]
    quota_bytes: int | None = None
    _digest: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("API key name must be a non-empty string")
        if not isinstance(self.secret, str) or _SECRET.fullmatch(self.secret) is None:
            raise ValueError(f"API key {self.name!r}: secret must be 16+ visible ASCII chars")
        ops = frozenset(self.ops)
        if not ops or not ops <= API_OPS:
            raise ValueError(f"API key {self.name!r}: ops must be a subset of {sorted(API_OPS)}")
        prefixes = tuple(self.prefixes)
        if not prefixes or not all(_valid_prefix(p) for p in prefixes):
            raise ValueError(f"API key {self.name!r}: prefixes must be '' or end with '/'")
        quota = self.quota_bytes
        if quota is not None and not valid_quota(quota):
            raise ValueError(f"API key {self.name!r}: quota_bytes must be 0 to {MAX_QUOTA}")
        object.__setattr__(self, "ops", ops)
        object.__setattr__(self, "prefixes", prefixes)
        object.__setattr__(self, "_digest", _digest(self.secret))

    @classmethod
    def full_access(cls, secret: str, name: str = DEFAULT_KEY_NAME) -> ApiKey:
        """A key with every op over every object."""
        return cls(name=name, secret=secret, ops=API_OPS, prefixes=("",))

    def covers(self, key: str) -> bool:
        """True when an object key (or listing prefix) lies inside one of our prefixes."""
        return isinstance(key, str) and _inside(key, self.prefixes)

    def allows(self, operation: Operation, key: str | None = None) -> bool:
        """True when this key may do `operation` on `key` (None: on some key in its scope)."""
        return operation.grant in self.ops and (key is None or self.covers(key))


def valid_quota(value: Any) -> bool:
    """A quota is a whole number of bytes (not a bool), 0 to 2**53 - 1."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_QUOTA


def _entry(index: int, raw: Any) -> ApiKey:
    where = f"API_KEYS entry {index}"
    if not isinstance(raw, dict) or not _ENTRY_MEMBERS <= set(raw) <= _ENTRY_MEMBERS | {
        "quota_bytes"
    }:
        raise ValueError(f"{where} must have name, key, ops, prefixes (and may have quota_bytes)")
    ops, prefixes = raw["ops"], raw["prefixes"]
    if not isinstance(ops, list) or not all(isinstance(op, str) for op in ops):
        raise ValueError(f"{where}: ops must be a list of strings")
    if not isinstance(prefixes, list):
        raise ValueError(f"{where}: prefixes must be a list")
    if "quota_bytes" in raw and not valid_quota(raw["quota_bytes"]):
        raise ValueError(f"{where}: quota_bytes must be a whole number from 0 to {MAX_QUOTA}")
    return ApiKey(
        name=raw["name"],
        secret=raw["key"],
        ops=frozenset(ops),
        prefixes=tuple(prefixes),
        quota_bytes=raw.get("quota_bytes"),
    )


def _parse_keys_json(api_keys_json: str) -> list[ApiKey]:
    try:
        document = load_json_object(api_keys_json, max_bytes=MAX_SETTING_BYTES)
    except ValueError:
        raise ValueError("API_KEYS is not a JSON object (duplicate keys are refused)") from None
    if set(document) != {"keys"} or not isinstance(document["keys"], list):
        raise ValueError('API_KEYS must be {"keys": [...]}')
    return [_entry(index, raw) for index, raw in enumerate(document["keys"])]


def load_api_keys(api_key: str | None, api_keys_json: str | None) -> list[ApiKey]:
    """Build the key list from the API_KEY and API_KEYS secrets (either may be unset)."""
    keys: list[ApiKey] = []
    try:
        if api_key is not None and api_key.strip():
            keys.append(ApiKey.full_access(api_key.strip()))
        if api_keys_json is not None and api_keys_json.strip():
            keys.extend(_parse_keys_json(api_keys_json))
        names = [k.name for k in keys]
        if len(set(names)) != len(names):
            raise ValueError("API key names must be unique")
        if len({k._digest for k in keys}) != len(keys):
            raise ValueError("API key secrets must be distinct")
    except ValueError as exc:
        raise ApiError(500, "server_misconfigured", str(exc)) from None
    return keys


def authenticate(authorization: str | None, keys: Sequence[ApiKey]) -> ApiKey:
    """Resolve an ``Authorization: Bearer <key>`` header to its ApiKey.

    Compares against every configured key in constant time (SHA-256 digests through
    `hmac.compare_digest`, no early exit), so timing reveals neither which key matched
    nor its length. Missing -> 401 auth_required; anything else wrong -> 401 auth_invalid.
    """
    if authorization is None or not authorization.strip():
        raise ApiError(
            401, "auth_required", "Authorization: Bearer <key> is required", dict(CHALLENGE)
        )
    parts = authorization.strip().split(None, 1)
    presented = parts[1].strip() if len(parts) == 2 else ""
    matched: ApiKey | None = None
    digest = _digest(presented)
    for candidate in keys:
        if hmac.compare_digest(digest, candidate._digest) and matched is None:
            matched = candidate
    if parts[0].lower() != "bearer" or not presented or matched is None:
        raise ApiError(401, "auth_invalid", "invalid API key", dict(CHALLENGE))
    return matched
