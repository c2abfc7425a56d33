"""r2gate.tus: tus header parsing, part sizing and an upload's state, in CPython."""

from __future__ import annotations

import base64
import hashlib

import pytest

from r2gate.errors import ApiError
from r2gate.tus import (
    MAX_SIZE,
    MIB,
    UploadState,
    check_patch,
    declared_length,
    options_headers,
    parse_checksum,
    parse_concat,
    parse_metadata,
    parse_offset,
    part_size_for,
    require_resumable,
    target_key,
    valid_upload_id,
)

ID = "a" * 64


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def code(error: pytest.ExceptionInfo[ApiError]) -> tuple[int, str]:
    return error.value.status, error.value.code


def state(**changes: object) -> UploadState:
    values: dict[str, object] = {
        "key": "k",
        "target": "k",
        "owner": "key:x",
        "part_size": 5 * MIB,
        "created": 0,
        "expires": 100,
        "content_type": "application/octet-stream",
        "options": {},
        "length": 12 * MIB,
    }
    values.update(changes)
    return UploadState(**values)  # type: ignore[arg-type]


def test_version_is_required() -> None:
    require_resumable({"tus-resumable": "1.0.0"})
    for headers in ({}, {"tus-resumable": "0.2.2"}):
        with pytest.raises(ApiError) as error:
            require_resumable(headers)
        assert code(error) == (412, "tus_version_unsupported")
        assert error.value.headers["Tus-Version"] == "1.0.0"


def test_options_name_the_extensions() -> None:
    headers = options_headers()
    assert "concatenation" in headers["Tus-Extension"].split(",")
    assert headers["Tus-Max-Size"] == str(MAX_SIZE)


def test_metadata_pairs() -> None:
    value = f"key {b64('a/b.txt')}, filetype {b64('text/plain')},empty"
    assert parse_metadata(value) == {"key": "a/b.txt", "filetype": "text/plain", "empty": ""}
    assert parse_metadata(None) == {} == parse_metadata("  ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("key " + "A" * 5000, (413, "metadata_too_large")),
        (",".join(f"k{i}" for i in range(33)), (413, "metadata_too_large")),
        ("key abc", (400, "invalid_upload_metadata")),  # not a multiple of 4
        ("key a$==", (400, "invalid_upload_metadata")),
        ("key /w==", (400, "invalid_upload_metadata")),  # not UTF-8
        (f"key {b64('a' * 1025)}", (400, "invalid_upload_metadata")),
        ("key " + b64("a\x00b"), (400, "invalid_upload_metadata")),
        ("key YQ== extra", (400, "invalid_upload_metadata")),
        ("k y", (400, "invalid_upload_metadata")),
        ("a,a", (400, "invalid_upload_metadata")),
        ("", None),
    ],
)
def test_bad_metadata(value: str, expected: tuple[int, str] | None) -> None:
    if expected is None:
        assert parse_metadata(value) == {}
        return
    with pytest.raises(ApiError) as error:
        parse_metadata(value)
    assert code(error) == expected


def test_lengths_and_offsets_are_canonical_decimals() -> None:
    assert declared_length({"upload-length": "10"}) == 10
    assert declared_length({"upload-defer-length": "1"}) is None
    for headers in (
        {},
        {"upload-length": "1", "upload-defer-length": "1"},
        {"upload-defer-length": "2"},
        {"upload-length": "01"},
        {"upload-length": "-1"},
        {"upload-length": "1e3"},
    ):
        with pytest.raises(ApiError) as error:
            declared_length(headers)
        assert error.value.status == 400, headers
    assert parse_offset({"upload-offset": "0"}) == 0
    with pytest.raises(ApiError):
        parse_offset({})


def test_checksums() -> None:
    digest = hashlib.sha1(b"x").digest()
    checksum = parse_checksum("sha1 " + base64.b64encode(digest).decode())
    assert checksum is not None and (checksum.digest, checksum.digest_name) == (digest, "SHA-1")
    assert parse_checksum(None) is None
    with pytest.raises(ApiError) as error:
        parse_checksum("md5 AAAA")
    assert code(error) == (400, "checksum_unsupported")
    for bad in ("sha256", "sha256 AAAA", "sha1 !!!!", "sha1 a b"):
        with pytest.raises(ApiError) as error:
            parse_checksum(bad)
        assert code(error) == (400, "invalid_upload_checksum"), bad


