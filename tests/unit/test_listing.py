"""GET /api/v1/objects query parsing and page shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from r2gate.errors import ApiError
from r2gate.listing import ListQuery, list_options, list_page, parse_list_query
from r2gate.objects import ObjectInfo


def test_defaults() -> None:
    assert parse_list_query("") == ListQuery(prefix="", delimiter=None, cursor=None, limit=100)
    assert list_options(ListQuery()) == {"prefix": "", "limit": 100, "include": ["httpMetadata"]}


def test_every_parameter() -> None:
    query = parse_list_query("prefix=a%20b/&delimiter=/&cursor=abc%2B%3D&limit=1000")
    assert query == ListQuery(prefix="a b/", delimiter="/", cursor="abc+=", limit=1000)
    assert list_options(query) == {
        "prefix": "a b/",
        "limit": 1000,
        "include": ["httpMetadata"],
        "delimiter": "/",
        "cursor": "abc+=",
    }


def test_empty_optional_values_are_absent() -> None:
    assert parse_list_query("prefix=&delimiter=&cursor=") == ListQuery()


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=1001",
        "limit=01001",
        "limit=1.5",
        "limit=%C2%B2",
        "limit=",
        "limit=1&limit=1",
        "max=1",
        "prefix",
        "prefix=a&&limit=1",
        "prefix=%FF",
        "prefix=%0A",
        "delimiter=" + "x" * 17,
        "prefix=" + "a" * 1025,
        "cursor=a%20b",
        "cursor=" + "c" * 2049,
    ],
)
def test_bad_queries(query: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_list_query(query)
    assert (caught.value.status, caught.value.code) == (400, "invalid_request")


def test_page() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    objects = [
        ObjectInfo("a.glb", 3, "e1", '"e1"', moment),
        ObjectInfo("b", 4, "e2", '"e2"', moment, content_type="text/plain"),
    ]
    page = list_page(objects, ["d/"], "next", True)
    assert page == {
        "objects": [
            {
                "key": "a.glb",
                "size": 3,
                "etag": "e1",
                "content_type": "model/gltf-binary",
                "uploaded": "2026-01-02T03:04:05.678000Z",
            },
            {
                "key": "b",
                "size": 4,
                "etag": "e2",
                "content_type": "text/plain",
                "uploaded": "2026-01-02T03:04:05.678000Z",
            },
        ],
        "prefixes": ["d/"],
        "cursor": "next",
        "truncated": True,
    }
    assert list_page([], [], "stale", False)["cursor"] is None
