"""The core pieces the S3 wiring added: settings, the S3 principal, copy preconditions and
options, client-sized multipart completion, ApiError translation, the bucket name."""

from __future__ import annotations

import json
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from r2gate.apikeys import ApiKey
from r2gate.auth import Operation, S3Principal, identify
from r2gate.errors import ApiError
from r2gate.objects import ObjectInfo
from r2gate.s3.errors import (
    AccessDenied,
    EntityTooLarge,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidRange,
    NoSuchKey,
    PreconditionFailed,
    SignatureDoesNotMatch,
    SlowDown,
)
from r2gate.s3.operations import (
    CopyPlan,
    copy_preconditions_hold,
    copy_proposal,
    plan_copy,
    response_overrides,
)
from r2gate.s3.request import S3Request
from r2gate.s3.settings import parse_s3_settings
from r2gate.s3.translate import s3_error_from, single_put_too_large
from r2gate.settings import parse_settings
from r2gate.upload_records import Manifest, PartRecord
from r2gate.write_policy import MAX_SINGLE_WRITE, MIB, decide_completion, decide_write

from .boto import (
    BUCKET,
    ROOT_ID,
    ROOT_SECRET,
    TENANT_ID,
    TENANT_SECRET,
    client,
    presigned,
    sent_one,
)

ROOT = Path(__file__).resolve().parents[3]
PAIR = {"S3_ACCESS_KEY_ID": ROOT_ID, "S3_SECRET_ACCESS_KEY": ROOT_SECRET, "S3_BUCKET": BUCKET}
TENANT = json.dumps(
    {
        "credentials": [
            {
                "name": "tenant42",
                "access_key_id": TENANT_ID,
                "secret_access_key": TENANT_SECRET,
                "ops": ["read", "write", "sign"],
                "prefixes": ["t42/"],
                "limits": {"max_bytes": 100, "content_types": ["image/*"], "create_only": True},
            }
        ]
    }
)


# --- settings -----------------------------------------------------------------------------


def test_wrangler_toml_names_the_bound_bucket_for_s3_clients() -> None:
    config = tomllib.loads((ROOT / "wrangler.toml").read_text())
    (binding,) = [b for b in config["r2_buckets"] if b["binding"] == "BUCKET"]
    assert config["vars"]["S3_BUCKET"] == binding["bucket_name"]


def test_s3_settings_pair_credentials_and_bucket() -> None:
    settings = parse_settings({**PAIR, "S3_CREDENTIALS": TENANT})
    assert settings.s3.bucket == BUCKET
    assert sorted(c.name for c in settings.s3.keyring) == ["s3-default", "tenant42"]
    assert parse_settings({}).s3.bucket is None
    assert len(parse_settings({}).s3.keyring) == 0


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"S3_ACCESS_KEY_ID": ROOT_ID}, "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY"),
        ({"S3_CREDENTIALS": "[]"}, "S3_CREDENTIALS"),
        ({"S3_BUCKET": "Not_A_Bucket"}, "S3_BUCKET"),
        ({**PAIR, "API_KEY": ROOT_SECRET}, "also an API key's secret"),
    ],
)
def test_bad_s3_settings_are_server_misconfigured_without_secrets(raw: dict, named: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_settings(raw)
    assert (refused.value.status, refused.value.code) == (500, "server_misconfigured")
    assert named in refused.value.message
    assert ROOT_SECRET not in refused.value.message


def test_an_api_key_secret_is_checked_against_scoped_s3_secrets_too() -> None:
    keys = [ApiKey.full_access(TENANT_SECRET)]
    with pytest.raises(ValueError, match="tenant42"):
        parse_s3_settings({"S3_CREDENTIALS": TENANT}, keys)


# --- the S3 principal ---------------------------------------------------------------------


def _identify(request, raw=None):  # type: ignore[no-untyped-def]
    settings = parse_settings(raw or {**PAIR, "S3_CREDENTIALS": TENANT})
    return identify(
        request.headers,
        request.query,
        settings,
        int(time.time()),
        method=request.method,
        path=request.path,
    )


def test_identify_with_method_and_path_verifies_sigv4() -> None:
    request, _ = sent_one(lambda s3: s3.head_object(Bucket=BUCKET, Key="a/b.txt"))
    principal = _identify(request)
    assert isinstance(principal, S3Principal)
    assert not principal.presigned
    assert principal.owner == "s3:s3-default"
    assert principal.upload is None
    assert principal.allows(Operation.DELETE, "anything")


def test_a_presigned_request_needs_sign_and_carries_the_limits() -> None:
    tenant = client(key_id=TENANT_ID, secret=TENANT_SECRET)
    url = tenant.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "t42/a"})
    principal = _identify(presigned(url, "PUT", {"host": "127.0.0.1:8787"}))
    assert isinstance(principal, S3Principal) and principal.presigned
    assert principal.upload is not None
    assert (principal.upload.max_bytes, principal.upload.overwrite) == (100, False)
    assert principal.upload.content_types == ("image/*",)
    assert principal.allows(Operation.WRITE, "t42/a")
    assert not principal.allows(Operation.WRITE, "t420/a")
    assert not principal.allows(Operation.DELETE, "t42/a")


