"""GET /api/v1/objects: listing with a list-scoped API key."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.client import Client
from tests.support.tokens import scoped


def listing(client: Client, query: str) -> dict:
    reply = client.get(f"/api/v1/objects?{query}", auth=True)
    assert reply.status == 200, reply.body
    assert reply.headers["cache-control"] == "no-store"
    return reply.json()


@pytest.fixture()
def tree(client: Client, prefix: str) -> str:
    """prefix/{a.glb, b.txt, dir/c.png, dir/d.png, other/e.mp4}."""
    files = {
        "a.glb": (b"glTF", {}),
        "b.txt": (b"text", {"Content-Type": "text/plain; charset=utf-8"}),
        "dir/c.png": (b"png1", {}),
        "dir/d.png": (b"png22", {}),
        "other/e.mp4": (b"mp4", {}),
    }
    for name, (data, headers) in files.items():
        assert client.put(f"/{prefix}{name}", data, headers=headers).status == 201
    return prefix


def test_lists_objects_with_their_metadata(client: Client, tree: str) -> None:
    page = listing(client, f"prefix={quote(tree)}")
    assert [o["key"] for o in page["objects"]] == [
        f"{tree}{n}" for n in ("a.glb", "b.txt", "dir/c.png", "dir/d.png", "other/e.mp4")
    ]
    first, second = page["objects"][:2]
    assert first["size"] == 4
    assert first["content_type"] == "model/gltf-binary"
    assert second["content_type"] == "text/plain; charset=utf-8"
    stored = client.head(f"/{tree}a.glb").headers["etag"]
    assert f'"{first["etag"]}"' == stored
    assert first["uploaded"].endswith("Z")
    assert (page["prefixes"], page["cursor"], page["truncated"]) == ([], None, False)


def test_delimiter_groups_folders(client: Client, tree: str) -> None:
    page = listing(client, f"prefix={quote(tree)}&delimiter=/")
    assert [o["key"] for o in page["objects"]] == [f"{tree}a.glb", f"{tree}b.txt"]
    assert page["prefixes"] == [f"{tree}dir/", f"{tree}other/"]


def test_pages_with_cursor_cover_everything_once(client: Client, tree: str) -> None:
    seen: list[str] = []
    query = f"prefix={quote(tree)}&limit=2"
    for _ in range(10):
        page = listing(client, query)
        seen += [o["key"] for o in page["objects"]]
        if not page["truncated"]:
            assert page["cursor"] is None
            break
        assert page["cursor"]
        query = f"prefix={quote(tree)}&limit=2&cursor={quote(page['cursor'], safe='')}"
    assert len(seen) == 5 and len(set(seen)) == 5


def test_empty_prefix_result(client: Client, prefix: str) -> None:
    page = listing(client, f"prefix={quote(prefix)}nothing/")
    assert page == {"objects": [], "prefixes": [], "cursor": None, "truncated": False}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("limit=0", id="limit-zero"),
        pytest.param("limit=1001", id="limit-over-1000"),
        pytest.param("limit=-1", id="limit-negative"),
        pytest.param("limit=ten", id="limit-not-a-number"),
        pytest.param("limit=", id="limit-empty"),
        pytest.param("limit=1&limit=2", id="repeated"),
        pytest.param("prefix=a&sort=size", id="unknown-parameter"),
        pytest.param("prefix=%FF", id="not-utf8"),
        pytest.param("prefix=a%00b", id="control-character"),
        pytest.param("cursor=%20x", id="cursor-with-space"),
    ],
)
def test_bad_query_is_400(client: Client, query: str) -> None:
    reply = client.get(f"/api/v1/objects?{query}", auth=True)
    assert (reply.status, reply.error_code) == (400, "invalid_request"), reply.body


def test_listing_needs_an_api_key(client: Client) -> None:
    reply = client.get("/api/v1/objects")
    assert (reply.status, reply.error_code) == (401, "auth_required")


def test_scoped_key_lists_inside_its_prefix_only(client: Client, prefix: str) -> None:
    tenant = scoped(client, "tenant42")
    assert tenant.put(f"/tenant-42/{prefix}x.bin", b"x").status == 201
    assert client.put(f"/tenant-420/{prefix}y.bin", b"y").status == 201
    page = tenant.get(f"/api/v1/objects?prefix=tenant-42/{prefix}", auth=True)
    assert page.status == 200
    assert [o["key"] for o in page.json()["objects"]] == [f"tenant-42/{prefix}x.bin"]
    for outside in ("", "tenant-420/", "tenant-42", "tenant"):
        reply = tenant.get(f"/api/v1/objects?prefix={outside}", auth=True)
        assert (reply.status, reply.error_code) == (403, "key_scope"), outside


def test_key_without_list_op_is_403(client: Client) -> None:
    reply = scoped(client, "writer").get("/api/v1/objects?prefix=", auth=True)
    assert (reply.status, reply.error_code) == (403, "key_scope")


def test_wrong_method_is_405(client: Client) -> None:
    reply = client.request("POST", "/api/v1/objects", body=b"{}", auth=True)
    assert (reply.status, reply.error_code) == (405, "method_not_allowed")
    assert "GET" in reply.headers["allow"]
