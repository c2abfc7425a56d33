"""Browser tests of the uploader page: a real headless Chromium (Debian's, driven by Playwright)
against `wrangler dev` on workerd, started here with its own throw-away bucket."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.support.client import Client, Reply
from tests.support.server import RunningServer, start_wrangler_dev

API_KEY = "browser-test-" + "b" * 32
SIGNING_SECRET = "browser-signing-secret-" + "s" * 32
SIGNING_KEYS = json.dumps({"b1": SIGNING_SECRET})
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium (`make browser` installs it); never a Playwright download."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail("chromium is not installed: run `make browser` (apt-get install chromium)")
    return found


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    state = tmp_path_factory.mktemp("browser-r2-state")
    running = start_wrangler_dev({"API_KEY": API_KEY, "SIGNING_KEYS": SIGNING_KEYS}, state)
    yield running
    running.stop()


@pytest.fixture()
def client(server: RunningServer) -> Client:
    return Client(server.url, API_KEY)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield context
        context.close()


RECORD_EVENTS = """() => import("/api/v1/uploader.js").then((module) => {
  window.uploadEventLog = [];
  for (const type of ["start", "multipart", "progress", "retry", "done", "error", "cancel"]) {
    module.uploadEvents.addEventListener(type, (event) => {
      const { upload, error, object, ...detail } = event.detail;
      window.uploadEventLog.push({ type, ...detail, code: error ? error.code : detail.code });
    });
  }
})"""
SETTLED = "li.upload:is([data-state=done], [data-state=failed], [data-state=cancelled])"


class Uploader:
    """The uploader page in one browser tab, with every upload event it dispatches recorded
    and every console error (CSP violations included) collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console_errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def open(self, url: str) -> None:
        """Load the page and start recording the upload module's events."""
        self.page.goto(url)
        self.page.wait_for_selector("[data-r2gate-uploader][data-state]")
        self.page.evaluate(RECORD_EVENTS)

    def throttle(self, upload_bytes_per_second: int) -> None:
        """Slow this tab's uploads down (DevTools network emulation)."""
        cdp = self.page.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        conditions = {"offline": False, "latency": 0, "downloadThroughput": -1}
        cdp.send(
            "Network.emulateNetworkConditions",
            {**conditions, "uploadThroughput": upload_bytes_per_second},
        )

    def wait_for_progress(self, loaded: int) -> None:
        """Wait until the upload reports at least `loaded` bytes sent."""
        self.page.wait_for_function(
            "(n) => window.uploadEventLog.some((e) => e.type === 'progress' && e.loaded >= n)",
            arg=loaded,
        )

    def choose(self, *paths: Path) -> None:
        self.page.set_input_files("#file", [str(path) for path in paths])

    def settle(self, timeout: float = 120_000) -> str:
        """Wait until the (first) upload is done, failed or cancelled: its state."""
        row = self.page.wait_for_selector(SETTLED, timeout=timeout)
        assert row is not None
        return str(row.get_attribute("data-state"))

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text()

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        log = self.page.evaluate("window.uploadEventLog")
        return [event for event in log if kind is None or event["type"] == kind]


@pytest.fixture()
def uploader(browser: BrowserContext) -> Iterator[Uploader]:
    page = browser.new_page()
    page.set_default_timeout(30_000)
    yield Uploader(page)
    page.close()


def sign_token(claims: dict[str, Any], *, iat: int, exp: int, secret: str = SIGNING_SECRET) -> str:
    """A token built by hand (HS256, kid b1), as any backend would mint one."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "b1"}).encode())
    payload = b64(json.dumps({"aud": "r2gate", "iat": iat, "exp": exp, **claims}).encode())
    mac = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(mac)}"


def write_file(path: Path, size: int) -> bytes:
    """A file of `size` random bytes at `path`: its content."""
    data = secrets.token_bytes(size)
    path.write_bytes(data)
    return data


@pytest.fixture()
def prefix() -> str:
    """A key prefix unique to one test."""
    return f"b-{uuid.uuid4().hex[:12]}/"


def mint(client: Client, **body: Any) -> dict[str, Any]:
    """POST /api/v1/uploads with the API key: the 201 body."""
    reply = post_upload(client, body)
    assert reply.status == 201, reply.body
    return reply.json()


def post_upload(client: Client, body: dict[str, Any]) -> Reply:
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    return client.request("POST", "/api/v1/uploads", body=data, headers=headers, auth=True)
