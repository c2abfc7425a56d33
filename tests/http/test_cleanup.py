"""The scheduled cleanup of stale multipart uploads, triggered through wrangler dev's
``GET /cdn-cgi/local/scheduled?cron=...&time=<ms>`` route (Miniflare's trigger; wrangler's
``/__scheduled`` is a middleware it bundles into JS Workers only).

The handler measures ages against the event's scheduledTime, so a far-future `time` makes
every open upload stale without waiting. Against the local server, the tests also look into
Miniflare's R2 and D1 databases (read-only) to check that R2's upload was aborted and
r2gate's records (in D1) were deleted, which no client request can observe.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.client import Client
from tests.support.multipart import Mpu
from tests.support.server import NODE_BIN, ROOT, RunningServer
from tests.support.settings import S3_BUCKET

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


def _sqlite(state: Path, kind: str) -> Path:
    databases = [
        path for path in state.glob(f"v3/{kind}/*/*.sqlite") if path.name != "metadata.sqlite"
    ]
    assert len(databases) == 1, databases
    return databases[0]


def r2_state(state: Path | None, key: str) -> tuple[list[int], list[str]]:
    """(states of R2's multipart uploads for `key`, upload ids of r2gate's records for `key`,
    in D1) in Miniflare's databases. States: 0 in progress, 1 completed, 2 aborted."""
    if state is None:
        return [], []
    with sqlite3.connect(f"file:{_sqlite(state, 'r2')}?mode=ro", uri=True) as conn:
        query = "SELECT state FROM _mf_multipart_uploads WHERE key = ?"
        states = [row[0] for row in conn.execute(query, (key,))]
    with sqlite3.connect(f"file:{_sqlite(state, 'd1')}?mode=ro", uri=True) as conn:
        query = "SELECT upload_id FROM uploads WHERE key = ?"
        records = [row[0] for row in conn.execute(query, (key,))]
    return states, records


def bucket_keys(state: Path, prefix: str) -> list[str]:
    """Keys under `prefix` in Miniflare's R2 bucket."""
    with sqlite3.connect(f"file:{_sqlite(state, 'r2')}?mode=ro", uri=True) as conn:
        query = "SELECT key FROM _mf_objects WHERE substr(key, 1, length(?)) = ?"
        return [row[0] for row in conn.execute(query, (prefix, prefix))]


def records_of(records: list[str], upload_id: str) -> list[str]:
    return [record for record in records if record == upload_id]


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
        assert records_of(records, upload_id) == [upload_id]  # in D1, not in the bucket
        assert bucket_keys(r2_db, "api/") == []

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


def test_cleanup_leaves_completed_objects_alone(
    client: Client, prefix: str, r2_db: Path | None
) -> None:
    key = f"{prefix}done.bin"
    mpu = Mpu(client, key)
    upload_id = mpu.start()
    assert mpu.complete(upload_id, [(1, mpu.send(upload_id, 1, b"done"))]).status == 201
    for _ in range(20):
        trigger(client, int(time.time() * 1000) + 8 * DAY_MS)
    assert client.get(f"/{key}").body == b"done"
    # The record of what made the object stays while the object does ...
    assert r2_state(r2_db, key)[1] == ([upload_id] if r2_db is not None else [])
    assert client.put(f"/{key}", b"replaced").status == 200
    for _ in range(20):
        trigger(client, int(time.time() * 1000) + 30 * DAY_MS)
        if not r2_state(r2_db, key)[1]:
            break
    assert r2_state(r2_db, key)[1] == []  # ... and goes once it was replaced
    assert client.get(f"/{key}").body == b"replaced"


def test_records_earlier_versions_kept_in_the_bucket_are_removed(
    server: RunningServer, client: Client, r2_db: Path | None, tmp_path: Path
) -> None:
    if r2_db is None or server.state_dir is None:
        pytest.skip("needs the local bucket of a server started here")
    upload_id = os.urandom(16).hex()
    legacy = [f"api/uploads/{upload_id}", f"api/upload-parts/{upload_id}/00001"]
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    for key in legacy:  # written past r2gate, as an earlier version left them
        subprocess.run(
            [
                str(NODE_BIN / "wrangler"),
                "r2",
                "object",
                "put",
                f"{S3_BUCKET}/{key}",
                f"--file={empty}",
                "--local",
                f"--persist-to={server.state_dir}",
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
            env={**os.environ, "PATH": f"{NODE_BIN}:{os.environ['PATH']}"},
        )
    assert sorted(bucket_keys(r2_db, "api/upload")) == sorted(legacy)
    for _ in range(20):
        trigger(client, int(time.time() * 1000))
        if not bucket_keys(r2_db, "api/"):
            break
    assert bucket_keys(r2_db, "api/") == []


def index_row(state: Path, key: str) -> tuple[int | None] | None:
    """The object index's row of `key` in Miniflare's D1 (its `deleted`), or None."""
    with sqlite3.connect(f"file:{_sqlite(state, 'd1')}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT deleted FROM object_index WHERE key = ?", (key,)).fetchone()


def test_the_cron_forgets_index_tombstones_after_a_week(
    client: Client, r2_db: Path | None, prefix: str
) -> None:
    if r2_db is None:
        pytest.skip("needs the local server's D1 database")
    key = f"{prefix}gone.txt"
    assert client.put(f"/{key}", b"x").status == 201
    assert client.delete(f"/{key}").status == 204
    deadline = time.monotonic() + 20
    while (row := index_row(r2_db, key)) is None or row[0] is None:  # the tombstone
        assert time.monotonic() < deadline, row
        time.sleep(0.2)
    trigger(client, int(time.time() * 1000) + 6 * 86400 * 1000)
    assert index_row(r2_db, key) is not None  # within the week: kept
    trigger(client, int(time.time() * 1000) + 8 * 86400 * 1000)
    assert index_row(r2_db, key) is None
