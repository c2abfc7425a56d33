"""GET /api/v1/objects query parsing and page shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from r2gate.errors import ApiError
from r2gate.listing import (
    PAST_INTERNAL,
    ListQuery,
    empty_page,
    is_internal,
    list_options,
    list_page,
    lists_only_internal,
    options_past_internal,
    parse_list_query,
)
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
        "limit=01",
        "limit=+1",
        "limit=1e0",
        "limit=%201",
        "prefix=&delimiter=&cursor=&limit=1&limit=2",
        "a&b&c&d&e",
        "limit=1.5",
        "limit=%C2%B2",
        "limit=",
        "limit=1&limit=1",
        "max=1",
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


MOMENT = datetime(2026, 1, 2, tzinfo=UTC)


def info(key: str) -> ObjectInfo:
    return ObjectInfo(key, 1, "e", '"e"', MOMENT)


INTERNAL_KEYS = ["api/upload-parts/" + "a" * 32 + "/00001", "api/uploads/" + "a" * 32]


def test_internal_records_are_never_listed() -> None:
    objects = [info("a.glb"), *map(info, INTERNAL_KEYS), info("apiary.png"), info("b.glb")]
    page = list_page(objects, ["api/", "api/uploads/", "apple/", "models/"], "c", True)
    assert [o["key"] for o in page["objects"]] == ["a.glb", "apiary.png", "b.glb"]
    assert page["prefixes"] == ["apple/", "models/"]
    assert (page["cursor"], page["truncated"]) == ("c", True)


def test_a_last_page_of_only_internal_records_is_empty_and_final() -> None:
    page = list_page(list(map(info, INTERNAL_KEYS)), ["api/"], None, False)
    assert page == empty_page()


def test_a_truncated_page_of_only_internal_records_lists_again_past_them() -> None:
    query = ListQuery(prefix="", cursor="r2-cursor", limit=2)
    again = options_past_internal(query, INTERNAL_KEYS, [], True)
    assert again == {
        "prefix": "",
        "limit": 2,
        "include": ["httpMetadata"],
        "startAfter": PAST_INTERNAL,
    }
    delimited = ListQuery(prefix="ap", delimiter="/")
    assert options_past_internal(delimited, [], ["api/"], True) == {
        "prefix": "ap",
        "limit": 100,
        "include": ["httpMetadata"],
        "delimiter": "/",
        "startAfter": PAST_INTERNAL,
    }


@pytest.mark.parametrize(
    ("keys", "prefixes", "truncated"),
    [
        pytest.param(INTERNAL_KEYS, [], False, id="last-page"),
        pytest.param(["a.glb", *INTERNAL_KEYS], [], True, id="something-to-show"),
        pytest.param(INTERNAL_KEYS, ["models/"], True, id="a-visible-prefix"),
        pytest.param([], [], True, id="empty-page"),
    ],
)
def test_no_second_listing_when_the_page_shows_something_or_is_last(
    keys: list[str], prefixes: list[str], truncated: bool
) -> None:
    assert options_past_internal(ListQuery(), keys, prefixes, truncated) is None


def test_past_internal_sorts_after_every_internal_key_and_before_the_rest() -> None:
    """R2 orders keys by their UTF-8 bytes."""
    boundary = PAST_INTERNAL.encode()
    assert len(boundary) <= 1024
    longest = "api/" + "\U0010ffff" * 255
    for key in [*INTERNAL_KEYS, "api/\uffff", "api/" + "z" * 1020, longest]:
        assert key.encode() <= boundary
    for key in ["api0", "api0/x", "apiary.png", "b", "\u00e9"]:
        assert key.encode() > boundary


@pytest.mark.parametrize(
    ("prefix", "internal_only"),
    [("api/", True), ("api/uploads/", True), ("api", False), ("", False), ("apple/", False)],
)
def test_prefixes_under_api_list_nothing(prefix: str, internal_only: bool) -> None:
    assert lists_only_internal(ListQuery(prefix=prefix)) is internal_only


def test_is_internal() -> None:
    assert is_internal("api/uploads/x") and is_internal("api/")
    assert not is_internal("api") and not is_internal("apiary.png") and not is_internal("x/api/")


def test_a_prefix_longer_than_any_key_lists_nothing() -> None:
    query = parse_list_query("prefix=" + "%C3%A9" * 600)  # 600 characters, 1200 bytes
    assert lists_only_internal(query)
    assert not lists_only_internal(parse_list_query("prefix=" + "a" * 1024))


def test_the_delimiter_is_at_most_16_characters() -> None:
    assert parse_list_query("delimiter=" + "%C3%A9" * 16).delimiter == "é" * 16
