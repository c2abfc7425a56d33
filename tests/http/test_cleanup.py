"""The scheduled cleanup of stale multipart uploads, triggered through wrangler dev's
``GET /cdn-cgi/local/scheduled?cron=...&time=<ms>`` route (Miniflare's trigger; wrangler's
``/__scheduled`` is a middleware it bundles into JS Workers only).

The handler measures ages against the event's scheduledTime, so a far-future `time` makes
every open upload stale without waiting. Against the local server, the tests also look into
Miniflare's R2 database (read-only) to check that R2's upload was aborted and r2gate's records
were deleted, which no client request can observe.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from tests.support.client import Client
from tests.support.multipart import Mpu
from tests.support.server import RunningServer

DAY_MS = 86400 * 1000
CRON = "17+*+*+*+*"
EXTERNAL = bool(os.environ.get("R2GATE_TEST_URL"))


def trigger(client: Client, at_ms: int) -> None:
    reply = client.get(f"/cdn-cgi/local/scheduled?cron={CRON}&time={at_ms}")
    if reply.status == 404 and EXTERNAL:
        pytest.skip("the server under test is not wrangler dev: no scheduled trigger route")
    assert reply.status == 200, reply.body


@pytest.fixture()
def r2_db(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The session server's state directory (None against an external server)."""
    if EXTERNAL:
        return None
    found = {path.resolve() for path in tmp_path_factory.getbasetemp().glob("r2-state*")}
    assert len(found) == 1, found  # conftest's mktemp("r2-state") (and pytest's symlink)
    return found.pop()


def r2_state(state: Path | None, key: str) -> tuple[list[int], list[str]]:
    """(states of R2's multipart uploads for `key`, keys of r2gate's upload records) in
    Miniflare's R2 database. States: 0 in progress, 1 completed, 2 aborted."""
    if state is None:
        return [], []
    databases = [
        path
        for path in state.glob("v3/r2/miniflare-R2BucketObject/*.sqlite")
        if path.name != "metadata.sqlite"
    ]
    assert len(databases) == 1, databases
    with sqlite3.connect(f"file:{databases[0]}?mode=ro", uri=True) as conn:
        query = "SELECT state FROM _mf_multipart_uploads WHERE key = ?"
        states = [row[0] for row in conn.execute(query, (key,))]
        query = "SELECT key FROM _mf_objects WHERE key LIKE 'api/upload%'"
        records = [row[0] for row in conn.execute(query)]
    return states, records


def records_of(records: list[str], upload_id: str) -> list[str]:
    return [key for key in records if upload_id in key]


def test_cleanup_keeps_fresh_uploads_and_removes_stale_ones(
    client: Client, prefix: str, r2_db: Path | None
) -> None:
    started_ms = int(time.time() * 1000)
    key = f"{prefix}stale.bin"
    mpu = Mpu(client, key)
    upload_id = mpu.start()
    etag = mpu.send(upload_id, 1, b"x" * 100)
    assert client.put(f"/{prefix}kept.bin", b"object").status == 201
    states, records = r2_state(r2_db, key)
    if r2_db is not None:
        assert states == [0]
        assert len(records_of(records, upload_id)) == 2  # the manifest and part 1

    # Now, and a minute short of UPLOAD_MAX_AGE (one day): the upload stays.
    for at_ms in (started_ms, started_ms + DAY_MS - 60_000):
        trigger(client, at_ms)
        assert mpu.status(upload_id).json()["parts"][0]["etag"] == etag
    assert r2_state(r2_db, key)[0] == ([0] if r2_db is not None else [])

    # A day later it is stale. A run removes at most 100 uploads, oldest first, and the
    # shared server may hold many from other tests: run until ours is gone.
    for _ in range(20):
        trigger(client, started_ms + DAY_MS + 60_000)
        if mpu.status(upload_id).status == 404:
            break
    for reply in (mpu.status(upload_id), mpu.part(upload_id, 2, b"y"), mpu.abort(upload_id)):
        assert (reply.status, reply.error_code) == (404, "upload_not_found")
    states, records = r2_state(r2_db, key)
    if r2_db is not None:
        assert states == [2]  # R2's upload was aborted
        assert records_of(records, upload_id) == []
    # Nothing else broke: objects stay, and new uploads work.
    assert client.get(f"/{prefix}kept.bin").body == b"object"
    fresh = mpu.start()
    assert mpu.complete(fresh, [(1, mpu.send(fresh, 1, b"new"))]).status == 201
    assert client.get(f"/{key}").body == b"new"


def test_cleanup_leaves_completed_objects_alone(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}done.bin")
    upload_id = mpu.start()
    assert mpu.complete(upload_id, [(1, mpu.send(upload_id, 1, b"done"))]).status == 201
    trigger(client, int(time.time() * 1000) + 8 * DAY_MS)
    assert client.get(f"/{prefix}done.bin").body == b"done"
