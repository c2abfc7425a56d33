"""tus expiration on its own server (UPLOAD_MAX_AGE=3): the Durable Object's alarm at
Upload-Expires aborts R2's multipart upload and forgets the upload; nothing is stored."""

from __future__ import annotations

import base64
import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.client import Client
from tests.support.server import RunningServer, start_wrangler_dev
from tests.support.settings import TEST_API_KEY

TUS = {"Tus-Resumable": "1.0.0"}
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    state: Path = tmp_path_factory.mktemp("tus-expiry")
    running = start_wrangler_dev({"API_KEY": TEST_API_KEY, "UPLOAD_MAX_AGE": "3"}, state)
    yield running
    running.stop()


def test_an_expired_upload_is_gone_and_leaves_nothing(short_lived: RunningServer) -> None:
    client = Client(short_lived.url, TEST_API_KEY)
    key = "expiring/big.bin"
    meta = "key " + base64.b64encode(key.encode()).decode()
    created = client.request(
        "POST",
        "/api/v1/tus",
        headers={**TUS, "Upload-Length": str(12 * MIB), "Upload-Metadata": meta},
        auth=True,
    )
    assert created.status == 201
    path = urlsplit(created.headers["location"]).path
    body = b"z" * (6 * MIB)  # one part goes to R2's multipart upload, the rest is kept
    sent = {**TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    assert client.request("PATCH", path, body=body, headers=sent).status == 204
    assert r2_multipart_states(short_lived, key) == [IN_PROGRESS]
    time.sleep(4.5)
    assert r2_multipart_states(short_lived, key) == [ABORTED]  # by the alarm, unasked
    for method in ("HEAD", "PATCH"):
        gone = client.request(method, path, headers={**sent, "Upload-Offset": str(6 * MIB)})
        assert gone.status == 404, method
        assert method == "HEAD" or gone.error_code == "upload_not_found"
    assert client.get(f"/{key}").status == 404
    assert client.get("/").status == 200


IN_PROGRESS, ABORTED = 0, 2  # Miniflare's R2: a multipart upload's state (1: completed)


def r2_multipart_states(server: RunningServer, key: str) -> list[int]:
    """The states of the local R2's multipart uploads of `key` (Miniflare's SQLite)."""
    assert server.state_dir is not None
    states = []
    for path in server.state_dir.glob("v3/r2/*/*.sqlite"):
        with contextlib.closing(sqlite3.connect(path)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if "_mf_multipart_uploads" in tables:
                query = "SELECT state FROM _mf_multipart_uploads WHERE key = ?"
                states += [row[0] for row in db.execute(query, (key,))]
    return states
