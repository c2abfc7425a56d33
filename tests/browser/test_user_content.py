"""User content never runs script on the asset origin: uploaded HTML and SVG opened in
Chromium run no script (the sandbox CSP), while the same page under a TRUSTED_PAGES prefix
does (so the check can fail); an uploaded PDF still opens in Chromium's viewer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.support.client import Client
from tests.support.server import RunningServer

PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"
HTML = b"""<!doctype html><html><head><title>static</title></head><body>
<p>uploaded page</p>
<script>document.title = "ran:" + document.domain;</script>
<img src="data:," onerror="document.title = 'ran:onerror'">
</body></html>"""
XHTML = HTML.replace(b"<!doctype html><html>", b'<html xmlns="http://www.w3.org/1999/xhtml">')
SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"
  onload="document.title = 'ran:onload'"><title>static</title>
<script>document.title = "ran:" + document.domain;</script></svg>"""
PDF = b"""%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R
/Resources<</Font<</F1 5 0 R>>>>>>endobj
4 0 obj<</Length 44>>stream
BT /F1 24 Tf 20 100 Td (Hello PDF) Tj ET
endstream endobj
5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj
trailer<</Root 1 0 R>>
%%EOF
"""


@pytest.fixture()
def page(browser: BrowserContext) -> Iterator[Page]:
    tab = browser.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    tab.close()


def opened(page: Page, server: RunningServer, key: str) -> tuple[str, list[str]]:
    """Open an object as a top-level document: its title after any script had time to run,
    and the console messages."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    reply = page.goto(f"{server.url}/{key}")
    assert reply is not None and reply.status == 200
    page.wait_for_timeout(300)
    return page.title(), messages


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        ("page.html", HTML, "text/html; charset=utf-8"),
        ("page.xhtml", XHTML, "application/xhtml+xml"),
        ("image.svg", SVG, "image/svg+xml"),
    ],
)
def test_uploaded_html_and_svg_run_no_script(
    page: Page,
    server: RunningServer,
    client: Client,
    prefix: str,
    name: str,
    body: bytes,
    content_type: str,
) -> None:
    key = f"{prefix}{name}"
    stored = client.put(f"/{key}", body, headers={"Content-Type": content_type})
    assert stored.status == 201, stored.body
    title, messages = opened(page, server, key)
    assert title == "static", messages
    assert any("sandboxed" in message for message in messages), messages


def test_the_same_page_under_a_trusted_prefix_runs_its_script(
    page: Page, server: RunningServer, client: Client, prefix: str
) -> None:
    key = f"site/{prefix}page.html"
    stored = client.put(f"/{key}", HTML, headers={"Content-Type": "text/html"})
    assert stored.status == 201, stored.body
    title, _ = opened(page, server, key)
    assert title.startswith("ran:")


def test_an_uploaded_pdf_opens_in_the_viewer(
    page: Page, server: RunningServer, client: Client, prefix: str
) -> None:
    key = f"{prefix}doc.pdf"
    assert client.put(f"/{key}", PDF, headers={"Content-Type": "application/pdf"}).status == 201
    page.goto(f"{server.url}/{key}", wait_until="commit")
    page.wait_for_function("() => true")  # the document exists
    deadline = 50
    while deadline and not any(f.url.startswith(PDF_VIEWER) for f in page.frames):
        page.wait_for_timeout(100)
        deadline -= 1
    viewer = next(f for f in page.frames if f.url.startswith(PDF_VIEWER))
    viewer.wait_for_selector("pdf-viewer", state="attached")