def test_concat() -> None:
    assert parse_concat(None) is None
    partial = parse_concat("partial")
    assert partial is not None and partial.partial
    final = parse_concat(f"final;https://h/api/v1/tus/{ID} /api/v1/tus/{'b' * 64}")
    assert final is not None and final.final and final.uploads == (ID, "b" * 64)
    for bad in (
        "final;",
        "final;/other/" + ID,
        f"final;/api/v1/tus/{ID} /api/v1/tus/{ID}",
        "final;" + " ".join(f"/api/v1/tus/{i:064x}" for i in range(65)),
        "whole",
    ):
        with pytest.raises(ApiError) as error:
            parse_concat(bad)
        assert code(error) == (400, "invalid_upload_concat"), bad[:40]


def test_upload_ids_are_durable_object_ids() -> None:
    assert valid_upload_id(ID)
    assert not valid_upload_id(ID.upper())
    assert not valid_upload_id(ID[:-1])
    assert not valid_upload_id(ID + "\n")


@pytest.mark.parametrize(
    ("length", "size"),
    [
        (None, 5 * MIB),
        (0, 5 * MIB),
        (50_000 * MIB, 5 * MIB),
        (50_000 * MIB + 1, 6 * MIB),
        (MAX_SIZE, 32 * MIB),
    ],
)
def test_part_size(length: int | None, size: int) -> None:
    assert part_size_for(length) == size


def test_part_size_past_the_most_is_413() -> None:
    with pytest.raises(ApiError) as error:
        part_size_for(MAX_SIZE + 1)
    assert code(error) == (413, "too_large")


def test_target_key_follows_the_uploads_rule() -> None:
    def hex_(n: int) -> str:
        return "ab" * n

    assert (
        target_key({"key": "a/b"}, token_key=None, prefixes=("",), now=0, random_hex=hex_) == "a/b"
    )
    assert target_key({}, token_key="t/k", prefixes=(), now=0, random_hex=hex_) == "t/k"
    generated = target_key(
        {"filename": "cat.png", "prefix": "u/"},
        token_key=None,
        prefixes=("",),
        now=0,
        random_hex=hex_,
    )
    assert generated.startswith("u/19700101_000000_abababab_") and generated.endswith("cat.png")
    both = {"key": "a/b", "filename": "c.txt"}
    assert target_key(both, token_key=None, prefixes=("",), now=0, random_hex=hex_) == "a/b"
    for metadata in ({}, {"prefix": "p/"}, {"key": "api/x"}):
        with pytest.raises(ApiError) as error:
            target_key(metadata, token_key=None, prefixes=("",), now=0, random_hex=hex_)
        assert error.value.status == 400, metadata


def test_need_fills_parts_and_ends_at_the_length() -> None:
    upload = state()
    assert upload.need() == 5 * MIB
    upload = upload.after_tail(MIB)
    assert (upload.offset, upload.buffered, upload.need()) == (MIB, MIB, 4 * MIB)
    upload = upload.after_part(5 * MIB)
    assert (upload.offset, upload.parts, upload.buffered) == (5 * MIB, 1, 0)
    upload = upload.after_part(5 * MIB)
    assert upload.need() == 2 * MIB  # the last part is shorter
    upload = upload.after_tail(2 * MIB)
    assert upload.whole and upload.need() == 0


def test_check_patch() -> None:
    upload = state(offset=3)
    with pytest.raises(ApiError) as error:
        check_patch(upload, 2, 1, None)
    assert code(error) == (409, "offset_mismatch")
    with pytest.raises(ApiError) as error:
        check_patch(upload, 3, 12 * MIB, None)
    assert code(error) == (413, "upload_length_exceeded")
    deferred = state(length=None, max_bytes=100)
    with pytest.raises(ApiError) as error:
        check_patch(deferred, 0, 101, None)
    assert code(error) == (413, "too_large")
    assert check_patch(deferred, 0, 10, 50).length == 50
    with pytest.raises(ApiError) as error:
        check_patch(deferred, 0, None, 101)
    assert code(error) == (413, "too_large")
    with pytest.raises(ApiError) as error:
        check_patch(state(offset=5), 5, 0, 4)
    assert code(error) == (400, "invalid_upload_length")
    with pytest.raises(ApiError) as error:
        check_patch(state(final=(ID,)), 0, 0, None)
    assert code(error) == (403, "upload_final")


def test_state_round_trips_and_heads() -> None:
    upload = state(final=(ID,), metadata_header="key YQ==")
    assert UploadState.from_json(upload.to_json()) == upload
    headers = upload.head_headers()
    assert headers["Upload-Concat"] == f"final;/api/v1/tus/{ID}"
    assert headers["R2gate-Key"] == "k"
    assert headers["Upload-Expires"] == "Thu, 01 Jan 1970 00:01:40 GMT"
    assert state(length=None).head_headers()["Upload-Defer-Length"] == "1"
