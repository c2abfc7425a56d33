"""Webhook endpoints (the ``WEBHOOKS`` secret) and Standard Webhooks signing (docs/events.md).

``WEBHOOKS`` is a JSON list of endpoints::

    [{"url": "https://api.example.com/r2gate", "secret": "whsec_<base64>",
      "events": ["object.created"], "prefixes": ["uploads/"]}]

``url`` and ``secret`` are required; ``events`` (default: every type) and ``prefixes``
(default ``[""]``: every key; each "" or ending in "/") are optional; any other member is
refused. ``secret`` holds one or more ``whsec_`` secrets separated by spaces: every delivery is
signed with each (rotation: add the new one, switch the receiver, then drop the old one). URLs
must be https; plain http only for a loopback host (a receiver on the developer's machine
under `make dev`), which no deployed Worker can reach. Errors name the entry, never a secret.

Signing follows standardwebhooks.com: ``webhook-id`` (the event id, the same on every attempt),
``webhook-timestamp`` (unix seconds of the attempt) and ``webhook-signature``: ``v1,<base64
HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`` per secret, separated by spaces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .events import EVENT_TYPES
from .json_bounds import MAX_SETTING_BYTES, load_json

__all__ = ["Endpoint", "backoff", "find_endpoint", "parse_webhooks", "signed_headers"]

MAX_ENDPOINTS = 20
MAX_SECRETS = 4
MAX_URL = 2048
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
_MEMBERS = frozenset({"url", "secret", "events", "prefixes"})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_DELAY = 43_200  # Queues: a retry may be delayed by at most 12 hours


@dataclass(frozen=True)
class Endpoint:
    """One webhook endpoint. Its keys never appear in repr."""

    url: str
    keys: tuple[bytes, ...] = field(repr=False)
    events: frozenset[str] = frozenset(EVENT_TYPES)
    prefixes: tuple[str, ...] = ("",)

    def wants(self, event_type: str, key: str) -> bool:
        """Does this endpoint take an event of this type on this key?"""
        return event_type in self.events and any(key.startswith(p) for p in self.prefixes)


def _secret(where: str, raw: Any) -> tuple[bytes, ...]:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"{where}: secret must be one or more whsec_ secrets")
    parts = raw.split()
    if len(parts) > MAX_SECRETS:
        raise ValueError(f"{where}: at most {MAX_SECRETS} secrets")
    keys = []
    for part in parts:
        if not part.startswith(SECRET_PREFIX):
            raise ValueError(f"{where}: every secret starts with whsec_")
        try:
            key = base64.b64decode(part[len(SECRET_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{where}: a secret is not whsec_<base64>") from None
        if not 24 <= len(key) <= 64:
            raise ValueError(f"{where}: a secret must hold 24 to 64 bytes")
        keys.append(key)
    return tuple(keys)


def _url(where: str, raw: Any) -> str:
    if not isinstance(raw, str) or not 0 < len(raw) <= MAX_URL or not raw.isascii():
        raise ValueError(f"{where}: url must be an ASCII URL of at most {MAX_URL} characters")
    if any(ord(c) <= 0x20 or c == "\x7f" for c in raw):
        raise ValueError(f"{where}: url must have no spaces or control characters")
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
    except ValueError:
        raise ValueError(f"{where}: url does not parse") from None
    if parts.username is not None or parts.password is not None or not host:
        raise ValueError(f"{where}: url needs a host and no user info")
    if parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK):
        return raw
    raise ValueError(f"{where}: url must be https (http only for a loopback receiver)")


def _strings(where: str, name: str, raw: Any) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
        raise ValueError(f"{where}: {name} must be a non-empty list of strings")
    return raw


def _endpoint(index: int, raw: Any) -> Endpoint:
    where = f"WEBHOOKS entry {index}"
    if not isinstance(raw, dict) or not {"url", "secret"} <= set(raw) <= _MEMBERS:
        raise ValueError(f"{where} must have url and secret, and may have events and prefixes")
    events = _strings(where, "events", raw.get("events", list(EVENT_TYPES)))
    if not set(events) <= set(EVENT_TYPES):
        raise ValueError(f"{where}: events must be among {', '.join(EVENT_TYPES)}")
    prefixes = _strings(where, "prefixes", raw.get("prefixes", [""]))
    if not all(p == "" or (p.endswith("/") and len(p) <= 1024) for p in prefixes):
        raise ValueError(f"{where}: a prefix is '' or ends with '/'")
    return Endpoint(
        _url(where, raw["url"]), _secret(where, raw["secret"]), frozenset(events), tuple(prefixes)
    )


def parse_webhooks(raw: str | None) -> tuple[Endpoint, ...]:
    """The endpoints of the WEBHOOKS secret (unset or blank: none); ValueError when it is not
    as documented. Two entries may not share a URL (a delivery names its endpoint by URL)."""
    if raw is None or not raw.strip():
        return ()
    try:
        document = load_json(raw, max_bytes=MAX_SETTING_BYTES)
    except ValueError:
        raise ValueError("WEBHOOKS is not JSON (duplicate keys are refused)") from None
    if not isinstance(document, list) or len(document) > MAX_ENDPOINTS:
        raise ValueError(f"WEBHOOKS must be a list of at most {MAX_ENDPOINTS} endpoints")
    endpoints = tuple(_endpoint(index, entry) for index, entry in enumerate(document))
    if len({e.url for e in endpoints}) != len(endpoints):
        raise ValueError("WEBHOOKS: two entries have the same url")
    return endpoints


def find_endpoint(endpoints: Sequence[Endpoint], url: str) -> Endpoint | None:
    """The configured endpoint with this URL (None: it was removed since the event)."""
    return next((e for e in endpoints if e.url == url), None)


def signed_headers(endpoint: Endpoint, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one delivery attempt."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    signatures = [
        "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")
        for key in endpoint.keys
    ]
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
        "user-agent": "r2gate-webhooks",
    }


def backoff(attempts: int, base: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones: `base` doubled each time,
    at most the Queue's 12 hours (`base` 0: at once, for tests)."""
    return int(min(base * 2 ** min(max(attempts - 1, 0), 20), MAX_DELAY))
