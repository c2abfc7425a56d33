"""The one write policy (r2gate.write_policy, r2gate.stored_fields): every write, whoever
makes it (an API key, a token, an S3 key pair, header-signed or presigned) and however it
arrives (PUT, a POST form, a copy, a multipart upload, a delete), gets the same checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.apikeys import ApiKey
from r2gate.auth import KeyPrincipal, Principal, S3Principal, TokenPrincipal
from r2gate.conditional import Current
from r2gate.content_types import StoredType
from r2gate.errors import ApiError
from r2gate.mediatype import parse_media_type
from r2gate.multipart import parse_create_request
from r2gate.s3.credentials import S3Credential, UploadLimits
from r2gate.s3.sigv4 import Authenticated, CredentialScope, PayloadMode
from r2gate.tokens import InvalidClaimError, parse_claims
from r2gate.upload_records import Manifest, PartRecord
from r2gate.uploads import UploadBounds
from r2gate.write_policy import (
    MIB,
    PartBounds,
    Proposal,
    WritePlan,
    check_part,
    check_upload_length,
    decide_completion,
    decide_delete,
    decide_upload,
    decide_write,
    largest_part,
    part_bounds,
    put_proposal,
)

LIMIT = 1000
SIZE = 5 * MIB
KEY = "a/b.glb"
TRUSTED = KeyPrincipal(ApiKey.full_access("k" * 32))
FOUND = Current("e1", datetime(2026, 1, 1, tzinfo=UTC))


def token(key: str = KEY, op: str = "put", **claims: object) -> TokenPrincipal:
    """A token principal for exactly `key`, granting `op` with `claims`."""
    return TokenPrincipal(parse_claims({"op": op, "key": key, **claims}))


def bounds(**claims: object) -> UploadBounds:
    """The upload bounds of a put token for a/b.glb with `claims`."""
    return token(**claims).upload


LIMITED_LIMITS = UploadLimits(max_bytes=1000, content_types=("image/*",), create_only=True)


def s3_writer(
    limits: UploadLimits = LIMITED_LIMITS, *, presigned: bool = True, prefixes: tuple = ("",)
) -> S3Principal:
    """An S3 principal of a key pair with `limits`, as `identify_s3` would build it."""
    credential = S3Credential.create(
        "limited",
        "R2GATELIMITED00001",
        "limited-secret-access-key-0123456789abcd",
        ["read", "write", "delete", "sign"],
        list(prefixes),
        limits,
    )
    return S3Principal(
        Authenticated(
            credential=credential,
            presigned=presigned,
            scope=CredentialScope("R2GATELIMITED00001", "20260101", "auto"),
            signed_headers=(),
            request_time=0,
            expires_at=None,
            payload_mode=PayloadMode.UNSIGNED,
            payload_sha256=None,
        )
    )


def put(writer: Principal, headers: Mapping[str, str], key: str = KEY) -> WritePlan:
    """A native PUT of `key` with `headers` (lower-case names), as the handler decides it."""
    return decide_write(writer, put_proposal(key, headers), max_single=LIMIT)


def error(call: Callable[..., Any], *args: object, **kwargs: object) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    return caught.value.status, caught.value.code


def refused(writer: Principal, headers: Mapping[str, str], key: str = KEY) -> tuple[int, str]:
    return error(put, writer, headers, key)


def write(writer: Principal, proposal: Proposal) -> WritePlan:
    return decide_write(writer, proposal, max_single=LIMIT)


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


def mpu(key: str = "models/a.glb", **claims: object) -> TokenPrincipal:
    return token(key, "mpu", **claims)


def mpu_bounds(**claims: object) -> UploadBounds:
    """The upload bounds of an mpu token with `claims`."""
    return mpu(**claims).upload


def creation(document: dict[str, object], key: str = "models/a.glb") -> Proposal:
    return parse_create_request(document, key).proposal


# --- one write: the order of the checks, sizes, types ------------------------------------------


def test_checks_run_in_order() -> None:
    writer = token(ct=["model/gltf-binary"], max=10)
    # the key, then who may, before anything about the body
    assert refused(writer, {"content-type": "text/html"}, key="a//b.glb") == (400, "invalid_key")
    assert refused(writer, {"content-type": "text/html"}, key="a/c.glb") == (403, "token_scope")
    # a missing length beats a bad type, a size beats a type
    assert refused(writer, {"content-type": "text/html"}) == (411, "length_required")
    assert refused(writer, {"content-length": "x"}) == (400, "invalid_content_length")
    headers = {"content-length": "11", "content-type": "text/html"}
    assert refused(writer, headers) == (413, "too_large")
    headers = {"content-length": "10", "content-type": "text/html"}
    assert refused(writer, headers) == (415, "unsupported_media_type")
    assert refused(writer, {"content-length": "1001"}) == (413, "too_large")
    # the type, then the stored headers, then the metadata
    bad_all = Proposal(KEY, 1, "a b", {"cache-control": "a b"}, {"bad name": "v"})
    assert error(write, TRUSTED, bad_all) == (400, "invalid_content_type")
    bad_fields = Proposal(KEY, 1, None, {"cache-control": "a b"}, {"bad name": "v"})
    assert error(write, TRUSTED, bad_fields) == (400, "invalid_header")
    bad_metadata = Proposal(KEY, 1, None, {}, {"bad name": "v"})
    assert error(write, TRUSTED, bad_metadata) == (400, "invalid_metadata")


@pytest.mark.parametrize(
    ("claims", "length", "answer"),
    [
        ({"max": 10}, 10, None),
        ({"max": 10}, 11, (413, "too_large")),
        ({"len": 10}, 10, None),
        ({"len": 10}, 9, (400, "length_mismatch")),
        ({"len": 10}, 11, (400, "length_mismatch")),
        ({"max": 0}, 0, None),
    ],
)
def test_lengths_against_max_and_len(
    claims: dict[str, int], length: int, answer: tuple[int, str] | None
) -> None:
    headers = {"content-length": str(length)}
    if answer is None:
        assert put(token(**claims), headers).length == length
    else:
        assert refused(token(**claims), headers) == answer


def test_a_too_large_single_write_points_to_multipart() -> None:
    put(TRUSTED, {"content-length": str(LIMIT)})
    with pytest.raises(ApiError) as caught:
        put(TRUSTED, {"content-length": str(LIMIT + 1)})
    assert (caught.value.status, caught.value.code) == (413, "too_large")
    assert "multipart" in caught.value.message
    assert caught.value.details == {"MaxSizeAllowed": "1000", "ProposedSize": "1001"}


@pytest.mark.parametrize(
    ("allowed", "sent", "answer"),
    [
        (["image/*"], "image/png", "image/png"),
        (["image/*"], "IMAGE/PNG; charset=binary", "image/png; charset=binary"),
        (["image/*"], "video/mp4", (415, "unsupported_media_type")),
        (["image/*"], "imagex/png", (415, "unsupported_media_type")),
        (["model/gltf-binary"], "Model/GLTF-Binary ; foo=bar", "model/gltf-binary; foo=bar"),
        (["model/gltf-binary"], "model/gltf+json", (415, "unsupported_media_type")),
        (["text/plain; charset=utf-8"], "text/plain;charset=UTF-8", "text/plain; charset=UTF-8"),
        (["text/plain; charset=utf-8"], "text/plain", (415, "unsupported_media_type")),
        (["*/*"], "application/x-anything", "application/x-anything"),
        (["image/png", "video/*"], "video/webm", "video/webm"),
        # active types: only when the token names them exactly
        (["*/*"], "text/html", (415, "unsupported_media_type")),
        (["text/*"], "text/html; charset=utf-8", (415, "unsupported_media_type")),
        (["image/*"], "image/svg+xml", (415, "unsupported_media_type")),
        (["*/*"], "application/javascript", (415, "unsupported_media_type")),
        (["text/html"], "text/html", "text/html"),
        (["image/svg+xml"], "image/svg+xml", "image/svg+xml"),
        # one strict media type, one field
        (["image/png"], "image/png;,text/html", (400, "invalid_content_type")),
        (["image/png"], "image/png; x=y, text/html", (400, "invalid_content_type")),
        (["image/png"], "image/png, image/png", (400, "invalid_content_type")),
        (["image/png"], 'image/png; x="a,b"', (400, "invalid_content_type")),
        (["image/*"], "", (400, "invalid_content_type")),
        (["image/*"], "image", (400, "invalid_content_type")),
        (["image/*"], "image/", (400, "invalid_content_type")),
        (["image/*"], "image/*", (400, "invalid_content_type")),
        (["*/*"], "*/*", (400, "invalid_content_type")),
        (["image/png"], "image/png; q", (400, "invalid_content_type")),
    ],
)
def test_content_types_of_a_token_put(
    allowed: list[str], sent: str, answer: str | tuple[int, str]
) -> None:
    writer = token("a/b.bin", ct=allowed)
    headers = {"content-length": "1", "content-type": sent}
    if isinstance(answer, str):
        assert put(writer, headers, "a/b.bin").content_type == answer
    else:
        assert refused(writer, headers, "a/b.bin") == answer


def test_a_token_without_ct_allows_any_type_but_an_active_one() -> None:
    assert bounds().allows_content_type(parse_media_type("image/png"))
    assert bounds().allows_content_type(parse_media_type("application/x-whatever"))
    for active in ("text/html", "image/svg+xml", "application/xhtml+xml", "text/javascript"):
        assert not bounds().allows_content_type(parse_media_type(active))
        headers = {"content-length": "1", "content-type": active}
        assert refused(token("a/b.bin"), headers, "a/b.bin") == (415, "unsupported_media_type")


def test_content_type_defaults() -> None:
    length = {"content-length": "1"}

    def untyped(key: str, **claims: object) -> str:
        return put(token(key, **claims), length, key).content_type

    assert untyped("x.bin", ct=["model/gltf-binary"]) == "model/gltf-binary"
    assert untyped("x.png", ct=["image/*"]) == "image/png"
    assert untyped("x.mp4") == "video/mp4"
    assert refused(token("x.glb", ct=["a/b", "c/d"]), length, "x.glb") == (
        415,
        "unsupported_media_type",
    )
    # a key whose type is active needs the token to name it
    assert refused(token("x.html"), length, "x.html") == (415, "unsupported_media_type")
    assert untyped("x.html", ct=["text/html"]) == "text/html"
    accepted = put(token(ct=["model/gltf-binary"]), {"content-length": "0"})
    assert (accepted.length, accepted.content_type) == (0, "model/gltf-binary")


@pytest.mark.parametrize("generic", ["application/x-www-form-urlencoded", "binary/octet-stream"])
def test_a_generic_type_never_hides_a_known_extension(generic: str) -> None:
    headers = {"content-length": "3", "content-type": generic}
    chair = "models/chair.glb"
    trusted = put(TRUSTED, headers, chair)
    assert trusted.content_type == "model/gltf-binary"
    assert trusted.stored.json_members()["content_type_replaced"] == generic
    assert "model/gltf-binary" in trusted.stored.json_members()["note"]
    assert put(TRUSTED, headers, "x.unknown").content_type == generic
    assert put(token(chair, ct=["model/*"]), headers, chair).content_type == "model/gltf-binary"
    # a token that allows only the generic type keeps it
    only_generic = put(token(chair, ct=[generic]), headers, chair)
    assert (only_generic.content_type, only_generic.stored.json_members()) == (generic, {})


def test_a_generic_type_never_becomes_an_active_one() -> None:
    headers = {"content-length": "3", "content-type": "application/octet-stream"}
    assert put(TRUSTED, headers, "page.html").content_type == "application/octet-stream"


# --- what a write stores --------------------------------------------------------------------


def test_put_options_store_only_what_the_token_grants() -> None:
    headers = {"content-length": "1", "content-type": "a/b"}
    plan = put(token(), headers)
    assert plan.options(plan.guard(None)) == {
        "httpMetadata": {"contentType": "a/b"},
        "onlyIf": {"etagDoesNotMatch": "*"},
    }
    full = put(token(sha256="AB" * 32, meta={"k": "v"}, cache="no-cache", ow=True), headers)
    assert full.options(full.guard(None)) == {
        "httpMetadata": {"contentType": "a/b", "cacheControl": "no-cache"},
        "customMetadata": {"k": "v"},
        "sha256": "ab" * 32,
    }


def test_a_token_stores_its_own_headers_and_ignores_the_request_s() -> None:
    writer = token(meta={"user": "7"}, cache="public, max-age=5")
    request_headers = {
        "content-length": "1",
        "cache-control": "max-age=1",
        "content-disposition": "attachment",
        "content-language": "en_US",  # not even checked: never stored
    }
    proposal = Proposal(KEY, 1, None, request_headers, {"bad name": "x"})
    plan = write(writer, proposal)
    assert plan.http_metadata == {
        "contentType": "model/gltf-binary",
        "cacheControl": "public, max-age=5",
    }
    assert plan.custom_metadata == {"user": "7"}
    assert not plan.trusted
    # asked for explicitly (a JSON body), they are refused rather than ignored
    explicit = Proposal(KEY, 1, metadata={"a": "b"}, explicit=True)
    assert error(write, writer, explicit) == (400, "invalid_request")


def test_a_create_only_token_put_does_not_ask_whether_it_replaced() -> None:
    headers = {"content-length": "3", "cache-control": "no-cache"}
    create_only = put(token(), headers)
    assert create_only.reports_replacement is False
    assert create_only.reads_current(reporting=True) is False
    assert create_only.options(None)["httpMetadata"] == {"contentType": "model/gltf-binary"}
    replacing = put(token(ow=True), headers)
    assert replacing.reports_replacement is True
    assert replacing.reads_current() is False
    assert replacing.reads_current(reporting=True) is True


def test_a_trusted_put_stores_the_request_headers_and_may_replace() -> None:
    headers = {
        "content-length": "3",
        "content-type": "text/plain",
        "cache-control": "no-cache",
        "content-disposition": "attachment",
    }
    plan = put(TRUSTED, headers)
    assert (plan.length, plan.content_type, plan.reports_replacement) == (3, "text/plain", True)
    assert plan.trusted and not plan.create_only
    assert plan.options(plan.guard(None)) == {
        "httpMetadata": {
            "contentType": "text/plain",
            "cacheControl": "no-cache",
            "contentDisposition": "attachment",
        }
    }
    untyped = put(TRUSTED, {"content-length": "3"})
    assert untyped.content_type == "model/gltf-binary"
    assert refused(TRUSTED, {"content-length": "1001"}) == (413, "too_large")
    assert refused(TRUSTED, {"content-length": "1", "cache-control": "a\nb"}) == (
        400,
        "invalid_header",
    )
    assert refused(TRUSTED, {"content-length": "1", "cache-control": "max-age=1\x00"}) == (
        400,
        "invalid_header",
    )


def test_a_trusted_put_keeps_the_storable_headers_only() -> None:
    headers = {
        "content-length": "1",
        "cache-control": "public, max-age=60",
        "content-disposition": 'attachment; filename="a.glb"',
        "content-encoding": "gzip",
        "content-language": "en",
        "x-other": "ignored",
        "authorization": "Bearer secret",
    }
    assert put(TRUSTED, headers).http_metadata == {
        "contentType": "model/gltf-binary",
        "cacheControl": "public, max-age=60",
        "contentDisposition": 'attachment; filename="a.glb"',
        "contentEncoding": "gzip",
        "contentLanguage": "en",
    }


# --- conditional writes ---------------------------------------------------------------------


def test_guard_without_conditions() -> None:
    trusted = put(TRUSTED, {"content-length": "1"})
    assert trusted.guard(None) is None and trusted.guard(FOUND) is None
    assert not trusted.reads_current()
    create_only = put(token(), {"content-length": "1"})
    assert create_only.guard(None) == {"etagDoesNotMatch": "*"}
    assert not create_only.reads_current()
    assert create_only.refusal().code == "already_exists"


def test_guard_passes_a_simple_condition_to_r2() -> None:
    plan = put(TRUSTED, {"content-length": "1", "if-match": '"e1"'})
    assert not plan.reads_current()
    assert not plan.reports_replacement  # R2's condition already says it replaced one
    only_if = plan.guard(None)
    assert only_if == {"etagMatches": "e1"}
    assert plan.status(None, only_if) == 200
    assert (plan.refusal().status, plan.refusal().code) == (412, "precondition_failed")
    none_match = put(TRUSTED, {"content-length": "1", "if-none-match": "*"})
    assert not none_match.reads_current(reporting=True)
    assert none_match.guard(None) == {"etagDoesNotMatch": "*"}
    assert none_match.status(None, {"etagDoesNotMatch": "*"}) == 201


def test_guard_pins_the_object_that_was_checked() -> None:
    plan = put(TRUSTED, {"content-length": "1", "if-match": '"e1", "e2"'})
    assert plan.reads_current()
    found = Current("e2", FOUND.uploaded)
    assert plan.guard(found) == {"etagMatches": "e2"}
    assert plan.status(found, plan.guard(found)) == 200
    assert error(plan.guard, Current("e3", FOUND.uploaded)) == (412, "precondition_failed")
    assert error(plan.guard, None) == (412, "precondition_failed")


def test_guard_with_a_create_only_grant() -> None:
    plan = put(token(), {"content-length": "1", "if-none-match": '"old"'})
    assert plan.reads_current()
    assert plan.guard(None) == {"etagDoesNotMatch": "*"}
    assert plan.status(None, plan.guard(None)) == 201
    assert error(plan.guard, Current("new", FOUND.uploaded)) == (412, "already_exists")
    # even the condition R2 could decide alone is checked first when create-only
    star = put(token(), {"content-length": "1", "if-none-match": "*"})
    assert star.reads_current()
    assert error(star.guard, FOUND) == (412, "precondition_failed")


# --- the stored headers, by their grammar ---------------------------------------------------


def stored_header(name: str, value: str, writer: Principal = TRUSTED) -> dict[str, str]:
    headers = {"content-length": "1", "content-type": "image/png", name: value}
    return put(writer, headers).http_metadata


@pytest.mark.parametrize(
    ("name", "member", "value", "stored"),
    [
        ("cache-control", "cacheControl", "no-cache", "no-cache"),
        ("cache-control", "cacheControl", "public, max-age=60", "public, max-age=60"),
        ("cache-control", "cacheControl", 'private="a, b"', 'private="a, b"'),
        ("cache-control", "cacheControl", " no-store ", "no-store"),
        ("cache-control", "cacheControl", "x" * 1024, "x" * 1024),
        ("content-disposition", "contentDisposition", 'attachment; filename="a.glb"', None),
        ("content-disposition", "contentDisposition", "inline", None),
        (
            "content-disposition",
            "contentDisposition",
            "attachment; filename*=UTF-8''a%20b.glb",
            None,
        ),
        ("content-encoding", "contentEncoding", "gzip", "gzip"),
        ("content-encoding", "contentEncoding", "GZIP, br", "gzip, br"),
        ("content-encoding", "contentEncoding", "gzip,br", "gzip, br"),
        ("content-encoding", "contentEncoding", "gzip, aws-chunked", "gzip"),
        ("content-encoding", "contentEncoding", "aws-chunked, gzip", "gzip"),
        ("content-language", "contentLanguage", "en", "en"),
        ("content-language", "contentLanguage", "en-US, fr", "en-US, fr"),
        ("content-language", "contentLanguage", "zh-Hant-TW", "zh-Hant-TW"),
    ],
)
def test_valid_stored_headers_are_stored(
    name: str, member: str, value: str, stored: str | None
) -> None:
    expected = value if stored is None else stored
    assert stored_header(name, value)[member] == expected
    # an S3 pair with limits stores its own headers, by the same grammar
    assert stored_header(name, value, s3_writer())[member] == expected


@pytest.mark.parametrize("value", ["aws-chunked", "AWS-Chunked", "aws-chunked,", ""])
def test_nothing_is_stored_for_an_empty_or_framing_only_encoding(value: str) -> None:
    assert stored_header("content-encoding", value) == {"contentType": "image/png"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cache-control", "a b"),
        ("cache-control", "x="),
        ("cache-control", "max-age=1 2"),
        ("cache-control", 'private="a, b'),
        ("cache-control", 'private="a\\'),
        ("cache-control", "no-cache\x01"),
        ("cache-control", "no-cache\r\nx-evil: 1"),
        ("cache-control", "no-cache\x7f"),
        ("cache-control", "max-age=é"),
        ("cache-control", "x" * 1025),
        ("cache-control", ","),
        ("content-disposition", "attachment; filename=a b"),
        ("content-disposition", "attachment; filename=a; filename=b"),
        ("content-disposition", "attachment; filename=a; FILENAME=b"),
        ("content-disposition", "; x"),
        ("content-disposition", "attachment; x"),
        ("content-disposition", 'attachment; filename="a.glb'),
        ("content-disposition", "attachment\nx"),
        ("content-encoding", "gzip;q=1"),
        ("content-encoding", "gzip br"),
        ("content-encoding", ","),
        ("content-language", "english-languages"),
        ("content-language", "en-abcdefghi"),
        ("content-language", "en_US"),
        ("content-language", "en-"),
        ("content-language", "1en"),
    ],
)
def test_invalid_stored_headers_are_400(name: str, value: str) -> None:
    with pytest.raises(ApiError) as caught:
        stored_header(name, value)
    assert (caught.value.status, caught.value.code) == (400, "invalid_header")
    title = "-".join(part.capitalize() for part in name.split("-"))
    assert title in caught.value.message
    assert error(stored_header, name, value, s3_writer()) == (400, "invalid_header")
    # and so does a copy that would carry it from its source
    copied = Proposal(KEY, 1, "image/png", {name: value}, None)
    assert error(write, TRUSTED, copied) == (400, "invalid_header")


# --- custom metadata ------------------------------------------------------------------------


def metadata_answer(metadata: dict[str, str], writer: Principal = TRUSTED) -> object:
    try:
        return write(writer, Proposal(KEY, 1, "image/png", {}, metadata)).custom_metadata
    except ApiError as failure:
        return failure.status, failure.code


@pytest.mark.parametrize(
    "metadata",
    [
        {"bad name": "v"},
        {"a:b": "v"},
        {"x\r\ny": "v"},
        {"a\x00": "v"},
        {"": "v"},
        {"é": "v"},
        {"n" * 129: "v"},
        {"a": "x\r\ny"},
        {"a": "x\x00"},
        {"a": "x\x7f"},
        {f"k{i}": "v" for i in range(65)},
        {"k": "v" * 8192},
        {"kk": "é" * 4096},
        {"a": "lone \ud800 surrogate"},
    ],
)
def test_invalid_metadata_is_400(metadata: dict[str, str]) -> None:
    assert metadata_answer(metadata) == (400, "invalid_metadata")
    assert metadata_answer(metadata, s3_writer()) == (400, "invalid_metadata")


@pytest.mark.parametrize(
    "metadata",
    [
        {"owner": "u1"},
        {"a": "café"},
        {"x-Custom_1.2~": "text with spaces, \"quotes\" and 'ticks'"},
        {f"k{i}": "v" for i in range(64)},
        {"k": "v" * 8191},
        {"n" * 128: ""},
    ],
)
def test_valid_metadata_is_stored(metadata: dict[str, str]) -> None:
    assert metadata_answer(metadata) == metadata
    assert metadata_answer(metadata, s3_writer()) == metadata


def test_a_token_s_metadata_is_checked_when_it_is_minted() -> None:
    for meta in ({"bad name": "v"}, {"a": "x\r\n"}, {"a": "\x00"}, {"k": "v" * 8192}):
        with pytest.raises(InvalidClaimError):
            token(meta=meta)


# --- one media type: no sandbox escape ------------------------------------------------------

ONE_TYPE_WRITERS = {
    "api key": TRUSTED,
    "token": token(ct=["application/pdf", "image/png"]),
    "s3 header-signed": s3_writer(presigned=False),
    "s3 presigned with limits": s3_writer(),
}


@pytest.mark.parametrize("writer", ONE_TYPE_WRITERS.values(), ids=ONE_TYPE_WRITERS.keys())
@pytest.mark.parametrize(
    "sent",
    [
        "application/pdf;,text/html",
        "application/pdf; x=1, text/html",
        "image/png, text/html",  # a second Content-Type field, joined
        "image/png,text/html",
        "application/pdf;;,text/html",
    ],
)
def test_a_content_type_that_hides_another_is_400(writer: Principal, sent: str) -> None:
    headers = {"content-length": "1", "content-type": sent}
    assert refused(writer, headers) == (400, "invalid_content_type")
    if isinstance(writer, TokenPrincipal):
        writer = mpu(KEY, ct=["application/pdf", "image/png"])
    assert error(decide_upload, writer, Proposal(KEY, content_type=sent)) == (
        400,
        "invalid_content_type",
    )


def test_a_trusted_writer_stores_the_canonical_type() -> None:
    headers = {"content-length": "1", "content-type": "Text/Plain;Charset=UTF-8"}
    plan = put(TRUSTED, headers)
    assert plan.content_type == "text/plain; charset=UTF-8"
    assert plan.http_metadata["contentType"] == "text/plain; charset=UTF-8"
    upload = decide_upload(TRUSTED, Proposal(KEY, content_type="Text/Plain;Charset=UTF-8"))
    assert upload.options["httpMetadata"]["contentType"] == "text/plain; charset=UTF-8"


# --- an S3 key pair's limits (presigned requests) -------------------------------------------


def test_a_header_signed_s3_request_is_trusted() -> None:
    writer = s3_writer(presigned=False)
    assert writer.upload is None
    plan = put(writer, {"content-length": "1000", "content-type": "text/html"})
    assert plan.trusted and not plan.create_only and plan.content_type == "text/html"


def test_s3_limits_bound_size_type_and_overwriting() -> None:
    writer = s3_writer()
    png = {"content-type": "image/png"}
    plan = put(writer, {"content-length": "1000", **png})
    assert plan.create_only and not plan.trusted
    assert plan.guard(None) == {"etagDoesNotMatch": "*"}
    assert plan.refusal().code == "already_exists"
    with pytest.raises(ApiError) as caught:
        put(writer, {"content-length": "1001", **png})
    assert (caught.value.status, caught.value.code) == (413, "too_large")
    assert caught.value.details == {"MaxSizeAllowed": "1000", "ProposedSize": "1001"}
    html = {"content-length": "1", "content-type": "text/html"}
    assert refused(writer, html, "a/b.html") == (415, "unsupported_media_type")
    assert refused(writer, {"content-length": "1", "content-type": "video/mp4"}) == (
        415,
        "unsupported_media_type",
    )
    # outside the pair's prefixes: refused before anything else
    scoped = s3_writer(prefixes=("up/",))
    assert refused(scoped, {"content-length": "1", **png}) == (403, "key_scope")


def test_s3_limits_store_the_request_s_own_headers_and_metadata() -> None:
    headers = {"cache-control": "public, max-age=60", "content-disposition": "inline"}
    proposal = Proposal(KEY, 10, "image/png", headers, {"owner": "u1"})
    plan = write(s3_writer(), proposal)
    assert plan.http_metadata == {
        "contentType": "image/png",
        "cacheControl": "public, max-age=60",
        "contentDisposition": "inline",
    }
    assert plan.custom_metadata == {"owner": "u1"}
    assert plan.options(plan.guard(None)) == {
        "httpMetadata": plan.http_metadata,
        "customMetadata": {"owner": "u1"},
        "onlyIf": {"etagDoesNotMatch": "*"},
    }


def test_s3_limits_without_create_only_may_replace() -> None:
    writer = s3_writer(UploadLimits(max_bytes=1000))
    plan = put(writer, {"content-length": "1", "content-type": "image/png"})
    assert not plan.create_only and plan.guard(None) is None
    assert refused(writer, {"content-length": "1", "content-type": "text/html"}) == (
        415,
        "unsupported_media_type",
    )


def test_s3_limits_bound_the_parts_of_an_upload_a_trusted_writer_created() -> None:
    writer = s3_writer()
    upload = manifest(key=KEY, content_type="image/png", part_size=8 * MIB)
    assert upload.max_bytes is None and upload.overwrite  # created without limits
    check_part(upload, None, 1, 6 * MIB)  # the trusted writer may
    assert error(check_part, upload, writer.upload, 1, 6 * MIB) == (413, "too_large")
    check_part(upload, writer.upload, 1, 1000)
    assert error(check_part, upload, writer.upload, 2, 1) == (413, "too_large")
    html = manifest(key=KEY, content_type="text/html", part_size=8 * MIB)
    check_part(html, None, 1, 10)
    assert error(check_part, html, writer.upload, 1, 10) == (415, "unsupported_media_type")


def test_s3_limits_bound_the_completion_of_an_upload_a_trusted_writer_created() -> None:
    writer = s3_writer()
    upload = manifest(key=KEY, content_type="image/png", client_sized=True)
    both = [(1, "etag1"), (2, "etag2")]
    six = records(5 * MIB, 1 * MIB)
    assert not decide_completion(upload, None, six, both, {}).create_only
    assert error(decide_completion, upload, writer.upload, six, both, {}) == (413, "too_large")
    small = decide_completion(upload, writer.upload, records(1000), [(1, "etag1")], {})
    assert small.create_only and small.reads_current
    assert error(small.check, FOUND) == (412, "already_exists")
    small.check(None)


def test_a_presigned_s3_upload_keeps_its_limits_in_its_record() -> None:
    writer = s3_writer()
    plan = decide_upload(writer, Proposal(KEY, content_type="image/png"))
    assert plan.bounds == writer.upload and plan.create_only
    assert error(plan.check_creatable, FOUND) == (412, "already_exists")
    assert error(decide_upload, writer, Proposal(KEY, content_type="text/html")) == (
        415,
        "unsupported_media_type",
    )
    recorded = Manifest.new(
        upload_id="a" * 32,
        key=KEY,
        r2_upload_id="r2",
        owner=writer.owner,
        part_size=8 * MIB,
        content_type=plan.content_type,
        now=0,
        max_age=60,
        bounds=plan.bounds,
        client_sized=True,
    )
    assert (recorded.max_bytes, recorded.overwrite) == (1000, False)
    # a trusted writer completing it is still bound by the record's limits
    assert error(check_part, recorded, None, 1, 1001) == (413, "too_large")
    assert part_bounds(recorded, None) == PartBounds(max_bytes=1000, create_only=True)


# --- multipart uploads: creation ------------------------------------------------------------


def test_an_api_key_upload_is_what_the_body_asked_for() -> None:
    body = creation({"metadata": {"a": "b"}, "cache_control": "no-cache"}, "x/a.png")
    plan = decide_upload(TRUSTED, body)
    assert (plan.key, plan.stored, plan.bounds, plan.create_only) == (
        "x/a.png",
        StoredType("image/png", from_key=True),
        None,
        False,
    )
    assert plan.options == {
        "httpMetadata": {"contentType": "image/png", "cacheControl": "no-cache"},
        "customMetadata": {"a": "b"},
    }
    plan.check_creatable(FOUND)  # may replace
    typed = decide_upload(TRUSTED, creation({"content_type": "model/vnd.usdz+zip"}, "x/a.png"))
    assert typed.stored == StoredType("model/vnd.usdz+zip")
    assert typed.options == {"httpMetadata": {"contentType": "model/vnd.usdz+zip"}}
    spaced = decide_upload(TRUSTED, creation({"content_type": " model/gltf-binary "}))
    assert spaced.content_type == "model/gltf-binary"


@pytest.mark.parametrize(
    ("document", "answer"),
    [
        ({"content_type": "text"}, (400, "invalid_content_type")),
        ({"content_type": "image/png, text/html"}, (400, "invalid_content_type")),
        ({"content_type": "image/*"}, (400, "invalid_content_type")),
        ({"content_type": "image/png;,x"}, (400, "invalid_content_type")),
    ],
)
def test_a_creation_s_values_are_the_policy_s(
    document: dict[str, object], answer: tuple[int, str]
) -> None:
    assert error(decide_upload, TRUSTED, creation(document)) == answer


@pytest.mark.parametrize("document", [{"metadata": {"a": "b"}}, {"cache_control": "no-store"}])
def test_a_token_upload_takes_metadata_only_from_the_token(document: dict[str, object]) -> None:
    assert error(decide_upload, mpu(), creation(document)) == (400, "invalid_request")
    decide_upload(TRUSTED, creation(document))


def test_a_token_upload_is_what_the_token_grants() -> None:
    writer = mpu(meta={"user": "7"}, cache="public, max-age=5")
    plan = decide_upload(writer, creation({}))
    assert plan.stored == StoredType("model/gltf-binary", from_key=True)
    assert plan.options == {
        "httpMetadata": {
            "contentType": "model/gltf-binary",
            "cacheControl": "public, max-age=5",
        },
        "customMetadata": {"user": "7"},
    }  # no create-only condition: R2's multipart upload has none ...
    assert plan.create_only and plan.bounds == writer.upload  # ... the handler checks first
    plan.check_creatable(None)
    assert error(plan.check_creatable, FOUND) == (412, "already_exists")
    assert not decide_upload(mpu(ow=True), creation({})).create_only


def test_only_an_mpu_token_for_the_key_may_create_an_upload() -> None:
    assert error(decide_upload, token("models/a.glb"), creation({})) == (403, "token_scope")
    assert error(decide_upload, mpu("models/b.glb"), creation({})) == (403, "token_scope")
    assert error(decide_upload, mpu(), creation({}, "models//a.glb")) == (400, "invalid_key")


def test_a_token_with_sha256_cannot_start_a_multipart_upload() -> None:
    writer = mpu("a.png", sha256="0" * 64)
    assert error(decide_upload, writer, creation({}, "a.png")) == (400, "checksum_unsupported")


def test_the_content_type_of_a_token_upload() -> None:
    def content_type(writer: TokenPrincipal, requested: str | None, key: str) -> str:
        document = {} if requested is None else {"content_type": requested}
        return decide_upload(writer, creation(document, key)).content_type

    assert content_type(mpu(ct=["image/png"]), None, "models/a.glb") == "image/png"
    assert content_type(mpu(), None, "models/a.glb") == "model/gltf-binary"
    assert content_type(mpu("x", ct=["image/*"]), "image/webp", "x") == "image/webp"
    text = creation({"content_type": "text/html"}, "x")
    assert error(decide_upload, mpu("x", ct=["image/*"]), text) == (415, "unsupported_media_type")
    assert error(decide_upload, mpu("x", ct=["*/*"]), text) == (415, "unsupported_media_type")
    assert content_type(mpu("x", ct=["text/html"]), "text/html", "x") == "text/html"
    generic = "application/octet-stream"
    assert content_type(mpu("v/a.mp4", ct=["video/*"]), generic, "v/a.mp4") == "video/mp4"
    for bad in ("image/png, text/html", "image/*", "image/png;,x"):
        assert error(decide_upload, mpu("x"), creation({"content_type": bad}, "x")) == (
            400,
            "invalid_content_type",
        )


# --- multipart uploads: parts ---------------------------------------------------------------


def test_a_part_may_be_up_to_the_part_size() -> None:
    check_part(manifest(), None, 1, SIZE)
    check_part(manifest(), None, 2, 1)  # smaller: only valid as the last part, checked later
    with pytest.raises(ApiError) as caught:
        check_part(manifest(), None, 1, SIZE + 1)
    assert (caught.value.status, caught.value.code) == (400, "part_size_mismatch")
    assert caught.value.details == {"MaxSizeAllowed": str(SIZE), "ProposedSize": str(SIZE + 1)}
    assert error(check_part, manifest(), None, 1, 0) == (400, "part_size_mismatch")


@pytest.mark.parametrize(
    ("upload", "sender"),
    [
        (manifest(max_bytes=SIZE + 10), None),  # the creating token's max, in the record
        (manifest(), mpu_bounds(max=SIZE + 10)),  # the max of the token sending the part
    ],
    ids=["record", "sender"],
)
def test_a_max_bounds_each_part_number(upload: Manifest, sender: UploadBounds | None) -> None:
    # two parts: SIZE, then at most 10
    check_part(upload, sender, 1, SIZE)
    check_part(upload, sender, 2, 10)
    check_part(upload, sender, 1, 10)  # the last part of a smaller upload
    assert error(check_part, upload, sender, 2, 11) == (413, "too_large")
    assert error(check_part, upload, sender, 3, 1) == (413, "too_large")


@pytest.mark.parametrize(
    ("upload", "sender"),
    [(manifest(exact_length=100), None), (manifest(), mpu_bounds(len=100))],
    ids=["record", "sender"],
)
def test_a_len_bounds_each_part_number(upload: Manifest, sender: UploadBounds | None) -> None:
    check_part(upload, sender, 1, 100)
    assert error(check_part, upload, sender, 1, 101) == (413, "too_large")
    assert error(check_part, upload, sender, 2, 1) == (413, "too_large")


def test_a_part_s_sender_must_be_allowed_the_upload_s_type() -> None:
    check_part(manifest(), mpu_bounds(ct=["model/*"]), 1, 1)
    assert error(check_part, manifest(), mpu_bounds(ct=["image/*"]), 1, 1) == (
        415,
        "unsupported_media_type",
    )
    html = manifest(content_type="text/html")
    assert error(check_part, html, mpu_bounds(), 1, 1) == (415, "unsupported_media_type")
    assert error(check_part, manifest(), mpu_bounds(sha256="0" * 64), 1, 1) == (
        400,
        "checksum_unsupported",
    )


@given(
    limit=st.integers(min_value=0, max_value=5 * SIZE),
    sizes=st.dictionaries(st.integers(1, 8), st.integers(1, SIZE), max_size=8),
)
def test_parts_that_pass_can_never_add_up_to_more_than_the_limit(
    limit: int, sizes: dict[int, int]
) -> None:
    # Whatever set of parts arrives (concurrently: each checked alone), what is stored fits.
    limits = PartBounds(max_bytes=limit)
    accepted = {n: size for n, size in sizes.items() if size <= largest_part(manifest(), n, limits)}
    assert sum(accepted.values()) <= limit


@given(
    limit=st.integers(min_value=0, max_value=5 * SIZE),
    sizes=st.dictionaries(st.integers(1, 8), st.integers(0, SIZE + 1), max_size=8),
)
def test_parts_check_part_accepts_never_add_up_to_more_than_the_limit(
    limit: int, sizes: dict[int, int]
) -> None:
    upload = manifest(max_bytes=limit)
    accepted = {}
    for number, size in sizes.items():
        try:
            check_part(upload, None, number, size)
        except ApiError as failure:
            assert failure.status in (400, 413)
            continue
        accepted[number] = size
    assert sum(accepted.values()) <= limit


def test_bounds_combine_the_record_and_the_sender() -> None:
    assert part_bounds(manifest(), None) == PartBounds()
    assert not PartBounds().bounded
    assert part_bounds(manifest(max_bytes=100), None) == PartBounds(max_bytes=100)
    assert part_bounds(manifest(max_bytes=100), mpu_bounds(max=50, ow=True)) == PartBounds(
        max_bytes=50
    )
    assert part_bounds(manifest(max_bytes=100), mpu_bounds(max=500, ow=True)) == PartBounds(
        max_bytes=100
    )
    assert part_bounds(manifest(), mpu_bounds(len=7, ow=True)) == PartBounds(exact_length=7)
    assert part_bounds(manifest(exact_length=7), mpu_bounds(len=7, ow=True)) == PartBounds(
        exact_length=7
    )
    assert error(part_bounds, manifest(exact_length=7), mpu_bounds(len=8)) == (
        400,
        "length_mismatch",
    )
    # create-only when the record or the sender is
    assert part_bounds(manifest(), mpu_bounds()) == PartBounds(create_only=True)
    assert part_bounds(manifest(overwrite=False), None) == PartBounds(create_only=True)


# --- multipart uploads: completion ----------------------------------------------------------


def plan(
    received: dict[int, PartRecord],
    requested: list[tuple[int, str]],
    sender: UploadBounds | None = None,
    preconditions: Mapping[str, str] | None = None,
    **record: object,
) -> list[dict[str, Any]]:
    completion = decide_completion(
        manifest(**record), sender, received, requested, preconditions or {}
    )
    return completion.parts


def test_a_complete_list_becomes_r2s_part_list() -> None:
    received = records(SIZE, SIZE, 3)
    assert plan(received, [(1, "etag1"), (2, "etag2"), (3, "etag3")]) == [
        {"partNumber": 1, "etag": "etag1"},
        {"partNumber": 2, "etag": "etag2"},
        {"partNumber": 3, "etag": "etag3"},
    ]
    assert plan(records(7), [(1, "etag1")]) == [{"partNumber": 1, "etag": "etag1"}]
    completion = decide_completion(
        manifest(), None, received, [(1, "etag1"), (2, "etag2"), (3, "etag3")], {}
    )
    assert completion.size == 2 * SIZE + 3
    assert not completion.create_only and not completion.reads_current


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


@pytest.mark.parametrize("where", ["record", "sender"])
def test_completion_rechecks_the_bounds(where: str) -> None:
    # Parallel parts may each pass their own check: the sum is checked again at the end.
    requested = [(1, "etag1"), (2, "etag2")]

    def complete(**limits: int) -> list[dict[str, Any]]:
        if where == "record":
            return plan(records(SIZE, 10), requested, **limits)
        claims = {"max": limits.get("max_bytes"), "len": limits.get("exact_length")}
        sender = mpu_bounds(**{k: v for k, v in claims.items() if v is not None})
        return plan(records(SIZE, 10), requested, sender)

    assert error(complete, max_bytes=SIZE + 9) == (413, "too_large")
    complete(max_bytes=SIZE + 10)
    assert error(complete, exact_length=SIZE + 11) == (400, "length_mismatch")
    complete(exact_length=SIZE + 10)


def test_completion_checks_the_sender_s_type() -> None:
    requested = [(1, "etag1")]
    assert error(plan, records(3), requested, mpu_bounds(ct=["image/*"])) == (
        415,
        "unsupported_media_type",
    )


@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=30))
def test_any_accepted_list_is_exactly_one_to_n(numbers: list[int]) -> None:
    received = {n: PartRecord(n, SIZE, f"etag{n}") for n in range(1, 31)}
    requested = [(n, f"etag{n}") for n in numbers]
    try:
        result = decide_completion(manifest(), None, received, requested, {}).parts
    except ApiError as failure:
        assert failure.status == 400
        return
    assert [part["partNumber"] for part in result] == list(range(1, 31))


def completion(preconditions: Mapping[str, str], **record: object):  # type: ignore[no-untyped-def]
    return decide_completion(manifest(**record), None, records(3), [(1, "etag1")], preconditions)


def test_a_completion_s_if_none_match_star_is_checked_against_the_key() -> None:
    checked = completion({"if-none-match": "*"})
    assert checked.reads_current
    checked.check(None)
    assert error(checked.check, FOUND) == (412, "precondition_failed")


def test_a_completion_s_if_match_is_checked_against_the_key() -> None:
    wrong = completion({"if-match": '"other"'})
    assert wrong.reads_current
    assert error(wrong.check, FOUND) == (412, "precondition_failed")
    assert error(wrong.check, None) == (412, "precondition_failed")
    right = completion({"if-match": '"e1"'})
    right.check(FOUND)


def test_a_create_only_upload_completes_only_where_nothing_is() -> None:
    create_only = completion({}, overwrite=False)
    assert create_only.create_only and create_only.reads_current
    create_only.check(None)
    assert error(create_only.check, FOUND) == (412, "already_exists")
    free = completion({})
    assert not free.reads_current
    free.check(FOUND)


# --- deletes --------------------------------------------------------------------------------


def test_a_delete_without_preconditions_reads_nothing() -> None:
    plan = decide_delete(TRUSTED, KEY, {})
    assert plan.key == KEY and not plan.reads_current
    plan.check(FOUND)
    plan.check(None)


def test_a_delete_s_if_match_must_hold() -> None:
    wrong = decide_delete(TRUSTED, KEY, {"if-match": '"other"'})
    assert wrong.reads_current
    assert error(wrong.check, FOUND) == (412, "precondition_failed")
    right = decide_delete(TRUSTED, KEY, {"if-match": '"e1"'})
    right.check(FOUND)
    unmodified = decide_delete(
        TRUSTED, KEY, {"if-unmodified-since": "Wed, 31 Dec 2025 00:00:00 GMT"}
    )
    assert error(unmodified.check, FOUND) == (412, "precondition_failed")


def test_who_may_delete() -> None:
    decide_delete(token(op="delete"), KEY, {})
    assert error(decide_delete, token(), KEY, {}) == (403, "token_scope")
    assert error(decide_delete, token(op="delete"), "a/c.glb", {}) == (403, "token_scope")
    assert error(decide_delete, TRUSTED, "a//b", {}) == (400, "invalid_key")
    decide_delete(s3_writer(presigned=False), KEY, {})


def test_an_uploads_declared_length_is_checked_at_creation() -> None:
    """tus's Upload-Length: within a bounded writer's max and exact length, or refused."""
    trusted = decide_upload(TRUSTED, Proposal(KEY))
    check_upload_length(trusted, 10**12)
    check_upload_length(trusted, None)
    bounded = TokenPrincipal(parse_claims({"op": "mpu", "key": KEY, "max": 100}))
    plan = decide_upload(bounded, Proposal(KEY))
    check_upload_length(plan, 100)
    check_upload_length(plan, None)  # deferred: the PATCHes are bounded
    with pytest.raises(ApiError) as error:
        check_upload_length(plan, 101)
    assert (error.value.status, error.value.code) == (413, "too_large")
    exact = TokenPrincipal(parse_claims({"op": "mpu", "key": KEY, "len": 50}))
    with pytest.raises(ApiError) as error:
        check_upload_length(decide_upload(exact, Proposal(KEY)), 49)
    assert (error.value.status, error.value.code) == (400, "length_mismatch")