def test_a_request_signed_for_another_path_does_not_verify() -> None:
    request, _ = sent_one(lambda s3: s3.head_object(Bucket=BUCKET, Key="a/b.txt"))
    settings = parse_settings(PAIR)
    with pytest.raises(SignatureDoesNotMatch):
        identify(
            request.headers,
            request.query,
            settings,
            int(time.time()),
            method="HEAD",
            path=request.path.replace("b.txt", "c.txt"),
        )


# --- CopyObject ---------------------------------------------------------------------------

UPLOADED = datetime(2026, 11, 26, 9, 40, 38, 500000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("conditions", "holds"),
    [
        ({}, True),
        ({"etagMatches": "abc"}, True),
        ({"etagMatches": "zzz"}, False),
        ({"etagDoesNotMatch": "abc"}, False),
        ({"etagDoesNotMatch": "*"}, False),
        ({"uploadedAfter": "Thu, 26 Nov 2026 09:40:38 GMT"}, False),
        ({"uploadedAfter": "Thu, 26 Nov 2026 09:40:37 GMT"}, True),
        ({"uploadedBefore": "Thu, 26 Nov 2026 09:40:37 GMT"}, False),
        ({"uploadedBefore": "Thu, 26 Nov 2026 09:40:37 GMT", "etagMatches": "abc"}, True),
        ({"uploadedAfter": "Thu, 26 Nov 2026 09:40:39 GMT", "etagDoesNotMatch": "x"}, True),
        ({"uploadedAfter": "not a date"}, True),
    ],
)
def test_copy_source_preconditions(conditions: dict[str, str], holds: bool) -> None:
    plan = CopyPlan("src", False, conditions)
    assert copy_preconditions_hold(plan, "abc", UPLOADED) is holds


def _root() -> S3Principal:
    request, _ = sent_one(lambda s3: s3.head_object(Bucket=BUCKET, Key="a/b.txt"))
    principal = _identify(request)
    assert isinstance(principal, S3Principal)
    return principal


def _limited() -> S3Principal:
    tenant = client(key_id=TENANT_ID, secret=TENANT_SECRET)
    url = tenant.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "t42/a"})
    principal = _identify(presigned(url, "PUT", {"host": "127.0.0.1:8787"}))
    assert isinstance(principal, S3Principal) and principal.upload is not None
    return principal


def _copy_request(headers: dict[str, str] | None = None) -> S3Request:
    wire = {"x-amz-copy-source": f"/{BUCKET}/src", **(headers or {})}
    return S3Request("PUT", f"/api/s3/{BUCKET}/t42/dst.txt", "", wire)


def _source(**fields: object) -> ObjectInfo:
    values: dict = {
        "key": "src",
        "size": 1,
        "etag": "abc",
        "http_etag": '"abc"',
        "uploaded": UPLOADED,
        "content_type": "text/plain",
        "cache_control": "no-cache",
        "custom_metadata": {"a": "b"},
    }
    values.update(fields)
    return ObjectInfo(**values)


