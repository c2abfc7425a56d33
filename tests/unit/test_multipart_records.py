"""r2gate's records of multipart uploads: storage keys, manifests, ownership, parts, expiry;
and the settings that govern them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from r2gate.errors import ApiError
from r2gate.keys import validate_key
from r2gate.settings import parse_settings
from r2gate.tokens import TokenConfig, mint_token, parse_claims, verify_token
from r2gate.upload_records import (
    Manifest,
    PartRecord,
    check_access,
    expired_upload_ids,
    manifest_key,
    owner_for_api_key,
    owner_for_token,
    part_record_key,
    part_record_metadata,
    part_records,
    parts_prefix,
    upload_id_from_manifest_key,
    valid_upload_id,
)
from r2gate.uploads import UploadBounds

UPLOAD_ID = "0123456789abcdef" * 2
MANIFEST = Manifest(
    upload_id=UPLOAD_ID,
    key="models/a b.glb",
    r2_upload_id="r2/upload+id==",
    owner="key:default",
    part_size=5 * 1024 * 1024,
    created=1000,
    expires=2000,
    content_type="model/gltf-binary",
)


def not_found(manifest: Manifest | None, key: str, owner: str, now: int) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        check_access(manifest, key, owner, now)
    return caught.value.status, caught.value.code


def test_records_live_under_the_reserved_prefix_apart_from_each_other() -> None:
    assert manifest_key(UPLOAD_ID) == f"api/uploads/{UPLOAD_ID}"
    assert parts_prefix(UPLOAD_ID) == f"api/upload-parts/{UPLOAD_ID}/"
    assert part_record_key(UPLOAD_ID, 7) == f"api/upload-parts/{UPLOAD_ID}/00007"
    assert part_record_key(UPLOAD_ID, 10000) == f"api/upload-parts/{UPLOAD_ID}/10000"
    for key in (manifest_key(UPLOAD_ID), part_record_key(UPLOAD_ID, 1)):
        with pytest.raises(ApiError):  # no client can read or write them
            validate_key(key)
    assert not part_record_key(UPLOAD_ID, 1).startswith("api/uploads/")


@pytest.mark.parametrize(
    ("upload_id", "valid"),
    [(UPLOAD_ID, True), (UPLOAD_ID.upper(), False), (UPLOAD_ID[:-1], False), ("../x", False)],
)
def test_upload_ids_are_32_lowercase_hex(upload_id: str, valid: bool) -> None:
    assert valid_upload_id(upload_id) is valid
    assert (upload_id_from_manifest_key(f"api/uploads/{upload_id}") == upload_id) is valid


def test_manifest_round_trips_through_custom_metadata() -> None:
    metadata = MANIFEST.to_metadata()
    assert all(isinstance(v, str) for v in metadata.values())
    assert Manifest.from_metadata(UPLOAD_ID, metadata) == MANIFEST
    bounded = Manifest(**{**MANIFEST.__dict__, "max_bytes": 9, "exact_length": 0})
    bounded = Manifest(**{**bounded.__dict__, "overwrite": False})
    assert Manifest.from_metadata(UPLOAD_ID, bounded.to_metadata()) == bounded


def test_a_new_manifest_keeps_a_tokens_bounds_and_create_only_flag() -> None:
    fields = {
        "upload_id": UPLOAD_ID,
        "key": "a",
        "r2_upload_id": "r",
        "owner": "o",
        "part_size": 5,
        "content_type": "t",
        "now": 100,
        "max_age": 50,
    }
    by_key = Manifest.new(**fields, bounds=None)
    assert (by_key.created, by_key.expires) == (100, 150)
    assert (by_key.max_bytes, by_key.exact_length, by_key.overwrite) == (None, None, True)
    by_token = Manifest.new(**fields, bounds=UploadBounds(max_bytes=9))
    assert (by_token.max_bytes, by_token.exact_length, by_token.overwrite) == (9, None, False)
    by_token = Manifest.new(**fields, bounds=UploadBounds(exact_length=7, overwrite=True))
    assert (by_token.max_bytes, by_token.exact_length, by_token.overwrite) == (None, 7, True)


@pytest.mark.parametrize(
    "change",
    [
        {"v": "2"},
        {"key": ""},
        {"owner": None},
        {"part_size": "5x"},
        {"part_size": "-1"},
        {"created": "١"},
        {"overwrite": "yes"},
        {"max_bytes": ""},
    ],
)
def test_malformed_manifests_are_refused(change: dict[str, str | None]) -> None:
    metadata = {**MANIFEST.to_metadata(), **change}
    metadata = {k: v for k, v in metadata.items() if v is not None}
    with pytest.raises(ValueError):
        Manifest.from_metadata(UPLOAD_ID, metadata)


def test_access_needs_the_same_key_and_owner_before_expiry() -> None:
    assert check_access(MANIFEST, "models/a b.glb", "key:default", 1999) is MANIFEST
    assert not_found(None, "models/a b.glb", "key:default", 1500) == (404, "upload_not_found")
    assert not_found(MANIFEST, "models/other.glb", "key:default", 1500)[1] == "upload_not_found"
    assert not_found(MANIFEST, "models/a b.glb", "key:other", 1500)[1] == "upload_not_found"
    assert not_found(MANIFEST, "models/a b.glb", "jti:default", 1500)[1] == "upload_not_found"
    assert not_found(MANIFEST, "models/a b.glb", "key:default", 2000)[1] == "upload_not_found"


def test_owners_of_api_keys_and_tokens_never_collide() -> None:
    assert owner_for_api_key("default") == "key:default"
    claims = parse_claims({"op": "mpu", "key": "a", "jti": "default"})
    assert owner_for_token(claims) == "jti:default"
    assert owner_for_token(claims) != owner_for_api_key("default")


def test_a_token_with_jti_is_owned_by_its_jti_across_refreshes() -> None:
    config = TokenConfig(keys={"k": "s" * 32})

    def owner(now: int) -> str:
        claims = {"op": "mpu", "key": "a", "jti": "x"}
        token = mint_token(config, claims, now=now, expires_in=60)
        return owner_for_token(verify_token(token, config, now=now))

    assert owner(100) == owner(5000) == "jti:x"


def test_a_token_without_jti_is_owned_by_its_exact_grant() -> None:
    def owner(issued: int, **claims: object) -> str:
        grant = parse_claims({"op": "mpu", "key": "a", **claims})
        return owner_for_token(replace(grant, issued_at=issued, expires_at=issued + 60, kid="k"))

    assert owner(100).startswith("grant:")
    assert owner(100) == owner(100)
    assert owner(100) != owner(101)
    assert owner(100) != owner(100, max=5)
    assert owner(100) != owner(100, key="b")


def test_part_records_from_a_listing() -> None:
    prefix = parts_prefix(UPLOAD_ID)
    listed = [
        (f"{prefix}00002", part_record_metadata(10, "e2")),
        (f"{prefix}00001", part_record_metadata(5 * 1024 * 1024, "e1")),
        (f"{prefix}00003", {"size": "x", "etag": "e3"}),  # malformed: never received
        (f"{prefix}00004", {"size": "4"}),
        (f"{prefix}5", part_record_metadata(1, "e5")),
        (f"api/upload-parts/{'f' * 32}/00006", part_record_metadata(1, "e6")),
    ]
    assert part_records(UPLOAD_ID, listed) == {
        1: PartRecord(1, 5 * 1024 * 1024, "e1"),
        2: PartRecord(2, 10, "e2"),
    }


def test_expired_uploads_are_those_at_least_max_age_old_oldest_first() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    old, older, young = "a" * 32, "b" * 32, "c" * 32
    listed = [
        (manifest_key(young), now - timedelta(seconds=99)),
        (manifest_key(old), now - timedelta(seconds=100)),
        (manifest_key(older), now - timedelta(days=3)),
        ("api/uploads/not-an-id", now - timedelta(days=3)),
    ]
    assert expired_upload_ids(listed, now, 100) == [older, old]
    assert expired_upload_ids(listed, now, 10**6) == []


# --- settings ----------------------------------------------------------------------------------


def test_multipart_settings_defaults() -> None:
    settings = parse_settings({})
    assert settings.upload_max_age == 86400
    assert settings.multipart_part_size == 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("UPLOAD_MAX_AGE", "3600", 3600),
        ("UPLOAD_MAX_AGE", "604800", 604800),
        ("MULTIPART_PART_SIZE", str(5 * 1024 * 1024), 5 * 1024 * 1024),
        ("MULTIPART_PART_SIZE", str(5 * 1024**3), 5 * 1024**3),
    ],
)
def test_multipart_settings_values(name: str, value: str, expected: int) -> None:
    settings = parse_settings({name: value})
    assert getattr(settings, name.lower()) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("UPLOAD_MAX_AGE", "0"),
        ("UPLOAD_MAX_AGE", "604801"),  # R2 aborts uploads after 7 days anyway
        ("UPLOAD_MAX_AGE", "1h"),
        ("MULTIPART_PART_SIZE", str(5 * 1024 * 1024 - 1)),
        ("MULTIPART_PART_SIZE", str(5 * 1024**3 + 1)),
    ],
)
def test_bad_multipart_settings_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_settings({name: value})
    assert (caught.value.status, caught.value.code) == (500, "server_misconfigured")
    assert caught.value.message.startswith(name)
