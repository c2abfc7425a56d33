"""Client tests: a session server of their own (`wrangler dev` on workerd) with a small single-PUT
limit, so multipart and 413 are exercised with files of a few MB."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from r2gate_client import Client, Retrier

from tests.support.pyclient import API_KEY, MAX_PUT_BYTES, READER_KEY, SIGNING_KEYS
from tests.support.server import RunningServer, start_wrangler_dev


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    variables = {
        "API_KEY": API_KEY,
        "API_KEYS": json.dumps(
            {
                "keys": [
                    {"name": "reader", "key": READER_KEY, "ops": ["read", "list"], "prefixes": [""]}
                ]
            }
        ),
        "SIGNING_KEYS": SIGNING_KEYS,
        "MAX_PUT_BYTES": str(MAX_PUT_BYTES),
        "CACHE_POLICY": json.dumps(
            {"default": "public, max-age=60", "rules": [{"prefix": "private/", "private": True}]}
        ),
    }
    running = start_wrangler_dev(variables, tmp_path_factory.mktemp("r2"))
    yield running
    running.stop()


@pytest.fixture()
def make_client(server: RunningServer, tmp_path: Path) -> Any:
    """Client(...) against the test server: no real sleeps between retries, state in tmp.
    `url=server.worker_url` talks to the Worker without wrangler's dev proxy in front."""

    def make(url: str | None = None, **options: Any) -> Client:
        options.setdefault("api_key", API_KEY)
        options.setdefault("state_dir", tmp_path / "state")
        options.setdefault("retry", Retrier(sleep=lambda seconds: None))
        return Client(url or server.url, **options)

    return make


@pytest.fixture()
def client(make_client: Any) -> Client:
    return make_client()


@pytest.fixture()
def prefix() -> str:
    """A key prefix unique to one test."""
    return f"c-{uuid.uuid4().hex[:12]}/"
