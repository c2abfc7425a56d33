"""Which of the HTTP suite's own settings (tests/support/settings.py) the server under test has.

The suite's server is started with all of them. A server named by R2GATE_TEST_URL (`make dev`,
another wrangler dev, a deployment) has its own keys and settings: each setting is then probed
once, on first need, with a harmless request, and a test that needs one the server lacks is
skipped with the reason instead of failing. Tests say what they need with `need(...)` (the
helpers in tests/support call it: minting with the suite's signing keys, its scoped API keys,
its S3 pairs) or with the marker `@pytest.mark.needs(...)` (tests/http/conftest.py).

    SIGNING_KEYS     tokens signed with the suite's kids "old" and "new" verify
    API_KEYS         the suite's scoped API keys authenticate
    S3               the suite's full-access S3 key pair signs requests
    S3_CREDENTIALS   the suite's scoped S3 key pairs sign requests
    CORS             the suite's CORS allowlist (app.example.com, max_age 600, others refused)
    CACHE_POLICY     the suite's cache policy (nostore/ is no-store)
    SERVER_TIMING    SERVER_TIMING=on
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import boto3
import jwt
import pytest
from botocore.client import Config
from botocore.exceptions import ClientError

from tests.support.settings import (
    S3_BUCKET,
    TEST_S3_KEY_ID,
    TEST_S3_SCOPED,
    TEST_S3_SECRET,
    TEST_SCOPED_KEYS,
    TEST_SIGNING_SECRETS,
)

SETTINGS = (
    "SIGNING_KEYS",
    "API_KEYS",
    "S3",
    "S3_CREDENTIALS",
    "CORS",
    "CACHE_POLICY",
    "SERVER_TIMING",
)


@dataclass
class Target:
    """The server under test. `complete`: started by the suite with every setting (no probe)."""

    url: str
    api_key: str
    complete: bool = False
    known: dict[str, bool] = field(default_factory=dict)

    def has(self, setting: str) -> bool:
        if setting not in SETTINGS:
            raise ValueError(f"not one of the suite's settings: {setting}")
        if self.complete:
            return True
        if setting not in self.known:
            self.known[setting] = PROBES[setting](self)
        return self.known[setting]


_current: Target | None = None


def use(target: Target | None) -> None:
    """Set the server the HTTP tests run against (None: no server, `need` does nothing)."""
    global _current
    _current = target


def need(*settings: str) -> None:
    """Skip the running test unless the server under test has these settings of the suite."""
    if _current is None:
        return
    missing = [setting for setting in settings if not _current.has(setting)]
    if missing:
        pytest.skip(
            f"{_current.url} lacks the suite's {', '.join(missing)} (tests/support/settings.py; "
            "docs/local-development.md#running-the-http-tests-against-any-server)"
        )


def _status(target: Target, method: str, path: str, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(target.url + path, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items())


def _lower(headers: dict) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _signing_keys(target: Target) -> bool:
    """A download token of each suite kid is verified (404 for an absent key), not refused."""
    now = int(time.time())
    for kid, secret in TEST_SIGNING_SECRETS.items():
        key = f"probe-{uuid.uuid4().hex}/absent.bin"
        claims = {"aud": "r2gate", "iat": now, "exp": now + 60, "op": "get", "key": key}
        token = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})
        if _status(target, "GET", f"/{key}?token={token}", {})[0] != 404:
            return False
    return True


def _api_keys(target: Target) -> bool:
    """Every scoped key is known: anything but 401 on a listing of its own prefix."""
    for secret, _, prefixes in TEST_SCOPED_KEYS.values():
        path = f"/api/v1/objects?limit=1&prefix={prefixes[0]}"
        if _status(target, "GET", path, {"Authorization": f"Bearer {secret}"})[0] == 401:
            return False
    return True


def _s3_knows(target: Target, key_id: str, secret: str, prefix: str) -> bool:
    client = boto3.client(
        "s3",
        endpoint_url=f"{target.url}/api/s3",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        region_name="auto",
        config=Config(retries={"max_attempts": 1}),
    )
    try:
        client.list_objects_v2(Bucket=S3_BUCKET, Prefix=prefix, MaxKeys=1)
    except ClientError as error:
        return error.response["Error"]["Code"] == "AccessDenied"  # known, without `list`
    return True


def _s3(target: Target) -> bool:
    return _s3_knows(target, TEST_S3_KEY_ID, TEST_S3_SECRET, "")


def _s3_credentials(target: Target) -> bool:
    return all(
        _s3_knows(target, key_id, secret, prefixes[0])
        for key_id, secret, _, prefixes, _ in TEST_S3_SCOPED.values()
    )


def _cors(target: Target) -> bool:
    def preflight(origin: str) -> tuple[int, dict[str, str]]:
        headers = {"Origin": origin, "Access-Control-Request-Method": "GET"}
        status, got = _status(target, "OPTIONS", "/probe.bin", headers)
        return status, _lower(got)

    allowed, headers = preflight("https://app.example.com")
    refused, _ = preflight("https://evil.example")
    return allowed == 204 and headers.get("access-control-max-age") == "600" and refused == 403


def _cache_policy(target: Target) -> bool:
    path = f"/nostore/probe-{uuid.uuid4().hex}.bin"
    auth = {"Authorization": f"Bearer {target.api_key}"}
    request = urllib.request.Request(target.url + path, data=b"x", method="PUT", headers=auth)  # noqa: S310
    try:
        urllib.request.urlopen(request, timeout=30).close()  # noqa: S310
    except urllib.error.HTTPError:
        return False
    try:
        _, headers = _status(target, "HEAD", path, {})
        return _lower(headers).get("cache-control") == "no-store"
    finally:
        _status(target, "DELETE", path, auth)


def _server_timing(target: Target) -> bool:
    return "server-timing" in _lower(_status(target, "GET", "/", {})[1])


PROBES: dict[str, Callable[[Target], bool]] = {
    "SIGNING_KEYS": _signing_keys,
    "API_KEYS": _api_keys,
    "S3": _s3,
    "S3_CREDENTIALS": _s3_credentials,
    "CORS": _cors,
    "CACHE_POLICY": _cache_policy,
    "SERVER_TIMING": _server_timing,
}
