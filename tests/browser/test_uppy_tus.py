"""Uppy (@uppy/core + @uppy/tus) in Chromium uploads to /api/v1/tus: a file added, the network
cut mid-upload (Playwright's `context.set_offline`), the upload finishing after reconnect, and
the stored object's sha256 equal to the file's.

The page is served on the server's own origin by Playwright (`page.route`), with Uppy bundled
from node_modules by esbuild, so the test needs no network."""

from __future__ import annotations

import hashlib
import subprocess
import time
import uuid

from playwright.sync_api import BrowserContext, Route

from tests.support.browser import API_KEY
from tests.support.client import Client
from tests.support.server import ROOT, RunningServer

ENTRY = ROOT / "tests" / "browser" / "uppy_entry.mjs"
BUNDLE = ROOT / ".wrangler" / "uppy" / "uppy.js"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
MIB = 1024 * 1024
SIZE = 24 * MIB + 321

UPLOAD = """async ({ endpoint, key, size, apiKey }) => {
  const bytes = new Uint8Array(size)
  let seed = 7
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0
    bytes[i] = seed >>> 24
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  window.fileSha256 = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
  window.progress = 0
  window.errors = []
  const uppy = new window.Uppy({ autoProceed: false })
  uppy.use(window.UppyTus, {
    endpoint,
    headers: { Authorization: `Bearer ${apiKey}` },
    chunkSize: 1024 * 1024,
    retryDelays: [0, 500, 1000, 2000, 2000, 2000, 2000, 2000],
    allowedMetaFields: ['key', 'name', 'type'],
  })
  uppy.on('upload-progress', (file, progress) => { window.progress = progress.bytesUploaded })
  uppy.on('upload-error', (file, error) => { window.errors.push(String(error)) })
  uppy.addFile({ name: 'video.bin', type: 'application/octet-stream', data: new Blob([bytes]),
                 meta: { key } })
  const result = await uppy.upload()
  return { successful: result.successful.length, failed: result.failed.length }
}"""


def bundle() -> str:
    if not BUNDLE.exists() or BUNDLE.stat().st_mtime < ENTRY.stat().st_mtime:
        BUNDLE.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(ESBUILD), str(ENTRY), "--bundle", "--format=iife", f"--outfile={BUNDLE}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=120,
        )
    return BUNDLE.read_text()


def test_uppy_finishes_after_the_network_comes_back(
    browser: BrowserContext, server: RunningServer, client: Client
) -> None:
    html = f"<!doctype html><meta charset=utf-8><title>uppy</title><script>{bundle()}</script>"
    page = browser.new_page()
    page.set_default_timeout(60_000)
    page_url = f"{server.url}/uppy-tus-test.html"

    def serve(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    page.route(page_url, serve)
    try:
        page.goto(page_url)
        key = f"uppy-{uuid.uuid4().hex[:8]}/video.bin"
        arguments = {
            "endpoint": f"{server.url}/api/v1/tus",
            "key": key,
            "size": SIZE,
            "apiKey": API_KEY,
        }
        page.evaluate(
            f"(args) => {{ window.finished = false; window.done = ({UPLOAD})(args)"
            ".finally(() => { window.finished = true }) }",
            arguments,
        )
        page.wait_for_function("window.progress >= 3 * 1024 * 1024", polling=10)
        browser.set_offline(True)
        assert page.evaluate("window.finished") is False  # cut mid-upload
        time.sleep(1.5)
        assert page.evaluate("window.finished") is False  # and it waits for the network
        browser.set_offline(False)
        result = page.evaluate("window.done")
        assert result == {"successful": 1, "failed": 0}, page.evaluate("window.errors")
        stored = client.get(f"/{key}")
        assert stored.status == 200
        assert hashlib.sha256(stored.body).hexdigest() == page.evaluate("window.fileSha256")
    finally:
        browser.set_offline(False)
        page.close()
