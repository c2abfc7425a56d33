"""The Python client under Pyodide in a real browser: Debian's Chromium loads Pyodide from the npm
package, micropip installs pyodide-http and r2gate-client from local wheels (`make
pyodide-wheels` fetched and built them: the test itself is offline), and the client uploads
and downloads through pyodide-http's XMLHttpRequests against wrangler dev, from a page on
another origin (CORS), as a page or a notebook would (docs/client.md#in-a-browser-pyodide).

The page's origin, http://pyodide.test, exists only inside Playwright: its files (the page,
Pyodide, the wheels) are answered from disk by a route; every other request goes to the server.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from tests.support.browser import API_KEY
from tests.support.client import Client
from tests.support.server import ROOT, RunningServer

ORIGIN = "http://pyodide.localhost"
PYODIDE = ROOT / "node_modules" / "pyodide-dev"
WHEELS = ROOT / ".wrangler" / "browser-wheels"
CLIENT_SOURCES = ROOT / "clients" / "python"

PAGE = "<!doctype html><meta charset=utf-8><title>r2gate client under Pyodide</title>"
INSTALL = """async ({ indexURL, wheels }) => {
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  window.pyodide = await loadPyodide({ indexURL });
  await pyodide.loadPackage(wheels.micropip);
  const micropip = pyodide.pyimport("micropip");
  await micropip.install([wheels.http, wheels.client]);
  return pyodide.runPython("import sys; sys.platform + ' ' + sys.version.split()[0]");
}"""
RUN = "async (code) => await pyodide.runPythonAsync(code)"

# What a page or a notebook runs (docs/client.md), plus the checks' bookkeeping.
CLIENT_CODE = """
import hashlib, json, os
import pyodide_http
pyodide_http.patch_all()

from r2gate_client import Client

client = Client(URL, api_key=API_KEY, multipart_threshold=5 << 20, part_size=5 << 20)
results = {}
for name, size in (("scan.ply", 300_000), ("capture.bin", 11 << 20)):
    data = bytes(range(256)) * (size // 256) + os.urandom(size % 256)
    with open(f"/tmp/{name}", "wb") as file:
        file.write(data)
    up = client.upload(f"/tmp/{name}", PREFIX + name)
    down = client.download(PREFIX + name, f"/tmp/copy-{name}")
    back = open(f"/tmp/copy-{name}", "rb").read()
    results[name] = {"multipart": up.multipart, "parts": up.parts, "size": down.size,
                     "same": back == data, "md5": hashlib.md5(data).hexdigest()}
json.dumps(results)
"""


def wheel(prefix: str) -> Path:
    found = sorted(WHEELS.glob(f"{prefix}-*-py3-none-any.whl"))
    if not found:
        pytest.fail(f"no {prefix} wheel in {WHEELS}: run `make pyodide-wheels` (make test does)")
    return found[-1]


def client_wheel_is_current(built: Path) -> bool:
    sources = [*CLIENT_SOURCES.glob("src/**/*.py"), CLIENT_SOURCES / "pyproject.toml"]
    return built.stat().st_mtime >= max(path.stat().st_mtime for path in sources)


def serve_from_disk(route: Route) -> None:
    """http://pyodide.test/: the page, /pyodide/<file> from npm, /wheels/<file> from WHEELS."""
    path = route.request.url.removeprefix(ORIGIN).split("?", 1)[0]
    if path == "/":
        route.fulfill(status=200, content_type="text/html", body=PAGE)
        return
    folder, _, name = path.strip("/").partition("/")
    root = {"pyodide": PYODIDE, "wheels": WHEELS}.get(folder)
    file = (root / name) if root is not None and "/" not in name else None
    if file is None or not file.is_file():
        route.fulfill(status=404, body="not here")
        return
    kind = {".mjs": "text/javascript", ".wasm": "application/wasm"}.get(file.suffix)
    kind = kind or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    route.fulfill(status=200, content_type=kind, body=file.read_bytes())


@pytest.fixture()
def pyodide_page(browser: BrowserContext) -> Iterator[Page]:
    client_wheel = wheel("r2gate_client")
    if not client_wheel_is_current(client_wheel):
        pytest.fail("the r2gate-client wheel is older than clients/python: run `make test`")
    # The page's origin has no address; Chromium counts it as public and asks before it reaches
    # the loopback server (Local Network Access). A deployed page and server are both public.
    browser.grant_permissions(["local-network-access"], origin=ORIGIN)
    page = browser.new_page()
    page.set_default_timeout(120_000)
    page.route(f"{ORIGIN}/**", serve_from_disk)
    page.goto(f"{ORIGIN}/")
    wheels = {
        "micropip": f"{ORIGIN}/wheels/{wheel('micropip').name}",
        "http": f"{ORIGIN}/wheels/{wheel('pyodide_http').name}",
        "client": f"{ORIGIN}/wheels/{client_wheel.name}",
    }
    platform = page.evaluate(INSTALL, {"indexURL": f"{ORIGIN}/pyodide/", "wheels": wheels})
    assert platform.startswith("emscripten 3.14"), platform
    yield page
    page.close()


def test_the_client_uploads_and_downloads_from_pyodide_in_chromium(
    pyodide_page: Page, server: RunningServer, prefix: str
) -> None:
    setup = f"URL, API_KEY, PREFIX = {server.url!r}, {API_KEY!r}, {prefix!r}\n"
    results = json.loads(pyodide_page.evaluate(RUN, setup + CLIENT_CODE))
    small, big = results["scan.ply"], results["capture.bin"]
    assert (small["multipart"], small["size"], small["same"]) == (False, 300_000, True)
    assert (big["multipart"], big["parts"], big["size"], big["same"]) == (True, 3, 11 << 20, True)
    for name, result in results.items():  # what the server stored is what the browser sent
        stored = Client(server.url).get(f"/{prefix}{name}")
        assert stored.status == 200
        assert hashlib.md5(stored.body).hexdigest() == result["md5"]