def test_copy_keeps_the_stored_headers_and_metadata() -> None:
    request = _copy_request()
    proposal = copy_proposal(request, plan_copy(request, BUCKET), _source(), "t42/dst.txt")
    plan = decide_write(_root(), proposal, max_single=MAX_SINGLE_WRITE)
    assert plan.options(plan.guard(None)) == {
        "httpMetadata": {"contentType": "text/plain", "cacheControl": "no-cache"},
        "customMetadata": {"a": "b"},
    }


def test_a_copy_that_replaces_takes_the_request_s_headers() -> None:
    request = _copy_request(
        {
            "x-amz-metadata-directive": "REPLACE",
            "content-type": "image/png",
            "x-amz-meta-c": "d",
            "if-none-match": "*",
        }
    )
    proposal = copy_proposal(request, plan_copy(request, BUCKET), _source(), "t42/dst.txt")
    plan = decide_write(_root(), proposal, max_single=MAX_SINGLE_WRITE)
    assert plan.length == 1
    assert plan.options(plan.guard(None)) == {
        "httpMetadata": {"contentType": "image/png"},
        "customMetadata": {"c": "d"},
        "onlyIf": {"etagDoesNotMatch": "*"},
    }


def test_a_copy_passes_the_write_policy_too() -> None:
    request = _copy_request()
    copy = plan_copy(request, BUCKET)
    # a source stored before r2gate checked what objects carry: its values are checked again
    for source in (
        _source(content_type="application/pdf;,text/html"),
        _source(cache_control="max-age=1 2"),
        _source(custom_metadata={"bad name": "x"}),
    ):
        with pytest.raises(ApiError) as caught:
            decide_write(_root(), copy_proposal(request, copy, source, "t42/d.txt"), max_single=10)
        assert caught.value.status == 400
        assert isinstance(s3_error_from(caught.value), InvalidArgument)
    # the pair's limits bound a copy as any write
    big = _source(size=101, content_type="image/png")
    with pytest.raises(ApiError) as caught:
        limited = _limited()
        decide_write(limited, copy_proposal(request, copy, big, "t42/d.png"), max_single=1000)
    assert isinstance(s3_error_from(caught.value), EntityTooLarge)


# --- client-sized multipart uploads -------------------------------------------------------


def _manifest() -> Manifest:
    return Manifest.new(
        upload_id="0" * 32,
        key="k",
        r2_upload_id="r2",
        owner="s3:s3-default",
        part_size=100 * 1000 * 1000,
        content_type="application/octet-stream",
        now=0,
        max_age=86400,
        bounds=None,
        client_sized=True,
    )


def test_a_client_sized_manifest_round_trips() -> None:
    manifest = _manifest()
    again = Manifest.from_row(manifest.to_row())
    assert again.client_sized and again == manifest
    with pytest.raises(ValueError):
        Manifest.from_row({**manifest.to_row(), "client_sized": "yes"})


def test_s3_completes_any_received_parts_in_order_the_native_api_every_one() -> None:
    mib = 1024 * 1024
    records = {n: PartRecord(n, 5 * mib, f"e{n}") for n in (1, 2, 3, 4)}
    plan = decide_completion(
        _manifest(), None, records, [(1, "e1"), (3, "e3")], {}, every_part=False
    )
    assert [part["partNumber"] for part in plan.parts] == [1, 3]
    with pytest.raises(ApiError) as caught:
        decide_completion(_manifest(), None, records, [(1, "e1"), (3, "e3")], {})
    assert caught.value.code == "invalid_part"
    with pytest.raises(ApiError) as caught:
        decide_completion(_manifest(), None, records, [(3, "e3"), (1, "e1")], {}, every_part=False)
    assert caught.value.code == "invalid_part_order"


def _complete(sizes: list[int]) -> list[dict]:
    records = {n: PartRecord(n, size, f"e{n}") for n, size in enumerate(sizes, start=1)}
    requested = [(n, f"e{n}") for n in records]
    return decide_completion(_manifest(), None, records, requested, {}).parts


