"""Strict parsing of the upload/download request bodies."""

from __future__ import annotations

import json

import pytest

from r2gate.api_requests import (
    MAX_BODY_BYTES,
    UploadRequest,
    check_json_request,
    parse_download_request,
    parse_json_object,
    parse_upload_request,
)
from r2gate.errors import ApiError

BASE = {"key": "models/a.glb", "content_type": "model/gltf-binary"}


def code_of(call, *args) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value.status, caught.value.code


def test_minimal_request() -> None:
    assert parse_upload_request(BASE) == UploadRequest(
        content_types=("model/gltf-binary",), key="models/a.glb"
    )
    assert parse_upload_request(BASE).exact_type == "model/gltf-binary"


def test_every_member() -> None:
    request = parse_upload_request(
        {
            "filename": "a b.glb",
            "prefix": "u/42/",
            "content_type": "model/gltf-binary; v=2",
            "max_bytes": 0,
            "expires_in": 60,
            "overwrite": True,
            "sha256": "A" * 64,
            "metadata": {"owner": "7", "empty": ""},
            "cache_control": "public, max-age=60",
            "multipart": True,
        }
    )
    assert request.multipart is True
    assert request.filename == "a b.glb"
    assert request.prefix == "u/42/"
    assert request.max_bytes == 0
    assert request.overwrite is True
    assert request.sha256 == "a" * 64
    assert request.metadata == {"owner": "7", "empty": ""}


def test_empty_prefix_means_the_root() -> None:
    assert parse_upload_request({"filename": "a", "prefix": "", "content_type": "a/b"}).prefix == ""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"content_type": None}, (400, "invalid_request")),
        ({"max_bytes": True}, (400, "invalid_request")),
        ({"expires_in": False}, (400, "invalid_request")),
        ({"expires_in": 1.5}, (400, "invalid_request")),
        ({"overwrite": 1}, (400, "invalid_request")),
        ({"multipart": "yes"}, (400, "invalid_request")),
        ({"sha256": "g" * 64}, (400, "invalid_request")),
        ({"metadata": {"": "x"}}, (400, "invalid_request")),
        ({"metadata": None}, (400, "invalid_request")),
        ({"cache_control": "é"}, (400, "invalid_request")),
        ({"cache_control": ""}, (400, "invalid_request")),
        ({"key": ""}, (400, "invalid_request")),
        ({"key": "a\\b"}, (400, "invalid_key")),
        ({"key": "x" * 1025}, (400, "invalid_key")),
        ({"filename": "a.png"}, (400, "invalid_request")),
        ({"surprise": 1}, (400, "invalid_request")),
    ],
)
def test_bad_members(change: dict, expected: tuple[int, str]) -> None:
    assert code_of(parse_upload_request, {**BASE, **change}) == expected


def test_content_type_is_required_and_a_media_type_or_pattern() -> None:
    assert code_of(parse_upload_request, {"key": "a"}) == (400, "invalid_request")
    bad_values = (
        "text",
        "*/html",
        "image/png;,text/html",
        "image/png, text/html",
        "text/plain\n",
        "a/b" + "c" * 300,
        [],
        ["image/*"] * 1 + [5],
        [f"a/b{i}" for i in range(33)],
        None,
    )
    for bad in bad_values:
        assert code_of(parse_upload_request, {"key": "a", "content_type": bad}) == (
            400,
            "invalid_request",
        ), bad


@pytest.mark.parametrize(
    ("value", "types", "exact"),
    [
        ("Image/PNG", ("image/png",), "image/png"),
        ("image/*", ("image/*",), None),
        ("*/*", ("*/*",), None),
        (["image/*", "video/mp4", "image/*"], ("image/*", "video/mp4"), None),
        (["text/plain;charset=utf-8"], ("text/plain; charset=utf-8",), "text/plain; charset=utf-8"),
    ],
)
def test_content_type_takes_patterns_and_lists(
    value: object, types: tuple[str, ...], exact: str | None
) -> None:
    request = parse_upload_request({"key": "a", "content_type": value})
    assert (request.content_types, request.exact_type) == (types, exact)


@pytest.mark.parametrize("prefix", ["a", "/", "a//", "../", "a/../", "api/", 5])
def test_bad_prefixes(prefix: object) -> None:
    status, code = code_of(
        parse_upload_request, {"filename": "f", "prefix": prefix, "content_type": "a/b"}
    )
    assert status == 400 and code in {"invalid_request", "invalid_key"}


def test_unknown_member_message_never_carries_values() -> None:
    with pytest.raises(ApiError) as caught:
        parse_upload_request({**BASE, "x" * 500: "secret-value"})
    assert "secret-value" not in caught.value.message
    assert len(caught.value.message) < 400


def test_download_request() -> None:
    request = parse_download_request({"key": "private/a.pdf", "download_name": "A.pdf"})
    assert (request.key, request.download_name, request.expires_in) == (
        "private/a.pdf",
        "A.pdf",
        None,
    )
    assert code_of(parse_download_request, {}) == (400, "invalid_request")
    assert code_of(parse_download_request, {"key": "a", "dn": "x"}) == (400, "invalid_request")
    assert code_of(parse_download_request, {"key": "a", "download_name": "a\x00"}) == (
        400,
        "invalid_request",
    )
    assert code_of(parse_download_request, {"key": "a/./b"}) == (400, "invalid_key")


def test_json_object_parsing() -> None:
    assert parse_json_object(json.dumps(BASE).encode()) == BASE
    for bad in (b"", b"null", b"[1]", b'{"a":1,"a":2}', b'{"a":Infinity}', b'{"a":"\\ud800"}'):
        assert code_of(parse_json_object, bad) == (400, "invalid_json"), bad
    assert code_of(parse_json_object, b" " * (MAX_BODY_BYTES + 1)) == (413, "body_too_large")
    assert parse_json_object(b"{}" + b" " * (MAX_BODY_BYTES - 2)) == {}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"content-type": "text/plain"}, (415, "unsupported_media_type")),
        ({"content-length": "16385"}, (413, "body_too_large")),
        ({"content-length": "ten"}, (400, "invalid_content_length")),
    ],
)
def test_json_request_headers_are_checked_before_reading(
    headers: dict[str, str], expected: tuple[int, str]
) -> None:
    with pytest.raises(ApiError) as caught:
        check_json_request(headers)
    assert (caught.value.status, caught.value.code) == expected


def test_json_request_headers_give_the_declared_length() -> None:
    assert check_json_request({"content-type": "application/json; charset=utf-8"}) is None
    assert check_json_request({"content-length": "12"}) == 12


def test_integers_may_be_written_as_integral_numbers() -> None:
    request = parse_upload_request({**BASE, "max_bytes": 94.0, "expires_in": 60.0})
    assert (request.max_bytes, request.expires_in) == (94, 60)
    assert code_of(parse_upload_request, {**BASE, "max_bytes": 94.5}) == (400, "invalid_request")


def test_a_prefix_is_at_most_224_characters_so_generated_keys_fit() -> None:
    ok = {"filename": "f", "prefix": "é" * 223 + "/", "content_type": "a/b"}
    assert parse_upload_request(ok).prefix == "é" * 223 + "/"
    too_long = {**ok, "prefix": "a" * 224 + "/"}
    assert code_of(parse_upload_request, too_long) == (400, "invalid_request")
