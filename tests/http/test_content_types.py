"""Media types over HTTP: one strict Content-Type (RFC 9110 8.3.1), the canonical value stored,
active types only where a token names them, patterns and lists in upload grants, generic types
that never hide a known extension, and the sandbox CSP on every object response."""

from __future__ import annotations

import pytest

from tests.support.client import Client
from tests.support.multipart import Mpu
from tests.support.tokens import mint_upload, path_of, post_json, token

SANDBOX = "default-src 'none'; sandbox"
HTML = b"<!doctype html><script>alert(document.domain)</script>"


def token_put(client: Client, key: str, ct: list[str] | None, sent: object) -> tuple[int, str]:
    """PUT `key` with a put token allowing `ct`, the Content-Type field(s) `sent` (a str, or a
    list of values sent as separate fields); (status, code or stored type)."""
    tok = token({"op": "put", "key": key, "ct": ct})
    values = [sent] if isinstance(sent, str) else list(sent)  # type: ignore[call-overload]
    reply = client.request(
        "PUT", f"/{key}?token={tok}", body=HTML, headers=[("Content-Type", v) for v in values]
    )
    if reply.status == 201:
        return 201, client.head(f"/{key}").headers["content-type"]
    assert client.head(f"/{key}").status == 404, "a refused upload stored something"
    return reply.status, str(reply.error_code)


@pytest.mark.parametrize(
    "sent",
    [
        "image/png;,text/html",
        "image/png; x=y, text/html",
        ["image/png", "text/html"],
        ["image/png", "image/png"],
        'image/png; x="a,b"',
        "image/png; x",
        "image/*",
    ],
)
def test_a_token_put_takes_exactly_one_strict_media_type(
    client: Client, prefix: str, sent: object
) -> None:
    status, code = token_put(client, f"{prefix}p.png", ["image/png"], sent)
    assert (status, code) == (400, "invalid_content_type")


def test_the_canonical_type_that_was_checked_is_stored(client: Client, prefix: str) -> None:
    sent = 'IMAGE/PNG ;  Name="a b";x=Y'
    assert token_put(client, f"{prefix}p.png", ["image/*"], sent) == (
        201,
        'image/png; name="a b"; x=Y',
    )


@pytest.mark.parametrize(
    ("ct", "sent", "answer"),
    [
        (["*/*"], "text/html", (415, "unsupported_media_type")),
        (["text/*"], "text/html; charset=utf-8", (415, "unsupported_media_type")),
        (["image/*"], "image/svg+xml", (415, "unsupported_media_type")),
        (None, "text/html", (415, "unsupported_media_type")),
        (None, "application/xml", (415, "unsupported_media_type")),
        (["*/*"], "text/javascript", (415, "unsupported_media_type")),
        (["text/html"], "text/html", (201, "text/html")),
        (["image/svg+xml"], "image/svg+xml", (201, "image/svg+xml")),
        (None, "image/png", (201, "image/png")),
    ],
)
def test_active_types_need_a_token_that_names_them(
    client: Client, prefix: str, ct: list[str] | None, sent: str, answer: tuple[int, str]
) -> None:
    assert token_put(client, f"{prefix}page", ct, sent) == answer


def test_an_api_key_put_takes_exactly_one_media_type(client: Client, prefix: str) -> None:
    two = [("Content-Type", "image/png"), ("Content-Type", "text/html")]
    reply = client.request("PUT", f"/{prefix}a.png", body=HTML, headers=two, auth=True)
    assert (reply.status, reply.error_code) == (400, "invalid_content_type")
    joined = client.put(f"/{prefix}a.png", HTML, headers={"Content-Type": "image/png;,text/html"})
    assert (joined.status, joined.error_code) == (400, "invalid_content_type")
    assert client.head(f"/{prefix}a.png").status == 404
    ok = client.put(f"/{prefix}a.txt", b"hi", headers={"Content-Type": "Text/Plain;Charset=UTF-8"})
    assert ok.status == 201 and ok.json()["content_type"] == "text/plain; charset=UTF-8"


def test_multipart_create_takes_one_media_type(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}big.bin")
    for bad in ("image/png, text/html", "image/png;,text/html", "image/*"):
        reply = mpu.create({"content_type": bad})
        assert (reply.status, reply.error_code) == (400, "invalid_content_type"), bad
    tok = token({"op": "mpu", "key": f"{prefix}page.html", "ct": ["*/*"], "max": 10**9})
    refused = Mpu(client, f"{prefix}page.html", tok).create({"content_type": "text/html"})
    assert (refused.status, refused.error_code) == (415, "unsupported_media_type")


# --- patterns and lists in upload grants ------------------------------------------------------


