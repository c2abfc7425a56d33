"""r2gate's records of multipart uploads: D1 rows, ownership, parts, completion; and the
settings that govern them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from r2gate.errors import ApiError
from r2gate.keys import validate_key
from r2gate.settings import parse_settings
from r2gate.tokens import TokenConfig, mint_token, parse_claims, verify_token
from r2gate.upload_records import (
    LEGACY_PREFIXES,
    ROW_COLUMNS,
    Manifest,
    PartRecord,
    check_access,
    owner_for_api_key,
    owner_for_token,
    part_records,
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


def test_rows_have_the_columns_of_the_migration() -> None:
    migration = (Path(__file__).parents[2] / "migrations" / "0001_upload_records.sql").read_text()
    table = migration.split("CREATE TABLE uploads (", 1)[1].split(");", 1)[0]
    columns = [line.split()[0] for line in table.splitlines() if line.strip()]
    assert tuple(columns) == ROW_COLUMNS == tuple(MANIFEST.to_row())


def test_legacy_records_lie_where_no_client_key_can() -> None:
    for prefix in LEGACY_PREFIXES:
        with pytest.raises(ApiError):
            validate_key(prefix + UPLOAD_ID)


@pytest.mark.parametrize(
    ("upload_id", "valid"),
    [(UPLOAD_ID, True), (UPLOAD_ID.upper(), False), (UPLOAD_ID[:-1], False), ("../x", False)],
)
def test_upload_ids_are_32_lowercase_hex(upload_id: str, valid: bool) -> None:
    assert valid_upload_id(upload_id) is valid


def test_manifest_round_trips_through_its_row() -> None:
    row = MANIFEST.to_row()
    assert all(value is None or isinstance(value, str | int) for value in row.values())
    assert Manifest.from_row(row) == MANIFEST
    bounded = replace(MANIFEST, max_bytes=9, exact_length=0, overwrite=False, client_sized=True)
    assert Manifest.from_row(bounded.to_row()) == bounded
    done = replace(MANIFEST, checksum_algorithm="CRC32", completed_etag="e", completed_size=3)
    assert Manifest.from_row(done.to_row()) == done
    assert done.completed and not MANIFEST.completed
    # D1 hands numbers to JS, which has one number type
    assert Manifest.from_row({**row, "part_size": float(row["part_size"])}) == MANIFEST


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
        {"upload_id": "../x"},
        {"key": ""},
        {"owner": None},
        {"part_size": "5"},
        {"part_size": 5.5},
        {"created": True},
        {"overwrite": None},
        {"max_bytes": "9"},
    ],
)
def test_malformed_rows_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Manifest.from_row({**MANIFEST.to_row(), **change})


def test_access_needs_the_same_key_and_owner_before_expiry() -> None:
    assert check_access(MANIFEST, "models/a b.glb", "key:default", 1999) is MANIFEST
    assert not_found(None, "models/a b.glb", "key:default", 1500) == (404, "upload_not_found")
    assert not_found(MANIFEST, "models/other.glb", "key:default", 1500)[1] == "upload_not_found"
    assert not_found(MANIFEST, "models/a b.glb", "key:other", 1500)[1] == "upload_not_found"
    assert not_found(MANIFEST, "models/a b.glb", "jti:default", 1500)[1] == "upload_not_found"
    assert not_found(MANIFEST, "models/a b.glb", "key:default", 2000)[1] == "upload_not_found"
    done = replace(MANIFEST, completed_etag="e", completed_size=1)
    assert not_found(done, "models/a b.glb", "key:default", 1500)[1] == "upload_not_found"
    assert check_access(done, "models/a b.glb", "key:default", 1500, completed=True) is done


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


def test_part_records_from_rows() -> None:
    rows = [
        {"part_number": 2, "size": 10, "etag": "e2", "md5": None, "checksum": None, "uploaded": 7},
        {"part_number": 1.0, "size": 5242880, "etag": "e1", "md5": "m1", "uploaded": 5},
        {"part_number": 3, "size": "x", "etag": "e3"},  # malformed: never received
        {"part_number": 4, "size": 4},
    ]
    assert part_records(rows) == {
        1: PartRecord(1, 5242880, "e1", md5="m1", uploaded=5),
        2: PartRecord(2, 10, "e2", uploaded=7),
    }


def test_a_part_is_known_by_the_etag_its_client_was_given() -> None:
    assert PartRecord(1, 5, "AbC_x", md5="0cc175b9").client_etag == "0cc175b9"
    part = PartRecord(1, 5, "AbC_x")
    assert part.etag_matches("AbC_x") and part.etag_matches(part.client_etag)
    assert not part.etag_matches("AbC_y") and not part.etag_matches("")


def test_an_s3_part_etag_never_passes_for_an_md5() -> None:
    """s3cmd compares a part ETag without a "-" with its MD5 and sends the part again."""
    for r2_etag in ("AbCdEf0123_x", "a-b", "0cc175b9c0f1b6a831c399e269772661"):
        assert "-" in PartRecord(1, 5, r2_etag).client_etag


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
