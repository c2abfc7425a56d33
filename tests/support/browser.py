"""The browser uploader's tests: the server's settings, Chromium's flags, the page driven by
Playwright, and the requests that mint tokens for it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page

from tests.support.client import Client, Reply
from tests.support.tokens import AUDIENCE, mint

API_KEY = "browser-test-" + "b" * 32
SIGNING_SECRET = "browser-signing-secret-" + "s" * 32
SIGNING_KEYS = json.dumps({"b1": SIGNING_SECRET})
TRUSTED_PAGES = '["site/"]'  # served without the sandbox CSP (tests/browser/test_user_content.py)
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


def sign_token(claims: dict[str, Any], *, iat: int, exp: int) -> str:
    """A token from PyJWT with the browser server's key (kid b1), as a backend mints one."""
    payload = {"aud": AUDIENCE, "iat": iat, "exp": exp, **claims}
    return mint(payload, SIGNING_SECRET, kid="b1")


def mint_grant(client: Client, **body: Any) -> dict[str, Any]:
    """POST /api/v1/uploads with the API key: the 201 body."""
    reply = post_upload(client, body)
    assert reply.status == 201, reply.body
    return reply.json()


def post_upload(client: Client, body: dict[str, Any]) -> Reply:
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    return client.request("POST", "/api/v1/uploads", body=data, headers=headers, auth=True)
