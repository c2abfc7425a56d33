"""Keys, claims and response bodies of the signing endpoints."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import jwt
import pytest

from r2gate.api_requests import parse_download_request, parse_upload_request
from r2gate.apikeys import ApiKey
from r2gate.auth import KeyPrincipal, Principal, TokenPrincipal
from r2gate.errors import ApiError
from r2gate.grants import (
    download_claims,
    download_response,
    expires_in,
    iso_time,
    issue_download,
    issue_upload,
    object_url,
    origin,
    signing_config,
    upload_claims,
    upload_key,
    upload_response,
)
from r2gate.settings import parse_settings
from r2gate.tokens import TokenConfig, parse_claims

NOW = datetime(2026, 11, 21, 8, 21, 54, tzinfo=UTC)
FULL = ApiKey.full_access("full-access-key-0123456789")
TENANT = ApiKey("tenant", "tenant-key-0123456789", frozenset({"write", "sign"}), ("tenant-42/",))
TWO = ApiKey("two", "two-folders-key-0123456789", frozenset({"write", "sign"}), ("a/", "b/"))


def request(**members: object):
    return parse_upload_request({"content_type": "model/gltf-binary", **members})


def test_explicit_key_is_kept() -> None:
    assert upload_key(request(key="x/y.glb"), TENANT.prefixes, NOW, "0123abcd") == "x/y.glb"


def test_generated_key_uses_the_default_folder_for_full_access() -> None:
    key = upload_key(request(filename="Chair (v2).glb"), FULL.prefixes, NOW, "0123abcd")
    assert key == "models/20261121_082154_0123abcd_Chair_v2_.glb"


def test_generated_key_goes_under_a_single_scope_prefix() -> None:
    key = upload_key(request(filename="chair.glb"), TENANT.prefixes, NOW, "0123abcd")
    assert key == "tenant-42/20261121_082154_0123abcd_chair.glb"


def test_request_prefix_wins() -> None:
    assert upload_key(
        request(filename="c.glb", prefix="b/"), TWO.prefixes, NOW, "0123abcd"
    ).startswith("b/2026")
    assert upload_key(
        request(filename="c.glb", prefix=""), FULL.prefixes, NOW, "0123abcd"
    ).startswith("2026")


def test_several_scope_prefixes_need_an_explicit_one() -> None:
    with pytest.raises(ApiError) as caught:
        upload_key(request(filename="c.glb"), TWO.prefixes, NOW, "0123abcd")
    assert (caught.value.status, caught.value.code) == (400, "prefix_required")


def test_the_longest_prefix_still_gives_a_key_within_1024_bytes() -> None:
    prefix = "\U0001f600" * 223 + "/"  # 224 characters of 4 bytes (and one of 1)
    long_name = "n" * 300 + ".glb"
    key = upload_key(request(filename=long_name, prefix=prefix), FULL.prefixes, NOW, "0123abcd")
    assert key.startswith(prefix) and len(key.encode()) <= 1024
    with pytest.raises(ApiError) as caught:
        request(filename="c.glb", prefix="p" * 1000 + "/")
    assert caught.value.code == "invalid_request"


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
    assert (claims["max"], claims["ct"], "ow" in claims) == (
        100,
        ["text/plain; charset=utf-8"],
        False,
    )
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


# --- issuing: what POST /api/v1/uploads and /api/v1/downloads answer ----------------------

SECRET = "issuing-secret-" + "s" * 32
SETTINGS = parse_settings(
    {
        "SIGNING_KEYS": json.dumps({"k1": SECRET}),
        "MAX_PUT_BYTES": "1000",
        "CACHE_POLICY": json.dumps({"rules": [{"prefix": "private/", "private": True}]}),
    }
)
ISSUED = 1_700_000_000
BASE = "https://assets.example.com"
NOW_STAMP = "20231114_221320"  # ISSUED in UTC, as generated keys spell it


def hexes(n: int) -> str:
    return "ab" * n


def claims_of(token: str) -> dict:
    """The payload PyJWT verifies, as a backend checking r2gate's token would."""
    assert jwt.get_unverified_header(token)["kid"] == "k1"
    return jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        audience="r2gate",
        options={"verify_exp": False, "verify_iat": False},
    )