def test_an_upload_grant_takes_a_pattern(client: Client, prefix: str) -> None:
    grant = mint_upload(client, filename="photo", content_type="image/*", max_bytes=10_000_000)
    assert grant["headers"] == {}
    assert grant["key"].startswith("images/")
    path = path_of(grant["upload_url"])
    for sent in ("video/mp4", "image/svg+xml"):
        reply = client.request("PUT", path, body=b"x", headers={"Content-Type": sent})
        assert (reply.status, reply.error_code) == (415, "unsupported_media_type"), sent
    ok = client.request("PUT", path, body=b"\x89PNG", headers={"Content-Type": "image/webp"})
    assert ok.status == 201, ok.body
    assert client.head(f"/{grant['key']}").headers["content-type"] == "image/webp"


def test_an_upload_grant_takes_a_list(client: Client, prefix: str) -> None:
    grant = mint_upload(
        client, key=f"{prefix}clip", content_type=["video/mp4", "video/webm"], max_bytes=100
    )
    path = path_of(grant["upload_url"])
    assert (
        client.request("PUT", path, body=b"x", headers={"Content-Type": "image/png"}).status == 415
    )
    assert (
        client.request("PUT", path, body=b"x", headers={"Content-Type": "video/webm"}).status == 201
    )


@pytest.mark.parametrize("content_type", ["*/png", "image/png, text/html", ["image/png", 5], []])
def test_an_upload_grant_refuses_what_is_no_media_type(
    client: Client, content_type: object
) -> None:
    reply = post_json(client, "/api/v1/uploads", {"key": "a.png", "content_type": content_type})
    assert (reply.status, reply.error_code) == (400, "invalid_request")


@pytest.mark.parametrize(
    "declared", ["application/json, text/plain", "application/json; charset=latin-1", "text/json"]
)
def test_json_endpoints_take_one_strict_json_type(client: Client, declared: str) -> None:
    reply = post_json(
        client,
        "/api/v1/uploads",
        {"key": "a.png", "content_type": "image/png"},
        headers={"Content-Type": declared},
    )
    assert (reply.status, reply.error_code) == (415, "unsupported_media_type")


# --- a generic type never hides a known extension ---------------------------------------------


@pytest.mark.parametrize(
    "generic",
    ["application/x-www-form-urlencoded", "application/octet-stream", "binary/octet-stream"],
)
def test_a_generic_type_never_hides_a_known_extension(
    client: Client, prefix: str, generic: str
) -> None:
    reply = client.put(f"/{prefix}chair.glb", b"glTF", headers={"Content-Type": generic})
    assert reply.status == 201, reply.body
    body = reply.json()
    assert body["content_type"] == "model/gltf-binary"
    assert body["content_type_replaced"] == generic
    assert "model/gltf-binary" in body["note"]
    assert client.head(f"/{prefix}chair.glb").headers["content-type"] == "model/gltf-binary"
    unknown = client.put(f"/{prefix}scan.xyz", b"?", headers={"Content-Type": generic})
    assert unknown.json()["content_type"] == generic and "note" not in unknown.json()


def test_a_generic_type_never_becomes_an_active_one(client: Client, prefix: str) -> None:
    sent = {"Content-Type": "application/octet-stream"}
    reply = client.put(f"/{prefix}page.html", HTML, headers=sent)
    assert reply.json()["content_type"] == "application/octet-stream"


def test_multipart_create_replaces_a_generic_type_and_says_so(client: Client, prefix: str) -> None:
    reply = Mpu(client, f"{prefix}v.mp4").create({"content_type": "binary/octet-stream"})
    assert reply.status == 201
    assert reply.json()["content_type_replaced"] == "binary/octet-stream"


# --- the sandbox CSP --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("page.html", "text/html"), ("i.svg", "image/svg+xml"), ("m.glb", "model/gltf-binary")],
)
def test_every_object_response_is_sandboxed(
    client: Client, prefix: str, name: str, content_type: str
) -> None:
    key = f"{prefix}{name}"
    assert client.put(f"/{key}", HTML, headers={"Content-Type": content_type}).status == 201
    for reply in (
        client.get(f"/{key}"),  # MISS
        client.get(f"/{key}"),  # HIT (edge cache)
        client.head(f"/{key}"),
        client.get(f"/{key}", headers={"Range": "bytes=0-3"}),
        client.get(f"/{key}", headers={"Range": "bytes=0-1,3-4"}),
        client.get(f"/{key}?download"),
    ):
        assert reply.headers.get("content-security-policy") == SANDBOX, (
            reply.status,
            reply.headers,
        )
    assert {client.get(f"/{key}").headers["x-cache"] for _ in range(2)} == {"HIT"}


def test_a_pdf_is_not_sandboxed_so_the_browser_viewer_opens_it(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}a.pdf", b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    assert client.get(f"/{prefix}a.pdf").headers["content-security-policy"] == "default-src 'none'"


def test_json_api_responses_carry_no_object_policy(client: Client) -> None:
    assert "content-security-policy" not in client.get("/").headers
