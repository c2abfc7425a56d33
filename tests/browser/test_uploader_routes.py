"""The uploader's routes and the page_url / multipart members of POST /api/v1/uploads."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.support.browser import Uploader, mint_grant, post_upload
from tests.support.client import Client
from tests.support.schema import errors
from tests.support.server import RunningServer

MAX_PUT_BYTES = 100_000_000  # the default single-PUT limit


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def directives(policy: str) -> dict[str, str]:
    pairs = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: value for name, value in pairs}


def test_page_is_html_with_a_strict_content_security_policy(client: Client) -> None:
    reply = client.get("/api/v1/uploader")
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["cache-control"] == "public, max-age=300"
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["cross-origin-opener-policy"] == "same-origin"
    policy = directives(reply.headers["content-security-policy"])
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"  # the external stylesheet; nothing inline
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["require-trusted-types-for"] == "'script'"
    assert "unsafe" not in reply.headers["content-security-policy"]
    assert b'<link rel="stylesheet" href="/api/v1/uploader.css">' in reply.body
    assert b'<script type="module" src="/api/v1/uploader-ui.js"></script>' in reply.body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/uploader.js", "text/javascript; charset=utf-8"),
        ("/api/v1/uploader-ui.js", "text/javascript; charset=utf-8"),
        ("/api/v1/uploader.css", "text/css; charset=utf-8"),
    ],
)
def test_modules_and_stylesheet(client: Client, path: str, content_type: str) -> None:
    reply = client.get(path)
    assert reply.status == 200
    assert reply.headers["content-type"] == content_type
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["cache-control"] == "public, max-age=300"
    assert any(word in reply.body for word in (b"import ", b"export class Upload ", b".drop {"))


def test_page_takes_get_and_head_only(client: Client) -> None:
    reply = client.request("POST", "/api/v1/uploader", body=b"")
    assert (reply.status, reply.headers["allow"]) == (405, "GET, HEAD")


def test_the_policy_is_enforced_in_the_browser(uploader: Uploader, server: RunningServer) -> None:
    uploader.open(f"{server.url}/api/v1/uploader")
    with pytest.raises(PlaywrightError, match="TrustedHTML"):
        uploader.page.evaluate("document.body.innerHTML = '<img src=x onerror=alert(1)>'")
    blocked = uploader.page.evaluate(
        """() => new Promise((resolve) => {
          document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective));
          fetch("https://example.com/steal").catch(() => {});
        })"""
    )
    assert blocked == "connect-src"  # a token could not be sent anywhere else


def test_the_stylesheet_applies_and_an_inline_one_does_not(
    uploader: Uploader, server: RunningServer
) -> None:
    uploader.open(f"{server.url}/api/v1/uploader")
    border = "(selector) => getComputedStyle(document.querySelector(selector)).borderTopStyle"
    assert uploader.page.evaluate(border, "#drop") == "dashed"  # from /api/v1/uploader.css
    assert uploader.console_errors == []
    blocked = uploader.page.evaluate(
        """() => new Promise((resolve) => {
          document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective));
          const style = document.createElement("style");
          style.textContent = "#drop { border-style: dotted; }";
          document.head.append(style);
        })"""
    )
    assert blocked.startswith("style-src")
    assert uploader.page.evaluate(border, "#drop") == "dashed"


def test_another_origin_can_import_the_module(uploader: Uploader, server: RunningServer) -> None:
    # http://localhost:<port> is another origin than http://127.0.0.1:<port>, on the same
    # loopback address (Chromium refuses a page it cannot place there any loopback request).
    uploader.page.goto(server.url.replace("127.0.0.1", "localhost") + "/")
    exported = uploader.page.evaluate(
        "(url) => import(url).then((module) => Object.keys(module).sort())",
        f"{server.url}/api/v1/uploader.js",
    )
    assert {"Upload", "UploadError", "uploadEvents"} <= set(exported)


def test_page_url_carries_the_token_in_the_fragment(client: Client, prefix: str) -> None:
    grant = mint_grant(client, key=f"{prefix}a.glb", content_type="model/gltf-binary")
    base = grant["upload_url"].split(f"/{prefix}")[0]
    assert grant["page_url"] == f"{base}/api/v1/uploader#token={grant['token']}"
    assert grant["multipart"] is None


def test_multipart_mints_an_mpu_token_for_the_same_grant(client: Client, prefix: str) -> None:
    key = f"{prefix}big.ply"
    grant = mint_grant(
        client,
        key=key,
        content_type="application/octet-stream",
        max_bytes=1_000_000_000,
        metadata={"owner": "7"},
        multipart=True,
    )
    multipart = grant["multipart"]
    put, mpu = claims(grant["token"]), claims(multipart["token"])
    assert (put["op"], mpu["op"]) == ("put", "mpu")
    assert put["max"] == grant["max_bytes"] == MAX_PUT_BYTES  # one PUT cannot carry more
    assert mpu["max"] == multipart["max_bytes"] == 1_000_000_000
    for name in ("key", "ct", "meta", "exp"):
        assert put[name] == mpu[name]
    assert "ow" not in mpu  # create-only, as requested
    base = grant["upload_url"].split(f"/{prefix}")[0]
    assert grant["page_url"] == (
        f"{base}/api/v1/uploader#token={grant['token']}&mpu={multipart['token']}"
    )
    assert multipart["url"] == f"{base}/{key}?uploads&token={multipart['token']}"
    started = client.request("POST", multipart["url"][len(base) :], body=b"")
    assert started.status == 201, started.body
    upload_id = started.json()["upload_id"]
    aborted = client.delete(f"/{key}?uploadId={upload_id}&token={multipart['token']}", auth=False)
    assert aborted.status == 204


def test_multipart_without_max_bytes_allows_r2s_largest_object(client: Client, prefix: str) -> None:
    grant = mint_grant(client, key=f"{prefix}x.bin", content_type="text/plain", multipart=True)
    assert grant["multipart"]["max_bytes"] == 5 * 1024**4
    assert claims(grant["token"])["max"] == MAX_PUT_BYTES


def test_tokens_do_not_stand_in_for_each_other(client: Client, prefix: str) -> None:
    key = f"{prefix}a.txt"
    single = mint_grant(client, key=key, content_type="text/plain")
    both = mint_grant(client, key=f"{prefix}b.txt", content_type="text/plain", multipart=True)
    start = client.request("POST", f"/{key}?uploads&token={single['token']}", body=b"")
    assert (start.status, start.error_code) == (403, "token_scope")
    put = client.request("PUT", f"/{prefix}b.txt?token={both['multipart']['token']}", body=b"hello")
    assert (put.status, put.error_code) == (403, "token_scope")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"multipart": "yes"}, "'multipart'"),
        ({"multipart": True, "sha256": "ab" * 32}, "'sha256'"),
        ({"multipart": True, "max_bytes": 5 * 1024**4 + 1}, "'max_bytes'"),
        ({"multipart": False, "max_bytes": MAX_PUT_BYTES + 1}, "'max_bytes'"),
    ],
)
def test_bad_multipart_requests(
    client: Client, prefix: str, body: dict[str, Any], message: str
) -> None:
    reply = post_upload(client, {"key": f"{prefix}a.txt", "content_type": "text/plain", **body})
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert message in reply.json()["error"]["message"]


def test_responses_match_the_openapi_document(client: Client, prefix: str) -> None:
    document = client.get("/api/v1/openapi.json").json()
    schema = document["paths"]["/api/v1/uploads"]["post"]["responses"]["201"]["content"]
    for multipart in (False, True):
        grant = mint_grant(
            client, key=f"{prefix}{multipart}.txt", content_type="text/plain", multipart=multipart
        )
        assert errors(schema["application/json"]["schema"], grant, document) == []
    assert errors(schema["application/json"]["schema"], {**grant, "multipart": {}}, document)
    assert {"/api/v1/uploader", "/api/v1/uploader.js"} <= set(document["paths"])
    request = document["components"]["schemas"]["UploadRequest"]
    assert (
        errors(request, {"key": "a", "content_type": "text/plain", "multipart": True}, document)
        == []
    )
