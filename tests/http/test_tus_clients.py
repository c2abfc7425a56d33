"""Real tus clients against /api/v1/tus: tus-js-client 4.x in Node (tests/node/
tus_clients.test.mjs, under node:test with Node 22 from node_modules) and tuspy."""

from __future__ import annotations

import hashlib
import os

import pytest
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError
from tusclient.storage.filestorage import FileStorage

from tests.support.client import Client
from tests.support.node import run_node_tests
from tests.support.server import RunningServer

MIB = 1024 * 1024


def test_tus_js_client(server: RunningServer, api_key: str, prefix: str) -> None:
    env = {"R2GATE_URL": server.url, "R2GATE_API_KEY": api_key, "R2GATE_PREFIX": prefix}
    run_node_tests("tus_clients.test.mjs", env, passes=10, timeout=300)


def test_tuspy_uploads_and_resumes(
    server: RunningServer,
    client: Client,
    api_key: str,
    prefix: str,
    tmp_path: pytest.TempPathFactory,
) -> None:
    key = f"{prefix}tuspy.bin"
    data = os.urandom(7 * MIB + 11)
    source = tmp_path / "file.bin"  # type: ignore[operator]
    source.write_bytes(data)
    storage = FileStorage(str(tmp_path / "urls.json"))  # type: ignore[operator]
    tus = tus_client.TusClient(
        f"{server.url}/api/v1/tus", headers={"Authorization": f"Bearer {api_key}"}
    )
    first = tus.uploader(
        str(source),
        chunk_size=2 * MIB,
        metadata={"key": key},
        store_url=True,
        url_storage=storage,
    )
    first.upload_chunk()
    first.upload_chunk()
    assert first.offset == 4 * MIB
    resumed = tus.uploader(
        str(source), chunk_size=3 * MIB, metadata={"key": key}, store_url=True, url_storage=storage
    )
    assert resumed.url == first.url
    assert resumed.offset == 4 * MIB
    resumed.upload()
    stored = client.get(f"/{key}")
    assert hashlib.sha256(stored.body).hexdigest() == hashlib.sha256(data).hexdigest()
    with pytest.raises(TusCommunicationError):
        tus.uploader(str(source), url=first.url.replace(first.url[-4:], "0000")).upload()
