"""HTTP tests run against a real server: `wrangler dev` on workerd started here by default, or
the server named by R2GATE_TEST_URL (another wrangler dev, a deployment) with
R2GATE_TEST_API_KEY."""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.client import Client
from tests.support.server import RunningServer, start_wrangler_dev

TEST_API_KEY = "test-" + "k" * 32
TEST_CACHE_POLICY = (
    '{"default": "public, max-age=3600", "rules": ['
    '{"prefix": "models/", "cache_control": "public, max-age=31536000, immutable"},'
    '{"prefix": "private/", "private": true},'
    '{"prefix": "nostore/", "cache_control": "no-store"}]}'
)
TEST_CORS = (
    '{"origins": ["https://app.example.com", "https://*.example.org", "ar-code://*"],'
    ' "max_age": 600}'
)
# Token signing keys: "old" still verifies, "new" (the last) signs (tests/http/test_tokens*.py).
TEST_SIGNING_SECRETS = {
    "old": "old-signing-secret-" + "o" * 32,
    "new": "new-signing-secret-" + "n" * 32,
}
TEST_SIGNING_KEYS = json.dumps(TEST_SIGNING_SECRETS)
# Scoped API keys (name -> (secret, ops, prefixes)), used by tests/http/test_tokens*/test_api*.
TEST_SCOPED_KEYS = {
    "tenant42": (
        "tenant42-" + "t" * 24,
        ["read", "write", "delete", "sign", "list"],
        ["tenant-42/"],
    ),
    "u42": ("u42-key-" + "u" * 24, ["write", "delete", "sign", "list"], ["u/42/"]),
    "twofolders": ("twofolders-" + "w" * 24, ["write", "sign"], ["a/", "b/"]),
    "nosign": ("nosign-key-" + "n" * 24, ["read", "write", "delete", "list"], [""]),
    "private-reader": ("private-reader-" + "r" * 24, ["read", "sign"], ["private/"]),
    "writer": ("writer-key-" + "x" * 24, ["write", "sign"], [""]),
    "dotted": ("dotted.api.key-" + "d" * 24, ["read", "write"], ["dotted/"]),
}
TEST_API_KEYS = json.dumps(
    {
        "keys": [
            {"name": name, "key": secret, "ops": ops, "prefixes": prefixes}
            for name, (secret, ops, prefixes) in TEST_SCOPED_KEYS.items()
        ]
    }
)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    external = os.environ.get("R2GATE_TEST_URL")
    if external:
        yield RunningServer(url=external.rstrip("/"))
        return
    state = tmp_path_factory.mktemp("r2-state")
    variables = {
        "API_KEY": TEST_API_KEY,
        "CACHE_POLICY": TEST_CACHE_POLICY,
        "CORS": TEST_CORS,
        "SERVER_TIMING": "on",
        "SIGNING_KEYS": TEST_SIGNING_KEYS,
        "API_KEYS": TEST_API_KEYS,
    }
    running = start_wrangler_dev(variables, state)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def api_key() -> str:
    return os.environ.get("R2GATE_TEST_API_KEY", TEST_API_KEY)


@pytest.fixture()
def client(server: RunningServer, api_key: str) -> Client:
    return Client(server.url, api_key)


@pytest.fixture()
def prefix() -> str:
    """A key prefix unique to one test, so tests never see each other's objects."""
    return f"t-{uuid.uuid4().hex[:12]}/"


def random_bytes(size: int) -> bytes:
    return secrets.token_bytes(size)


__all__ = ["Path", "random_bytes"]
