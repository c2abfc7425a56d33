"""The Worker survives a deployment's memory snapshot, as Cloudflare takes it.

With r2gate's compatibility date, production enables `python_dedicated_snapshot`: when a
version is uploaded, workerd runs the Worker's top level and saves Pyodide's memory, then
starts every isolate from it. A JS object held by a module global cannot be saved ("Can't
serialize top-level variable") and the upload fails; nothing in `wrangler dev` shows this,
because the local dev release takes no snapshot. Here workerd takes one, as in production
(`--python-save-snapshot` with the flag), and a second server starts from it
(`--python-load-snapshot`); both must serve a write and a read, which use every lazily made
JS object of the request path (the edge cache eviction among them).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from tests.support.client import Client
from tests.support.server import start_wrangler_dev
from tests.support.settings import TEST_API_KEY

SNAPSHOT = "snapshot.bin"
DEDICATED_SNAPSHOT = ("--compatibility-flag", "python_dedicated_snapshot")


def serves_a_write_and_a_read(url: str) -> None:
    client = Client(url, TEST_API_KEY)
    key, data = f"snapshot/{secrets.token_hex(6)}.glb", secrets.token_bytes(2048)
    assert client.request("PUT", f"/{key}", data, auth=True).status == 201
    assert client.request("PUT", f"/{key}", data, auth=True).status == 200  # evicts the cache
    got = client.get(f"/{key}")
    assert got.status == 200 and got.body == data
    assert got.headers["content-type"] == "model/gltf-binary"


def test_the_top_level_can_be_snapshot_and_the_worker_started_from_it(tmp_path: Path) -> None:
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    directory = f"--python-snapshot-dir={snapshots}"
    saving = start_wrangler_dev(
        {"API_KEY": TEST_API_KEY},
        tmp_path / "state-saving",
        extra_args=DEDICATED_SNAPSHOT,
        workerd_args=("--python-save-snapshot", directory),
    )
    try:
        assert "serialize" not in saving.log()
        saved = snapshots / SNAPSHOT
        assert saved.is_file() and saved.stat().st_size > 1_000_000  # Pyodide's whole memory
    finally:
        saving.stop()
    loading = start_wrangler_dev(
        {"API_KEY": TEST_API_KEY},
        tmp_path / "state-loading",
        extra_args=DEDICATED_SNAPSHOT,
        workerd_args=(f"--python-load-snapshot={SNAPSHOT}", directory),
    )
    try:
        serves_a_write_and_a_read(loading.url)
        assert "serialize" not in loading.log()
    finally:
        loading.stop()
