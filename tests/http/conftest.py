"""HTTP tests run against a real server: `wrangler dev` on workerd started here by default, or
the server named by R2GATE_TEST_URL (another wrangler dev, a deployment) with
R2GATE_TEST_API_KEY."""

from __future__ import annotations

import json
import os
import secrets
import time
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


def put_short_body(
    server: RunningServer, client: Client, path: str, headers: dict[str, str]
) -> None:
    """PUT 10 bytes of a declared 1000, then stop sending. Locally the Worker must answer
    400 body_length_mismatch (asked straight at its workerd: wrangler's dev proxy answers 500
    itself when a body breaks off) and log nothing: it is the client's fault, not ours."""
    local = server.worker_url is not None
    target = Client(server.worker_url, client.api_key) if server.worker_url else client
    reply = target.put_short(path, 1000, b"x" * 10, headers)
    if not local:
        return  # a deployment's front line may hang up instead; the caller checks the bucket
    assert reply is not None, "the Worker hung up instead of answering"
    assert (reply.status, reply.error_code) == (400, "body_length_mismatch"), reply.body
    key_path = path.split("?", 1)[0]
    time.sleep(0.5)  # the Worker's output reaches the log through wrangler, a little late
    ours = [line for line in server.log().splitlines() if "r2gate:" in line and key_path in line]
    assert ours == []


__all__ = ["Path", "random_bytes"]
