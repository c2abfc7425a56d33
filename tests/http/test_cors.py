"""CORS: allowlist with exact origins, *.domain patterns and custom schemes; preflight."""

from __future__ import annotations

import pytest

from tests.support.client import Client

pytestmark = pytest.mark.needs("CORS")  # its origins, max_age 600, others refused

ALLOWED = ["https://app.example.com", "https://a.b.example.org", "ar-code://viewer"]
DENIED = [
    "https://example.org",
    "https://evilexample.org",
    "https://app.example.com.evil.io",
    "http://app.example.com",
    "null",
]


@pytest.fixture()
def path(client: Client, prefix: str) -> str:
    client.put(f"/{prefix}cors.glb", b"glTF")
    return f"/{prefix}cors.glb"


@pytest.mark.parametrize("origin", ALLOWED)
def test_allowed_origin_is_echoed_with_vary_and_exposed_headers(
    client: Client, path: str, origin: str
) -> None:
    reply = client.get(path, headers={"Origin": origin})
    assert reply.headers["access-control-allow-origin"] == origin
    assert "Origin" in reply.headers["vary"]
    exposed = {h.strip().lower() for h in reply.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "content-length", "content-range", "accept-ranges"} <= exposed


@pytest.mark.parametrize("origin", DENIED)
def test_disallowed_origin_gets_no_cors_headers(client: Client, path: str, origin: str) -> None:
    reply = client.get(path, headers={"Origin": origin})
    assert reply.status == 200
    assert not any(name.startswith("access-control-") for name in reply.headers)


def test_cached_response_never_carries_another_origins_header(client: Client, path: str) -> None:
    for origin in ("https://app.example.com", "ar-code://viewer", "https://x.example.org"):
        reply = client.get(path, headers={"Origin": origin})
        assert reply.headers["access-control-allow-origin"] == origin
    anonymous = client.get(path)
    assert "access-control-allow-origin" not in anonymous.headers


def test_errors_carry_cors_headers_so_browsers_can_read_them(client: Client, prefix: str) -> None:
    reply = client.get(f"/{prefix}missing", headers={"Origin": "https://app.example.com"})
    assert reply.status == 404
    assert reply.headers["access-control-allow-origin"] == "https://app.example.com"


def test_preflight_allowed(client: Client, path: str) -> None:
    reply = client.request(
        "OPTIONS",
        path,
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "PUT" in reply.headers["access-control-allow-methods"]
    assert reply.headers["access-control-allow-headers"] == "authorization, content-type"
    assert reply.headers["access-control-max-age"] == "600"


def test_preflight_works_on_any_path_including_api(client: Client) -> None:
    reply = client.request(
        "OPTIONS",
        "/api/v1/uploads",
        headers={"Origin": "ar-code://x", "Access-Control-Request-Method": "POST"},
    )
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == "ar-code://x"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.io", "Access-Control-Request-Method": "GET"},
        {"Origin": "https://app.example.com", "Access-Control-Request-Method": "TRACE"},
        {
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-not-allowed",
        },
    ],
    ids=["origin", "method", "header"],
)
def test_preflight_denied_is_403_without_cors_headers(
    client: Client, path: str, headers: dict[str, str]
) -> None:
    reply = client.request("OPTIONS", path, headers=headers)
    assert reply.status == 403
    assert reply.error_code == "cors_denied"
    assert "access-control-allow-origin" not in reply.headers


def test_plain_options_lists_methods(client: Client, path: str) -> None:
    reply = client.request("OPTIONS", path)
    assert reply.status == 204
    assert "GET" in reply.headers["allow"]
