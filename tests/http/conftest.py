"""HTTP tests run against a real server: `wrangler dev` on workerd started here by default, or
the server named by R2GATE_TEST_URL (`make dev`, another wrangler dev, a deployment) with
R2GATE_TEST_API_KEY. There, a test that needs one of the suite's own settings the server lacks
is skipped with the reason (tests/support/target.py): `need(...)` in the helpers, or
`@pytest.mark.needs(...)` on a test or module."""

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
from tests.support.target import Target, need, use
from tests.support.webhooks import Receiver, start_receiver


@pytest.fixture(scope="session")
def webhooks() -> Iterator[Receiver | None]:
    """The suite's webhook receiver (tests/support/webhooks.py), running before the server
    whose WEBHOOKS name it; None for an external server."""
    if os.environ.get("R2GATE_TEST_URL"):
        yield None
        return
    receiver = start_receiver()
    yield receiver
    if receiver.server is not None:
        receiver.server.shutdown()


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, api_key: str, webhooks: Receiver | None
) -> Iterator[RunningServer]:
    external = os.environ.get("R2GATE_TEST_URL")
    if external:
        use(Target(external.rstrip("/"), api_key))
        yield RunningServer(url=external.rstrip("/"))
        use(None)
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
    if webhooks is not None:  # retried at once: each attempt waits for the next batch (~1 s)
        variables.update(WEBHOOKS=webhooks.webhooks_setting(), WEBHOOK_RETRY_DELAY="0")
    running = start_wrangler_dev(variables, state)
    use(Target(running.url, TEST_API_KEY, complete=True))
    yield running
    use(None)
    running.stop()


@pytest.fixture(autouse=True)
def _needs(request: pytest.FixtureRequest) -> None:
    """Skip a test marked `needs(...)` when the server lacks those settings of the suite."""
    for mark in request.node.iter_markers("needs"):
        request.getfixturevalue("server")
        need(*mark.args)


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
