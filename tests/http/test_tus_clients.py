"""Real tus clients against /api/v1/tus: tus-js-client 4.x in Node (tests/node/
tus_clients.test.mjs, under node:test with Node 22 from node_modules) and tuspy."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError
from tusclient.storage.filestorage import FileStorage

from tests.support.client import Client
from tests.support.server import ROOT, RunningServer

SCRIPT = ROOT / "tests" / "node" / "tus_clients.test.mjs"
NODE = ROOT / "node_modules" / ".bin" / "node"
MIB = 1024 * 1024


def test_tus_js_client(server: RunningServer, api_key: str, prefix: str) -> None:
    env = {
        **os.environ,
        "R2GATE_URL": server.url,
        "R2GATE_API_KEY": api_key,
        "R2GATE_PREFIX": prefix,
    }
    run = subprocess.run(
        [str(NODE), "--test", "--test-reporter=spec", str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ℹ pass 10" in run.stdout and "ℹ fail 0" in run.stdout, run.stdout


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
