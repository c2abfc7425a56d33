"""The uploader's page, stylesheet and modules are Workers Static Assets (public/): served
before the Worker, without running Python, with their headers from public/_headers; every
other path, however close, is the Worker's. The server runs with SERVER_TIMING on, so each
answer of the Worker carries ``Server-Timing: py;dur=...`` and an asset's never does."""

from __future__ import annotations

import pytest

from tests.support.client import Client

pytestmark = pytest.mark.needs("SERVER_TIMING")  # tells the Worker's answers from the assets'

TYPES = {
    "/api/v1/uploader": "text/html; charset=utf-8",
    "/api/v1/uploader.css": "text/css; charset=utf-8",
    "/api/v1/uploader.js": "text/javascript; charset=utf-8",
    "/api/v1/uploader-ui.js": "text/javascript; charset=utf-8",
}
# Framing, not representation (the page is streamed chunked, HEAD carries no length).
FRAMING = ("date", "connection", "keep-alive", "transfer-encoding", "content-length")


@pytest.mark.parametrize(("path", "content_type"), TYPES.items())
def test_assets_are_served_without_running_the_worker(
    client: Client, path: str, content_type: str
) -> None:
    assert "server-timing" in client.get("/").headers  # the Worker's answers carry it
    reply = client.get(path)
    assert reply.status == 200 and reply.body
    assert reply.headers["content-type"] == content_type
    assert reply.headers["cache-control"] == "public, max-age=300"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "server-timing" not in reply.headers  # no Python ran


@pytest.mark.parametrize("path", TYPES)
def test_head_answers_like_get_and_a_revalidation_is_304(client: Client, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert (head.status, head.body) == (200, b"")
    same = {name: value for name, value in got.headers.items() if name not in FRAMING}
    assert {name: head.headers.get(name) for name in same} == same
    again = client.get(path, headers={"If-None-Match": got.headers["etag"]})
    assert (again.status, again.body) == (304, b"")


@pytest.mark.parametrize("path", TYPES)
@pytest.mark.parametrize("method", ["OPTIONS", "POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(client: Client, path: str, method: str) -> None:
    reply = client.request(method, path, body=b"x", auth=True)
    assert (reply.status, reply.headers["allow"]) == (405, "GET, HEAD")


def test_only_the_module_may_be_imported_from_any_origin(client: Client) -> None:
    origin = {"Origin": "https://app.example.com"}
    assert client.get("/api/v1/uploader.js", headers=origin).headers[
        "access-control-allow-origin"
    ] == ("*")
    for path in ("/api/v1/uploader", "/api/v1/uploader-ui.js", "/api/v1/uploader.css"):
        assert "access-control-allow-origin" not in client.get(path, headers=origin).headers


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/uploader.html",  # the file's own name is not served
        "/api/v1/uploader/",
        "/api/v1/uploader.js/x",
        "/api/v1/uploader-ui",
        "/api/v1/Uploader.js",
        "/api/v1/_headers",
        "/_headers",
    ],
)
def test_every_other_path_is_the_workers(client: Client, path: str) -> None:
    reply = client.get(path)
    assert (reply.status, reply.error_code) == (404, "not_found")
    assert "server-timing" in reply.headers


def test_an_object_named_like_an_asset_is_never_shadowed(client: Client, prefix: str) -> None:
    for key in (f"{prefix}api/v1/uploader.js", f"{prefix}uploader.html"):
        assert client.put(f"/{key}", b"object bytes", auth=True).status == 201
        reply = client.get(f"/{key}")
        assert (reply.status, reply.body) == (200, b"object bytes")
        assert "server-timing" in reply.headers
