"""CORS with shared caches: with an origin list configured, every response a cache may store
carries Vary: Origin (edge-cache hits, 304s, HEAD, ranges, responses fetched without an Origin),
and only a well-formed origin (scheme://host[:port], nothing after) matches a pattern."""

from __future__ import annotations

import pytest

from tests.support.client import Client, Reply

pytestmark = pytest.mark.needs("CORS")


def varies_on_origin(reply: Reply) -> bool:
    return "origin" in {v.strip().lower() for v in reply.headers.get("vary", "").split(",")}


@pytest.fixture()
def public(client: Client, prefix: str) -> str:
    assert client.put(f"/{prefix}m.glb", b"glTF-bytes").status == 201
    return f"/{prefix}m.glb"


def test_every_cacheable_answer_varies_on_origin(client: Client, public: str) -> None:
    miss = client.get(public)
    hit = client.get(public)
    assert (miss.headers["x-cache"], hit.headers["x-cache"]) == ("MISS", "HIT")
    etag, modified = hit.headers["etag"], hit.headers["last-modified"]
    answers = {
        "miss without Origin": miss,
        "hit without Origin": hit,
        "hit with Origin": client.get(public, headers={"Origin": "https://app.example.com"}),
        "hit, denied Origin": client.get(public, headers={"Origin": "https://evil.example"}),
        "304 by etag": client.get(public, headers={"If-None-Match": etag}),
        "304 by date": client.get(public, headers={"If-Modified-Since": modified}),
        "HEAD": client.head(public),
        "206": client.get(public, headers={"Range": "bytes=0-3"}),
        "bypass": client.get(public, headers={"Cache-Control": "no-cache"}),
        "404": client.get(public + ".missing"),
        "openapi": client.get("/api/v1/openapi.json"),
    }
    assert answers["304 by etag"].status == 304 and answers["304 by date"].status == 304
    assert answers["206"].status == 206
    for name, reply in answers.items():
        assert varies_on_origin(reply), (name, reply.status, reply.headers)
    assert "access-control-allow-origin" not in hit.headers
    assert "access-control-allow-origin" not in answers["hit, denied Origin"].headers


def test_a_304_for_an_allowed_origin_carries_its_cors_headers(client: Client, public: str) -> None:
    etag = client.get(public).headers["etag"]
    origin = "https://app.example.com"
    reply = client.get(public, headers={"If-None-Match": etag, "Origin": origin})
    assert reply.status == 304
    assert reply.headers["access-control-allow-origin"] == origin and varies_on_origin(reply)


@pytest.mark.parametrize(
    "origin",
    [
        'ar-code://x/path?"',
        "ar-code://x/",
        "ar-code://user@x",
        "ar-code://x#frag",
        "ar-code://x y",
        "AR-CODE://X",
        "https://app.example.com/",
        "https://app.example.com:443x",
        "https://app.example.com:0443",
        "https://a.b.example.org.",
        "https://a.b.example.org:99999",
        "https://app.example.com, https://evil.example",
    ],
)
def test_only_well_formed_origins_match_a_pattern(client: Client, public: str, origin: str) -> None:
    reply = client.get(public, headers={"Origin": origin})
    assert reply.status == 200
    assert "access-control-allow-origin" not in reply.headers, origin
    assert varies_on_origin(reply)
    preflight = client.request(
        "OPTIONS", public, headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    assert (preflight.status, preflight.error_code) == (403, "cors_denied")


@pytest.mark.parametrize("origin", ["ar-code://x", "ar-code://viewer-2", "https://a.b.example.org"])
def test_well_formed_origins_still_match(client: Client, public: str, origin: str) -> None:
    reply = client.get(public, headers={"Origin": origin})
    assert reply.headers.get("access-control-allow-origin") == origin