def test_client_sized_parts_are_uniform_except_the_last() -> None:
    assert len(_complete([8 * MIB, 8 * MIB, 3])) == 3
    assert len(_complete([3])) == 1  # one small part is a whole object
    with pytest.raises(ApiError) as small:
        _complete([3 * MIB, 3 * MIB])
    assert small.value.code == "part_too_small"
    with pytest.raises(ApiError) as uneven:
        _complete([8 * MIB, 6 * MIB, 1])
    assert uneven.value.code == "part_size_mismatch"
    with pytest.raises(ApiError) as larger_last:
        _complete([5 * MIB, 6 * MIB])
    assert larger_last.value.code == "part_size_mismatch"


# --- ApiError -> S3 error -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (ApiError(404, "not_found", "m"), NoSuchKey, 404),
        (ApiError(412, "already_exists", "m"), PreconditionFailed, 412),
        (
            ApiError(416, "range_not_satisfiable", "m", {"Content-Range": "bytes */3"}),
            InvalidRange,
            416,
        ),
        (ApiError(400, "part_too_small", "m"), EntityTooSmall, 400),
        (ApiError(400, "part_size_mismatch", "m"), InvalidPart, 400),
        (ApiError(429, "rate_limited", "m", {"Retry-After": "1"}), SlowDown, 503),
    ],
)
def test_api_errors_become_the_s3_error_clients_expect(error, kind, status) -> None:  # type: ignore[no-untyped-def]
    translated = s3_error_from(error)
    assert isinstance(translated, kind) and translated.status == status
    assert translated.headers == error.headers


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("invalid_content_type", InvalidArgument),
        ("invalid_content_length", InvalidArgument),
        ("invalid_header", InvalidArgument),
        ("invalid_metadata", InvalidArgument),
        ("unsupported_media_type", AccessDenied),
    ],
)
def test_the_write_policy_s_refusals_become_s3_errors(code: str, kind: type) -> None:
    assert type(s3_error_from(ApiError(400, code, "m"))) is kind


def test_sizes_go_along_as_the_error_document_s_elements() -> None:
    sizes = {"MaxSizeAllowed": "10", "ProposedSize": "11"}
    too_large = s3_error_from(ApiError(413, "too_large", "m", details=sizes))
    assert isinstance(too_large, EntityTooLarge) and too_large.details == sizes
    # a part over the upload's part size is too large, any other mismatch an invalid part
    part = s3_error_from(ApiError(400, "part_size_mismatch", "m", details=sizes))
    assert isinstance(part, EntityTooLarge) and part.details == sizes
    assert isinstance(s3_error_from(ApiError(400, "part_size_mismatch", "m")), InvalidPart)


def test_unknown_api_errors_keep_their_class() -> None:
    assert s3_error_from(ApiError(502, "storage_error", "m")).code == "InternalError"
    assert s3_error_from(ApiError(403, "cors_denied", "m")).code == "AccessDenied"
    assert s3_error_from(ApiError(400, "whatever", "m")).code == "InvalidRequest"


# --- GetObject's response-* overrides -----------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "allowed"),
    [
        ("image/png", True),
        ("application/octet-stream", True),
        ("text/plain; charset=utf-8", True),
        ("text/html", False),
        ("image/svg+xml", False),
        ("application/javascript", False),
        ("TEXT/HTML; charset=utf-8", False),
        ("not a type", False),
    ],
)
def test_a_signed_url_may_not_serve_an_object_as_an_active_type(
    content_type: str, allowed: bool
) -> None:
    url = client().generate_presigned_url(
        "get_object",
        Params={"Bucket": BUCKET, "Key": "a.png", "ResponseContentType": content_type},
    )
    request = presigned(url)
    if allowed:
        assert response_overrides(request) == {"Content-Type": content_type}
    else:
        with pytest.raises(InvalidArgument):
            response_overrides(request)


def test_an_oversized_single_put_names_each_tools_multipart_setting() -> None:
    limit = 100 * 1000 * 1000
    sizes = {"MaxSizeAllowed": str(limit), "ProposedSize": str(150 * 1024 * 1024)}
    error = single_put_too_large(ApiError(413, "too_large", "m", details=sizes))
    assert error.code == "EntityTooLarge" and error.details == sizes
    # 95 MiB: rclone's cutoff must stay under the limit, so it is rounded down
    assert "--s3-upload-cutoff=95Mi" in error.message and "multipart_threshold" in error.message
