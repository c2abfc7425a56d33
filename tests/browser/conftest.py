"""Browser tests of the uploader page: a real headless Chromium (Debian's, driven by Playwright)
against `wrangler dev` on workerd, started here with its own throw-away bucket (helpers:
tests/support/browser.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

from tests.support.browser import (
    API_KEY,
    CHROMIUM_ARGS,
    SIGNING_KEYS,
    TRUSTED_PAGES,
    Uploader,
    chromium_path,
)
from tests.support.client import Client
from tests.support.server import RunningServer, start_wrangler_dev
from tests.support.settings import TEST_S3_VARIABLES


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    state = tmp_path_factory.mktemp("browser-r2-state")
    variables = {
        "API_KEY": API_KEY,
        "SIGNING_KEYS": SIGNING_KEYS,
        "TRUSTED_PAGES": TRUSTED_PAGES,
        **TEST_S3_VARIABLES,
    }
    running = start_wrangler_dev(variables, state)
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


@pytest.fixture()
def uploader(browser: BrowserContext) -> Iterator[Uploader]:
    page = browser.new_page()
    page.set_default_timeout(30_000)
    yield Uploader(page)
    page.close()


@pytest.fixture()
def prefix() -> str:
    """A key prefix unique to one test."""
    return f"b-{uuid.uuid4().hex[:12]}/"
