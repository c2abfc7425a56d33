"""HTTP tests run against a real server: the offline runtime by default, or the server named by
R2GATE_TEST_URL (wrangler dev, a deployment) with R2GATE_TEST_API_KEY."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.client import Client
from tests.support.server import ROOT, RunningServer, start_runtime

TEST_API_KEY = "test-" + "k" * 32


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    external = os.environ.get("R2GATE_TEST_URL")
    if external:
        yield RunningServer(url=external.rstrip("/"))
        return
    state = tmp_path_factory.mktemp("r2-state")
    running = start_runtime(ROOT / "wrangler.toml", state, {"API_KEY": TEST_API_KEY})
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
