"""HTTP tests run against a real server: `wrangler dev` on workerd started here by default, or
the server named by R2GATE_TEST_URL (another wrangler dev, a deployment) with
R2GATE_TEST_API_KEY."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.support.client import Client
from tests.support.server import RunningServer, start_wrangler_dev
from tests.support.settings import (
    TEST_API_KEY,
    TEST_API_KEYS,
    TEST_CACHE_POLICY,
    TEST_CORS,
    TEST_S3_VARIABLES,
    TEST_SIGNING_KEYS,
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
        **TEST_S3_VARIABLES,
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
