"""User content never runs script on the asset origin: uploaded HTML and SVG opened in
Chromium run no script (the sandbox CSP), while the same page under a TRUSTED_PAGES prefix
does (so the check can fail); an uploaded PDF still opens in Chromium's viewer; and no S3
write can store a Content-Type that gets the PDF's policy while Chromium renders it as HTML
(``application/pdf;,text/html``)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from playwright.sync_api import BrowserContext, Page

from tests.support.client import Client
from tests.support.s3 import s3_client
from tests.support.server import NODE_BIN, ROOT, RunningServer
from tests.support.settings import S3_BUCKET

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


# --- the S3 surface: a Content-Type that is more than one media type never gets stored -----

ESCAPE = "application/pdf;,text/html"  # read as PDF by a split(";"), rendered as HTML
PHISHING = b"""<!doctype html><title>static</title>
<form action="/api/v1/uploads" method="post"><input name="password"></form>"""


def _vectors(server: RunningServer, key: str) -> dict[str, int]:
    """Every S3 way to ask for the escaping type: the HTTP status of each."""
    s3 = s3_client(server.url)
    plain = f"{key}.source"
    s3.put_object(Bucket=S3_BUCKET, Key=plain, Body=PHISHING, ContentType="text/plain")
    statuses: dict[str, int] = {}

    def status_of(call: Callable[[], Any]) -> int:
        try:
            call()
        except ClientError as error:
            return int(error.response["ResponseMetadata"]["HTTPStatusCode"])
        return 200

    statuses["PutObject"] = status_of(
        lambda: s3.put_object(Bucket=S3_BUCKET, Key=key, Body=PHISHING, ContentType=ESCAPE)
    )
    url = s3.generate_presigned_url("put_object", Params={"Bucket": S3_BUCKET, "Key": key})
    statuses["presigned PUT"] = requests.put(
        url, data=PHISHING, headers={"Content-Type": ESCAPE}
    ).status_code
    statuses["CopyObject REPLACE"] = status_of(
        lambda: s3.copy_object(
            Bucket=S3_BUCKET,
            Key=key,
            CopySource={"Bucket": S3_BUCKET, "Key": plain},
            MetadataDirective="REPLACE",
            ContentType=ESCAPE,
        )
    )
    statuses["CreateMultipartUpload"] = status_of(
        lambda: s3.create_multipart_upload(Bucket=S3_BUCKET, Key=key, ContentType=ESCAPE)
    )
    post = s3.generate_presigned_post(
        S3_BUCKET,
        key,
        Fields={"Content-Type": ESCAPE},
        Conditions=[["starts-with", "$Content-Type", "application/pdf"]],
        ExpiresIn=300,
    )
    statuses["POST policy"] = requests.post(
        post["url"], data=post["fields"], files={"file": ("a.pdf", PHISHING)}
    ).status_code
    return statuses


def test_no_s3_write_stores_a_type_a_browser_reads_as_html(
    page: Page, server: RunningServer, prefix: str
) -> None:
    key = f"{prefix}invoice.pdf"
    statuses = _vectors(server, key)
    assert statuses == dict.fromkeys(statuses, 400), statuses
    reply = page.goto(f"{server.url}/{key}")
    assert reply is not None and reply.status == 404
    # What a stored escape would have done: a form in the asset origin, not a sandboxed one.
    assert page.evaluate("document.forms.length") == 0


def test_an_object_stored_before_types_were_parsed_strictly_is_sandboxed(
    page: Page, server: RunningServer, prefix: str, tmp_path: Path
) -> None:
    """An object whose stored type is not one media type (written before r2gate parsed types
    strictly, or by another tool straight into R2) gets the sandbox, not the PDF's policy:
    Chromium reads ``application/pdf;,text/html`` as HTML."""
    assert server.state_dir is not None, "needs the local bucket of a server started here"
    key = f"{prefix}legacy.pdf"
    page_file = tmp_path / "legacy.html"
    page_file.write_bytes(PHISHING)
    subprocess.run(
        [
            str(NODE_BIN / "wrangler"),
            "r2",
            "object",
            "put",
            f"{S3_BUCKET}/{key}",
            f"--file={page_file}",
            f"--content-type={ESCAPE}",
            "--local",
            f"--persist-to={server.state_dir}",
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PATH": f"{NODE_BIN}:{os.environ['PATH']}"},
    )
    reply = page.goto(f"{server.url}/{key}")
    assert reply is not None and reply.status == 200
    assert reply.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert page.evaluate("document.forms.length") == 1  # Chromium did render it as HTML ...
    assert page.evaluate("window.origin") == "null"  # ... in an opaque origin of its own