def issue(principal: Principal, **document: object) -> dict:
    return issue_upload(
        principal, parse_upload_request(document), SETTINGS, BASE, ISSUED, random_hex=hexes
    )


def refusal(fn, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        fn(*args, **kwargs)
    return caught.value.status, caught.value.code


def test_an_upload_grant_is_a_token_pyjwt_verifies() -> None:
    body = issue(KeyPrincipal(FULL), key="models/a.glb", content_type="model/gltf-binary")
    assert body["upload_url"] == f"{BASE}/models/a.glb?token={body['token']}"
    assert body["public_url"] == f"{BASE}/models/a.glb"
    assert (body["max_bytes"], body["multipart"]) == (1000, None)
    assert body["expires_at"] == iso_time(ISSUED + 900)
    assert body["page_url"] == f"{BASE}/api/v1/uploader#token={body['token']}"
    assert claims_of(body["token"]) == {
        "aud": "r2gate",
        "iat": ISSUED,
        "exp": ISSUED + 900,
        "op": "put",
        "key": "models/a.glb",
        "ct": ["model/gltf-binary"],
        "max": 1000,
        "jti": "ab" * 16,
    }


def test_a_multipart_grant_adds_an_mpu_token_for_the_same_key() -> None:
    body = issue(
        KeyPrincipal(TENANT),
        filename="scan.ply",
        content_type="application/octet-stream",
        multipart=True,
        max_bytes=5000,
        expires_in=60,
    )
    key = f"tenant-42/{NOW_STAMP}_abababab_scan.ply"
    assert body["key"] == key
    mpu = claims_of(body["multipart"]["token"])
    assert (mpu["op"], mpu["key"], mpu["max"], mpu["exp"]) == ("mpu", key, 5000, ISSUED + 60)
    assert claims_of(body["token"])["max"] == 1000  # one PUT stays under MAX_PUT_BYTES
    assert body["multipart"]["url"].endswith(f"?uploads&token={body['multipart']['token']}")


def test_a_private_key_has_no_public_url() -> None:
    body = issue(KeyPrincipal(FULL), key="private/a.png", content_type="image/png")
    assert body["public_url"] is None


def test_a_download_link_carries_its_name() -> None:
    request = parse_download_request({"key": "private/a.pdf", "download_name": "A.pdf"})
    body = issue_download(KeyPrincipal(FULL), request, SETTINGS, BASE, ISSUED, random_hex=hexes)
    assert body["url"] == f"{BASE}/private/a.pdf?token={body['token']}"
    got = claims_of(body["token"])
    assert (got["op"], got["key"], got["dn"]) == ("get", "private/a.pdf", "A.pdf")


def test_a_token_never_exceeds_the_scope_of_the_key_that_asked() -> None:
    tenant = KeyPrincipal(TENANT)  # write + sign on tenant-42/
    assert refusal(issue, tenant, key="tenant-420/a.png", content_type="image/png") == (
        403,
        "key_scope",
    )
    download = parse_download_request({"key": "tenant-42/a.png"})
    assert refusal(issue_download, tenant, download, SETTINGS, BASE, ISSUED) == (403, "key_scope")
    reader = KeyPrincipal(ApiKey("r", "reader-key-0123456789", frozenset({"read"}), ("",)))
    assert refusal(signing_config, reader, SETTINGS) == (403, "key_scope")  # no "sign"


def test_signing_needs_signing_keys_and_an_api_key() -> None:
    off = parse_settings({"API_KEY": "k" * 20})
    assert refusal(signing_config, KeyPrincipal(FULL), off) == (501, "tokens_disabled")
    token = TokenPrincipal(parse_claims({"op": "put", "key": "a"}))
    assert refusal(signing_config, token, SETTINGS) == (401, "auth_invalid")


def test_bad_grants_are_400() -> None:
    full = KeyPrincipal(FULL)
    too_long = dict(key="a.png", content_type="image/png", expires_in=901)
    assert refusal(issue, full, **too_long) == (400, "invalid_request")
    assert refusal(issue, full, key="a.png", content_type="image/png", max_bytes=1001) == (
        400,
        "invalid_request",
    )
