"""A browser form upload from a presigned POST, the way a seed's React component sends it
(FormData of the fields, then the file; fetch to the bucket URL), from an app on another
origin: Chromium's own multipart encoder and CORS, against the S3 surface."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from tests.support.client import Client
from tests.support.s3 import s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET

# What the seed's upload component does with the backend's generate_presigned_post answer.
APP = """<!doctype html>
<meta charset="utf-8">
<input type="file" id="file">
<script>
async function upload(presigned) {
  const file = document.getElementById("file").files[0];
  const formData = new FormData();
  Object.entries(presigned.fields).forEach(([name, value]) => formData.append(name, value));
  formData.append("file", file);
  const response = await fetch(presigned.url, { method: "POST", body: formData });
  const etag = response.headers.get("ETag");
  return { status: response.status, etag, text: await response.text() };
}
</script>
"""


@pytest.fixture(scope="module")
def app_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app's page, served from its own origin."""
    root = tmp_path_factory.mktemp("app")
    (root / "index.html").write_text(APP)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _upload(browser: BrowserContext, app: str, presigned: dict, path: Path) -> dict:
    page = browser.new_page()
    try:
        page.goto(f"{app}/index.html")
        page.set_input_files("#file", str(path))
        return page.evaluate("(presigned) => upload(presigned)", presigned)
    finally:
        page.close()


def test_browser_form_post_from_a_presigned_post(
    server: RunningServer,
    client: Client,
    browser: BrowserContext,
    app_origin: str,
    prefix: str,
    tmp_path: Path,
) -> None:
    s3 = s3_client(server.url)
    presigned = s3.generate_presigned_post(
        S3_BUCKET,
        f"{prefix}avatars/${{filename}}",
        Fields={"Content-Type": "image/png"},
        Conditions=[
            ["content-length-range", 0, 10485760],
            ["starts-with", "$Content-Type", "image/"],
        ],
        ExpiresIn=300,
    )
    photo = tmp_path / "me.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400)
    result = _upload(browser, app_origin, json.loads(json.dumps(presigned)), photo)
    assert result["status"] == 204, result["text"]
    stored = client.get(f"/{prefix}avatars/me.png")
    assert stored.body == photo.read_bytes()
    assert stored.headers["content-type"] == "image/png"
    assert result["etag"] == stored.headers["etag"]  # exposed to the app through CORS

    too_big = tmp_path / "big.png"
    too_big.write_bytes(b"x" * 2000)
    small = s3.generate_presigned_post(
        S3_BUCKET,
        f"{prefix}avatars/${{filename}}",
        Conditions=[["content-length-range", 0, 1000]],
        ExpiresIn=300,
    )
    refused = _upload(browser, app_origin, small, too_big)
    assert refused["status"] == 400 and "<Code>EntityTooLarge</Code>" in refused["text"]
    assert client.get(f"/{prefix}avatars/big.png").status == 404
