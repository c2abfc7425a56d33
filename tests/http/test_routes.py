"""HEAD and OPTIONS per route: HEAD answers like GET without a body, and Allow (on OPTIONS, on
405 and in a preflight's allowed methods) lists exactly the methods of that route."""

from __future__ import annotations

import pytest

from tests.support.client import Client

# Every GET route of the Worker outside the object path, with whether it needs the API key.
# (The uploader's files are static assets, served before the Worker: test_static_assets.py.)
GET_ROUTES = [
    ("/", False),
    ("/api/v1/objects?prefix=none/", True),
    ("/api/v1/openapi.json", False),
]
# Path -> exactly the methods Allow lists.
ALLOW = {
    "/": "GET, HEAD, OPTIONS",
    "/api/v1/uploads": "POST, OPTIONS",
    "/api/v1/downloads": "POST, OPTIONS",
    "/api/v1/objects": "GET, HEAD, OPTIONS",
    "/api/v1/openapi.json": "GET, HEAD, OPTIONS",
    "/a/b.glb": "GET, HEAD, PUT, DELETE, OPTIONS",
    "/a/b.glb?uploads": "POST, OPTIONS",
    "/a/b.glb?uploadId=0": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
}
# Framing, not representation: wrangler's dev proxy streams larger GET bodies chunked.
UNCHANGING = ("date", "server-timing", "connection", "keep-alive", "transfer-encoding")


@pytest.mark.parametrize(("path", "auth"), GET_ROUTES)
def test_head_answers_like_get_without_a_body(client: Client, path: str, auth: bool) -> None:
    got = client.get(path, auth=auth)
    head = client.head(path, auth=auth)
    assert got.status == 200 and got.body
    assert (head.status, head.body) == (200, b"")
    same = {name: value for name, value in got.headers.items() if name not in UNCHANGING}
    assert {name: head.headers.get(name) for name in same} == same
    assert int(head.headers["content-length"]) == len(got.body)


def test_head_is_authenticated_like_get(client: Client) -> None:
    reply = client.head("/api/v1/objects")
    assert (reply.status, reply.body) == (401, b"")
    assert reply.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("path", "allow"), ALLOW.items())
def test_options_lists_exactly_the_methods_of_the_route(
    client: Client, path: str, allow: str
) -> None:
    reply = client.request("OPTIONS", path)
    assert (reply.status, reply.headers["allow"]) == (204, allow)


@pytest.mark.parametrize(("path", "allow"), ALLOW.items())
def test_405_lists_exactly_the_methods_of_the_route(client: Client, path: str, allow: str) -> None:
    methods = set(allow.split(", "))
    method = next(m for m in ("PATCH", "POST", "PUT", "GET") if m not in methods)
    reply = client.request(method, path, body=b"" if method != "GET" else None, auth=True)
    assert (reply.status, reply.error_code) == (405, "method_not_allowed")
    assert reply.headers["allow"] == allow


@pytest.mark.parametrize(("path", "allow"), ALLOW.items())
def test_a_preflight_allows_the_methods_of_the_route(client: Client, path: str, allow: str) -> None:
    origin = {"Origin": "https://app.example.com"}
    first = allow.split(", ")[0]
    reply = client.request(
        "OPTIONS", path, headers={**origin, "Access-Control-Request-Method": first}
    )
    assert reply.status == 204
    assert reply.headers["access-control-allow-methods"] == allow
    other = next(m for m in ("PATCH", "PUT", "POST") if m not in allow.split(", "))
    denied = client.request(
        "OPTIONS", path, headers={**origin, "Access-Control-Request-Method": other}
    )
    assert (denied.status, denied.error_code) == (403, "cors_denied")


def test_unknown_api_paths_are_404_for_every_method(client: Client) -> None:
    for method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        reply = client.request(method, "/api/v1/nothing-here", auth=True)
        assert reply.status == 404, method
