"""Multipart requests and answers (r2gate.multipart): the query, the creation body, the part
size, the status and creation answers, the completion body. What an upload may store, its
parts and its completion are the write policy's (tests/unit/test_write_policy.py)."""

from __future__ import annotations

import pytest

from r2gate.errors import ApiError
from r2gate.multipart import (
    DEFAULT_PART_SIZE,
    MAX_PART_SIZE,
    MIN_PART_SIZE,
    MultipartQuery,
    choose_part_size,
    created_json,
    parse_complete_request,
    parse_create_request,
    parse_multipart_query,
    status_json,
)
from r2gate.upload_records import Manifest, PartRecord
from r2gate.write_policy import MIB, Proposal

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


def error(call, *args: object, **kwargs: object) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    return caught.value.status, caught.value.code


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
        "models/a.glb",
    )
    assert request.part_size == SIZE
    assert request.proposal == Proposal(
        "models/a.glb",
        content_type=" model/gltf-binary ",  # as sent: the write policy parses it
        headers={"cache-control": "public, max-age=60"},
        metadata={"a": "b"},
        explicit=True,
        type_field="content_type",
    )
    empty = parse_create_request({}, "k")
    assert empty.part_size is None
    assert empty.proposal == Proposal("k", explicit=True, type_field="content_type")
    assert empty.proposal.length is None and empty.proposal.preconditions == {}


@pytest.mark.parametrize(
    "document",
    [
        {"other": 1},
        {"part_size": "5"},
        {"part_size": 0},
        {"part_size": True},
        {"content_type": 5},
        {"content_type": ""},
        {"metadata": {"a": 1}},
        {"metadata": {"": "x"}},
        {"metadata": ["a"]},
        {"cache_control": "a\nb"},
        {"cache_control": ""},
        {"cache_control": "a b"},
    ],
)
def test_bad_creation_bodies_are_400(document: dict[str, object]) -> None:
    assert error(parse_create_request, document, "k") == (400, "invalid_request")


@pytest.mark.parametrize("metadata", [{"big": "x" * 8200}, {"bad name": "v"}, {"a": "b\r\n"}])
def test_creation_metadata_that_cannot_be_stored_is_400(metadata: dict[str, str]) -> None:
    assert error(parse_create_request, {"metadata": metadata}, "k") == (400, "invalid_metadata")


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


def test_created_json() -> None:
    assert created_json(manifest()) == {
        "upload_id": "a" * 32,
        "key": "models/a.glb",
        "part_size": SIZE,
        "max_parts": 10_000,
        "expires_at": "1970-01-02T00:16:40Z",
    }


# --- status ----------------------------------------------------------------------------------


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
