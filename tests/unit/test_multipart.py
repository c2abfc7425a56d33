"""Multipart rules: the query, creation, part sizes, token bounds and the completion plan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.auth import TokenPrincipal
from r2gate.content_types import StoredType
from r2gate.errors import ApiError
from r2gate.multipart import (
    DEFAULT_PART_SIZE,
    MAX_PART_SIZE,
    MIN_PART_SIZE,
    Bounds,
    MultipartQuery,
    bounds_for,
    check_part,
    choose_part_size,
    created_json,
    largest_part,
    parse_complete_request,
    parse_create_request,
    parse_multipart_query,
    plan_completion,
    plan_creation,
    status_json,
)
from r2gate.tokens import parse_claims
from r2gate.upload_records import Manifest, PartRecord
from r2gate.uploads import UploadBounds

MIB = 1024 * 1024
SIZE = 5 * MIB


def manifest(**fields: object) -> Manifest:
    values: dict[str, object] = {
        "upload_id": "a" * 32,
        "key": "models/a.glb",
        "r2_upload_id": "r2-id",
        "owner": "key:default",
        "part_size": SIZE,
        "created": 1_000,
        "expires": 87_400,
        "content_type": "model/gltf-binary",
    }
    values.update(fields)
    return Manifest(**values)  # type: ignore[arg-type]


def records(*sizes: int) -> dict[int, PartRecord]:
    return {n: PartRecord(n, size, f"etag{n}") for n, size in enumerate(sizes, start=1)}


def error(call, *args: object, **kwargs: object) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    return caught.value.status, caught.value.code


def mpu_bounds(**claims: object) -> UploadBounds:
    """The upload bounds of an mpu token with `claims`."""
    return TokenPrincipal(parse_claims({"op": "mpu", "key": "models/a.glb", **claims})).upload


EMPTY = parse_create_request({}, token=True)


# --- the query ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "action", "expected"),
    [
        ("uploads", "create", MultipartQuery("create")),
        ("uploads=", "create", MultipartQuery("create")),
        ("uploads&token=abc", "create", MultipartQuery("create")),
        ("uploadId=u&partNumber=7", "upload_part", MultipartQuery("upload_part", "u", 7)),
        ("partNumber=10000&uploadId=u", "upload_part", MultipartQuery("upload_part", "u", 10000)),
        ("uploadId=u", "status", MultipartQuery("status", "u")),
        ("uploadId=u", "complete", MultipartQuery("complete", "u")),
        ("uploadId=u", "abort", MultipartQuery("abort", "u")),
    ],
)
def test_query_of_each_action(query: str, action: str, expected: MultipartQuery) -> None:
    assert parse_multipart_query(query, action) == expected


@pytest.mark.parametrize(
    ("query", "action"),
    [
        ("uploads=1", "create"),
        ("uploads&uploadId=u", "create"),
        ("uploads&partNumber=1", "create"),
        ("uploads&x=1", "create"),
        ("uploads&uploads", "create"),
        ("uploadId=u&uploads", "upload_part"),
        ("uploadId=u&uploadId=v", "status"),
        ("uploadId=u", "upload_part"),
        ("uploadId=u&partNumber=1", "status"),
        ("uploadId=u&partNumber=1", "complete"),
        ("uploadId=u&partNumber=0", "upload_part"),
        ("uploadId=u&partNumber=10001", "upload_part"),
        ("uploadId=u&partNumber=%2B1", "upload_part"),
        ("uploadId=u&partNumber=1e3", "upload_part"),
        ("uploadId=u&partNumber=1e0", "upload_part"),
        ("uploadId=u&partNumber=01", "upload_part"),
        ("uploadId=u&partNumber=1.0", "upload_part"),
        ("uploadId=u&partNumber=+1", "upload_part"),  # "+" decodes to a space
        ("uploadId=u&partNumber=", "upload_part"),
        ("uploadId=u&partNumber=%D9%A1", "upload_part"),  # an Arabic-Indic digit one
        ("uploadId=%FF", "status"),
        ("token=x", "status"),
    ],
)
def test_bad_queries_are_400(query: str, action: str) -> None:
    assert error(parse_multipart_query, query, action) == (400, "invalid_request")


# --- creation ----------------------------------------------------------------------------------


def test_creation_body_members() -> None:
    request = parse_create_request(
        {
            "content_type": " model/gltf-binary ",
            "part_size": SIZE,
            "metadata": {"a": "b"},
            "cache_control": "public, max-age=60",
        },
        token=False,
    )
    assert request.content_type == "model/gltf-binary"
    assert request.part_size == SIZE
    assert request.metadata == {"a": "b"}
    assert request.cache_control == "public, max-age=60"
    assert parse_create_request({}, token=True).content_type is None


@pytest.mark.parametrize(
    "document",
    [
        {"other": 1},
        {"part_size": "5"},
        {"part_size": 0},
        {"part_size": True},
        {"content_type": "text"},
        {"content_type": 5},
        {"metadata": {"a": 1}},
        {"metadata": {"": "x"}},
        {"metadata": {"big": "x" * 8200}},
        {"cache_control": "a\nb"},
        {"cache_control": ""},
    ],
)
def test_bad_creation_bodies_are_400(document: dict[str, object]) -> None:
    assert error(parse_create_request, document, token=False) == (400, "invalid_request")


@pytest.mark.parametrize("document", [{"metadata": {"a": "b"}}, {"cache_control": "no-store"}])
def test_a_token_upload_takes_metadata_only_from_the_token(document: dict[str, object]) -> None:
    assert error(parse_create_request, document, token=True) == (400, "invalid_request")
    parse_create_request(document, token=False)


def test_part_size_default_and_limits() -> None:
    limit = 100 * 1000 * 1000
    assert choose_part_size(None, DEFAULT_PART_SIZE, limit) == 8 * MIB
    assert choose_part_size(SIZE, DEFAULT_PART_SIZE, limit) == SIZE
    assert choose_part_size(limit, DEFAULT_PART_SIZE, limit) == limit
    assert error(choose_part_size, SIZE - 1, DEFAULT_PART_SIZE, limit) == (400, "invalid_request")
    assert error(choose_part_size, limit + 1, DEFAULT_PART_SIZE, limit) == (400, "invalid_request")
    # The default is clamped to the single-request limit, which R2's 5 GiB caps.
    assert choose_part_size(None, DEFAULT_PART_SIZE, 6 * MIB) == 6 * MIB
    assert choose_part_size(None, MAX_PART_SIZE, 10 * 1024**3) == MAX_PART_SIZE
    assert error(choose_part_size, MAX_PART_SIZE + 1, DEFAULT_PART_SIZE, 10 * 1024**3) == (
        400,
        "invalid_request",
    )
    # Below R2's minimum there is no valid part size: the server is misconfigured.
    assert error(choose_part_size, None, DEFAULT_PART_SIZE, MIN_PART_SIZE - 1) == (
        500,
        "server_misconfigured",
    )


def test_an_api_key_upload_is_what_the_body_asked_for() -> None:
    request = parse_create_request(
        {"metadata": {"a": "b"}, "cache_control": "no-cache"}, token=False
    )
    assert plan_creation(None, request, "x/a.png") == (
        StoredType("image/png", from_key=True),
        {
            "httpMetadata": {"contentType": "image/png", "cacheControl": "no-cache"},
            "customMetadata": {"a": "b"},
        },
    )
    typed = parse_create_request({"content_type": "model/vnd.usdz+zip"}, token=False)
    assert plan_creation(None, typed, "x/a.png") == (
        StoredType("model/vnd.usdz+zip"),
        {"httpMetadata": {"contentType": "model/vnd.usdz+zip"}},
    )


def test_a_token_upload_is_what_the_token_grants() -> None:
    upload = mpu_bounds(meta={"user": "7"}, cache="public, max-age=5")
    assert plan_creation(upload, EMPTY, "models/a.glb") == (
        StoredType("model/gltf-binary", from_key=True),
        {
            "httpMetadata": {
                "contentType": "model/gltf-binary",
                "cacheControl": "public, max-age=5",
            },
            "customMetadata": {"user": "7"},
        },
    )  # no create-only condition: R2's multipart upload has none


def test_a_token_with_sha256_cannot_start_a_multipart_upload() -> None:
    upload = mpu_bounds(sha256="0" * 64)
    assert error(plan_creation, upload, EMPTY, "a.png") == (400, "checksum_unsupported")


def test_the_content_type_of_a_token_upload() -> None:
    def content_type(upload: UploadBounds, requested: str | None, key: str) -> str:
        request = parse_create_request(
            {} if requested is None else {"content_type": requested}, token=True
        )
        return plan_creation(upload, request, key)[0].content_type

    assert content_type(mpu_bounds(ct=["image/png"]), None, "models/a.glb") == "image/png"
    assert content_type(mpu_bounds(), None, "models/a.glb") == "model/gltf-binary"
    assert content_type(mpu_bounds(ct=["image/*"]), "image/webp", "x") == "image/webp"
    text = parse_create_request({"content_type": "text/html"}, token=True)
    assert error(plan_creation, mpu_bounds(ct=["image/*"]), text, "x") == (
        415,
        "unsupported_media_type",
    )
    assert error(plan_creation, mpu_bounds(ct=["*/*"]), text, "x") == (
        415,
        "unsupported_media_type",
    )
    assert content_type(mpu_bounds(ct=["text/html"]), "text/html", "x") == "text/html"
    generic = "application/octet-stream"
    assert content_type(mpu_bounds(ct=["video/*"]), generic, "v/a.mp4") == "video/mp4"
    for bad in ("image/png, text/html", "image/*", "image/png;,x"):
        assert error(parse_create_request, {"content_type": bad}, token=True) == (
            400,
            "invalid_request",
        )


def test_created_json() -> None:
    assert created_json(manifest()) == {
        "upload_id": "a" * 32,
        "key": "models/a.glb",
        "part_size": SIZE,
        "max_parts": 10_000,
        "expires_at": "1970-01-02T00:16:40Z",
    }


# --- parts -------------------------------------------------------------------------------------


def test_a_part_may_be_up_to_the_part_size() -> None:
    check_part(manifest(), 1, SIZE, Bounds())
    check_part(manifest(), 2, 1, Bounds())  # smaller: only valid as the last part, checked later
    assert error(check_part, manifest(), 1, SIZE + 1, Bounds()) == (400, "part_size_mismatch")
    assert error(check_part, manifest(), 1, 0, Bounds()) == (400, "part_size_mismatch")


def test_token_max_bounds_each_part_number() -> None:
    bounds = Bounds(max_bytes=SIZE + 10)  # two parts: SIZE, then at most 10
    check_part(manifest(), 1, SIZE, bounds)
    check_part(manifest(), 2, 10, bounds)
    check_part(manifest(), 1, 10, bounds)  # the last part of a smaller upload
    assert error(check_part, manifest(), 2, 11, bounds) == (413, "too_large")
    assert error(check_part, manifest(), 3, 1, bounds) == (413, "too_large")


def test_token_len_bounds_each_part_number() -> None:
    bounds = Bounds(exact_length=100)
    check_part(manifest(), 1, 100, bounds)
    assert error(check_part, manifest(), 1, 101, bounds) == (413, "too_large")
    assert error(check_part, manifest(), 2, 1, bounds) == (413, "too_large")


@given(
    limit=st.integers(min_value=0, max_value=5 * SIZE),
    sizes=st.dictionaries(st.integers(1, 8), st.integers(1, SIZE), max_size=8),
)
def test_parts_that_pass_can_never_add_up_to_more_than_the_limit(
    limit: int, sizes: dict[int, int]
) -> None:
    # Whatever set of parts arrives (concurrently: each checked alone), what is stored fits.
    bounds = Bounds(max_bytes=limit)
    accepted = {n: size for n, size in sizes.items() if size <= largest_part(manifest(), n, bounds)}
    assert sum(accepted.values()) <= limit


def test_bounds_combine_the_creating_and_the_presented_token() -> None:
    assert bounds_for(manifest(), None) == Bounds()
    assert not Bounds().bounded
    assert bounds_for(manifest(max_bytes=100), None) == Bounds(max_bytes=100)
    assert bounds_for(manifest(max_bytes=100), mpu_bounds(max=50)) == Bounds(max_bytes=50)
    assert bounds_for(manifest(max_bytes=100), mpu_bounds(max=500)) == Bounds(max_bytes=100)
    assert bounds_for(manifest(), mpu_bounds(len=7)) == Bounds(exact_length=7)
    assert bounds_for(manifest(exact_length=7), mpu_bounds(len=7)) == Bounds(exact_length=7)
    assert error(bounds_for, manifest(exact_length=7), mpu_bounds(len=8)) == (
        400,
        "length_mismatch",
    )


def test_status_json_sorts_parts_and_sums_bytes() -> None:
    parts = {3: PartRecord(3, 5, "c"), 1: PartRecord(1, SIZE, "a")}
    assert status_json(manifest(), parts) == {
        "upload_id": "a" * 32,
        "key": "models/a.glb",
        "part_size": SIZE,
        "parts": [
            {"part_number": 1, "size": SIZE, "etag": "a"},
            {"part_number": 3, "size": 5, "etag": "c"},
        ],
        "bytes_received": SIZE + 5,
        "expires_at": "1970-01-02T00:16:40Z",
    }


# --- completion --------------------------------------------------------------------------------


def test_completion_request_shape() -> None:
    document = {"parts": [{"part_number": 1, "etag": "x"}, {"etag": "y", "part_number": 2}]}
    assert parse_complete_request(document) == [(1, "x"), (2, "y")]


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"parts": []},
        {"parts": None},
        {"parts": [None]},
        {"parts": [{"part_number": 1}]},
        {"parts": [{"part_number": 1, "etag": "x", "size": 3}]},
        {"parts": [{"part_number": 1.0, "etag": "x"}]},
        {"parts": [{"part_number": False, "etag": "x"}]},
        {"parts": [{"part_number": 10_001, "etag": "x"}]},
        {"parts": [{"part_number": 1, "etag": ""}]},
        {"parts": [{"part_number": 1, "etag": "x" * 513}]},
        {"parts": [{"part_number": 1, "etag": "x"}] * 10_001},
        {"parts": [{"part_number": 1, "etag": "x"}], "more": True},
    ],
)
def test_bad_completion_requests_are_400(document: dict[str, object]) -> None:
    assert error(parse_complete_request, document) == (400, "invalid_request")


def plan(received: dict[int, PartRecord], requested: list[tuple[int, str]], **bounds: int):
    return plan_completion(manifest(), received, requested, Bounds(**bounds))


def test_a_complete_list_becomes_r2s_part_list() -> None:
    received = records(SIZE, SIZE, 3)
    assert plan(received, [(1, "etag1"), (2, "etag2"), (3, "etag3")]) == [
        {"partNumber": 1, "etag": "etag1"},
        {"partNumber": 2, "etag": "etag2"},
        {"partNumber": 3, "etag": "etag3"},
    ]
    assert plan(records(7), [(1, "etag1")]) == [{"partNumber": 1, "etag": "etag1"}]


@pytest.mark.parametrize(
    ("requested", "code"),
    [
        ([(2, "etag2"), (1, "etag1")], "invalid_part_order"),
        ([(1, "etag1"), (1, "etag1")], "invalid_part_order"),
        ([(1, "etag1"), (3, "etag3")], "invalid_part"),  # a gap
        ([(2, "etag2"), (3, "etag3")], "invalid_part"),  # does not start at 1
        ([(1, "etag1"), (2, "etag2"), (3, "etag3"), (4, "etag4")], "invalid_part"),  # unknown
        ([(1, "etag1"), (2, "etagX"), (3, "etag3")], "invalid_part"),  # wrong etag
        ([(1, "etag1"), (2, "etag2")], "invalid_part"),  # part 3 received but not listed
    ],
)
def test_bad_part_lists_are_400(requested: list[tuple[int, str]], code: str) -> None:
    assert error(plan, records(SIZE, SIZE, 3), requested) == (400, code)


def test_only_the_last_part_may_be_smaller() -> None:
    requested = [(1, "etag1"), (2, "etag2"), (3, "etag3")]
    assert error(plan, records(SIZE, SIZE - 1, 3), requested) == (400, "part_size_mismatch")
    assert error(plan, records(1, SIZE, 3), requested) == (400, "part_size_mismatch")
    plan(records(SIZE, SIZE, SIZE), requested)


def test_completion_rechecks_the_token_bounds() -> None:
    # Parallel parts may each pass their own check: the sum is checked again at the end.
    requested = [(1, "etag1"), (2, "etag2")]
    assert error(plan, records(SIZE, 10), requested, max_bytes=SIZE + 9) == (413, "too_large")
    plan(records(SIZE, 10), requested, max_bytes=SIZE + 10)
    assert error(plan, records(SIZE, 10), requested, exact_length=SIZE + 11) == (
        400,
        "length_mismatch",
    )
    plan(records(SIZE, 10), requested, exact_length=SIZE + 10)


@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=30))
def test_any_accepted_list_is_exactly_one_to_n(numbers: list[int]) -> None:
    received = {n: PartRecord(n, SIZE, f"etag{n}") for n in range(1, 31)}
    requested = [(n, f"etag{n}") for n in numbers]
    try:
        result = plan_completion(manifest(), received, requested, Bounds())
    except ApiError as failure:
        assert failure.status == 400
        return
    assert [part["partNumber"] for part in result] == list(range(1, 31))
