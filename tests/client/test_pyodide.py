"""The client under Pyodide (no threads, no ssl): runs in Node with the Pyodide the Worker runs
on locally (npm `pyodide-dev`, CPython 3.14), with a fake transport that records the exact
requests of a multipart upload. The real pyodide-http, in Chromium against wrangler dev:
tests/browser/test_pyodide_client.py."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.support.server import NODE_BIN, ROOT

RUNNER = """
import { loadPyodide } from "pyodide-dev";
const py = await loadPyodide();
py.FS.mkdirTree("/src");
py.FS.mount(py.FS.filesystems.NODEFS, { root: process.env.SRC }, "/src");
console.log("RESULT " + await py.runPythonAsync(process.env.CODE));
"""

CODE = r"""
import io, json, sys
sys.path.insert(0, "/src")
from r2gate_client import Client, DEFAULT_CONCURRENCY
from r2gate_client.transport import Response

MD5 = '"781e5e245d69b566979b86e28d23f2c7"'  # of b"0123456789"

class Fake:
    def __init__(self):
        self.calls, self.parts = [], {}

    def send(self, method, url, headers, body, timeout):
        data = body.read() if hasattr(body, "read") else body
        self.calls.append(f"{method} {url.split('/', 3)[3]}")
        reply = lambda status, obj: Response(status, {}, io.BytesIO(json.dumps(obj).encode()))
        if url.endswith("?uploads"):
            return reply(201, {"upload_id": "u1", "key": "big", "part_size": 5 << 20,
                               "max_parts": 10000, "expires_at": None})
        if "partNumber=" in url:
            return reply(200, {"part_number": 1, "etag": f"p{len(data)}", "size": len(data)})
        if method == "POST":
            return reply(201, {"key": "big", "size": 11 << 20, "etag": "x-3"})
        if method == "GET":
            return Response(200, {"Content-Length": "10", "ETag": MD5}, io.BytesIO(b"0123456789"))
        return reply(201, {"key": "a", "size": 10, "etag": "e"})

fake = Fake()
client = Client("https://r2gate.test", api_key="k" * 20, transport=fake, state_dir="/tmp/st",
                multipart_threshold=5 << 20, part_size=5 << 20)
with open("/tmp/big", "wb") as f:
    f.write(b"z" * (11 << 20))
result = client.upload("/tmp/big", "big")
client.download("a", "/tmp/a")
json.dumps({"platform": sys.platform, "concurrency": DEFAULT_CONCURRENCY,
            "parts": result.parts, "calls": fake.calls, "download": open("/tmp/a").read()})
"""


@pytest.mark.skipif(not (NODE_BIN / "node").exists() and not shutil.which("node"), reason="node")
def test_upload_and_download_run_under_pyodide() -> None:
    node = str(NODE_BIN / "node") if (NODE_BIN / "node").exists() else "node"
    done = subprocess.run(
        [node, "--input-type=module", "-e", RUNNER],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "SRC": str(ROOT / "clients" / "python" / "src"),
            "CODE": CODE,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    result = json.loads(lines[0].removeprefix("RESULT "))
    assert result["platform"] == "emscripten" and result["concurrency"] == 1
    assert result["parts"] == 3 and result["download"] == "0123456789"
    assert result["calls"] == [
        "POST big?uploads",
        "PUT big?uploadId=u1&partNumber=1",
        "PUT big?uploadId=u1&partNumber=2",
        "PUT big?uploadId=u1&partNumber=3",
        "POST big?uploadId=u1",
        "GET a",
    ]
