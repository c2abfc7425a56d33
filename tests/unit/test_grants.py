"""Keys, claims and response bodies of the signing endpoints."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from r2gate.api_requests import parse_download_request, parse_upload_request
from r2gate.apikeys import ApiKey
from r2gate.errors import ApiError
from r2gate.grants import (
    download_claims,
    download_response,
    expires_in,
    iso_time,
    object_url,
    origin,
    upload_claims,
    upload_key,
    upload_response,
)
from r2gate.tokens import TokenConfig, parse_claims

NOW = datetime(2026, 11, 21, 8, 21, 54, tzinfo=UTC)
FULL = ApiKey.full_access("full-access-key-0123456789")
TENANT = ApiKey("tenant", "tenant-key-0123456789", frozenset({"write", "sign"}), ("tenant-42/",))
TWO = ApiKey("two", "two-folders-key-0123456789", frozenset({"write", "sign"}), ("a/", "b/"))


def request(**members: object):
    return parse_upload_request({"content_type": "model/gltf-binary", **members})


def test_explicit_key_is_kept() -> None:
    assert upload_key(request(key="x/y.glb"), TENANT, NOW, "0123abcd") == "x/y.glb"


def test_generated_key_uses_the_default_folder_for_full_access() -> None:
    key = upload_key(request(filename="Chair (v2).glb"), FULL, NOW, "0123abcd")
    assert key == "models/20261121_082154_0123abcd_Chair_v2_.glb"


def test_generated_key_goes_under_a_single_scope_prefix() -> None:
    key = upload_key(request(filename="chair.glb"), TENANT, NOW, "0123abcd")
    assert key == "tenant-42/20261121_082154_0123abcd_chair.glb"


def test_request_prefix_wins() -> None:
    assert upload_key(request(filename="c.glb", prefix="b/"), TWO, NOW, "0123abcd").startswith(
        "b/2026"
    )
    assert upload_key(request(filename="c.glb", prefix=""), FULL, NOW, "0123abcd").startswith(
        "2026"
    )


def test_several_scope_prefixes_need_an_explicit_one() -> None:
    with pytest.raises(ApiError) as caught:
        upload_key(request(filename="c.glb"), TWO, NOW, "0123abcd")
    assert (caught.value.status, caught.value.code) == (400, "prefix_required")


def test_generated_key_over_1024_bytes_is_invalid() -> None:
    with pytest.raises(ApiError) as caught:
        upload_key(request(filename="c.glb", prefix="p" * 1000 + "/"), FULL, NOW, "0123abcd")
    assert caught.value.code == "invalid_key"


def test_upload_claims_are_valid_token_claims() -> None:
    claims = upload_claims(
        request(
            key="a.glb",
            max_bytes=5,
            sha256="ab" * 32,
            metadata={"k": "v"},
            cache_control="no-cache",
            overwrite=True,
        ),
        "a.glb",
        100,
    )
    assert claims == {
        "op": "put",
        "key": "a.glb",
        "ct": ["model/gltf-binary"],
        "max": 5,
        "sha256": "ab" * 32,
        "meta": {"k": "v"},
        "cache": "no-cache",
        "ow": True,
    }
    grant = parse_claims(claims)
    assert grant.overwrite and grant.max_bytes == 5


def test_upload_claims_default_and_limit_max() -> None:
    claims = upload_claims(
        request(key="a.glb", content_type="text/plain; charset=utf-8"), "a.glb", 100
    )
    assert (claims["max"], claims["ct"], "ow" in claims) == (100, ["text/plain"], False)
    with pytest.raises(ApiError) as caught:
        upload_claims(request(key="a.glb", max_bytes=101), "a.glb", 100)
    assert caught.value.code == "invalid_request"


def test_urls() -> None:
    assert origin("https://r2.example.com:8443/api/v1/uploads?x=1") == "https://r2.example.com:8443"
    assert object_url("https://h", "a b/ü#?.glb") == "https://h/a%20b/%C3%BC%23%3F.glb"
    assert object_url("https://h", "a", "x.y.z") == "https://h/a?token=x.y.z"


def test_times() -> None:
    assert iso_time(0) == "1970-01-01T00:00:00Z"
    config = TokenConfig(keys={"k": "s" * 32}, max_lifetime=300)
    assert expires_in(None, config) == 300
    assert expires_in(60, config) == 60
    assert expires_in(None, TokenConfig(keys={"k": "s" * 32})) == 900


def test_response_bodies() -> None:
    upload = request(key="a b.glb")
    body = upload_response(upload, "https://h", "a b.glb", "t.o.k", 0, 10, public=True)
    assert body == {
        "upload_url": "https://h/a%20b.glb?token=t.o.k",
        "method": "PUT",
        "headers": {"Content-Type": "model/gltf-binary"},
        "key": "a b.glb",
        "token": "t.o.k",
        "expires_at": "1970-01-01T00:00:00Z",
        "public_url": "https://h/a%20b.glb",
        "max_bytes": 10,
    }
    assert upload_response(upload, "https://h", "k", "t", 0, 1, public=False)["public_url"] is None
    download = parse_download_request({"key": "p/a.pdf", "download_name": "A.pdf"})
    assert download_claims(download) == {"op": "get", "key": "p/a.pdf", "dn": "A.pdf"}
    assert download_claims(parse_download_request({"key": "k"})) == {"op": "get", "key": "k"}
    link = download_response("https://h", "p/a.pdf", "t", 60)
    assert link["url"] == "https://h/p/a.pdf?token=t"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", link["expires_at"])
