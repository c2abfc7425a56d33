"""A multipart object's checksum from its parts' checksums, as S3 computes it."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib

import pytest

from r2gate.s3 import errors
from r2gate.s3.checksums import Checksum, parse_checksum
from r2gate.s3.crc_combine import combine, crc
from r2gate.s3.object_checksums import completed_checksum, part_checksum, upload_checksum


def bitwise_crc(reversed_poly: int, width: int, data: bytes) -> int:
    """The textbook bit-at-a-time reflected CRC (init and final XOR all ones)."""
    mask = (1 << width) - 1
    value = mask
    for byte in data:
        value ^= byte
        for _ in range(8):
            value = (value >> 1) ^ reversed_poly if value & 1 else value >> 1
    return value ^ mask


POLYS = {
    "crc32": (0xEDB88320, 32),
    "crc32c": (0x82F63B78, 32),
    "crc64nvme": (0x9A6C9329AC4BC9B5, 64),
}


def test_the_crcs_match_their_check_values() -> None:
    assert crc("crc32", b"123456789") == zlib.crc32(b"123456789") == 0xCBF43926
    assert crc("crc32c", b"123456789") == 0xE3069283
    assert crc("crc64nvme", b"123456789") == 0xAE8B14860A799888


@pytest.mark.parametrize("algorithm", sorted(POLYS))
def test_a_whole_objects_crc_composes_from_its_parts(algorithm: str) -> None:
    poly, width = POLYS[algorithm]
    parts = [os.urandom(size) for size in (5 * 1024, 1, 0, 9999, 3)]
    whole = bitwise_crc(poly, width, b"".join(parts))
    assert combine(algorithm, [(bitwise_crc(poly, width, p), len(p)) for p in parts]) == whole


def test_an_upload_names_its_algorithm_and_type() -> None:
    assert upload_checksum({}) is None
    assert upload_checksum({"x-amz-checksum-algorithm": "CRC32"}) == ("crc32", "COMPOSITE")
    assert upload_checksum({"x-amz-checksum-algorithm": "CRC64NVME"}) == (
        "crc64nvme",
        "FULL_OBJECT",
    )
    typed = {"x-amz-checksum-algorithm": "crc32c", "x-amz-checksum-type": "full_object"}
    assert upload_checksum(typed) == ("crc32c", "FULL_OBJECT")
    for bad in (
        {"x-amz-checksum-algorithm": "MD5"},
        {"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-type": "FULL_OBJECT"},
        {"x-amz-checksum-algorithm": "CRC64NVME", "x-amz-checksum-type": "COMPOSITE"},
        {"x-amz-checksum-type": "COMPOSITE"},
    ):
        with pytest.raises(errors.InvalidRequest):
            upload_checksum(bad)


def _checksum(algorithm: str, data: bytes) -> Checksum:
    if algorithm in POLYS:
        digest = crc(algorithm, data).to_bytes(POLYS[algorithm][1] // 8, "big")
    else:
        digest = hashlib.new(algorithm, data).digest()
    return Checksum(algorithm, digest)


PARTS = [b"a" * 5000, b"b" * 3000, b"c" * 10]


def test_a_full_object_checksum_is_the_crc_of_the_whole_object() -> None:
    parts = [(len(p), _checksum("crc32", p), None) for p in PARTS]
    whole = base64.b64encode(zlib.crc32(b"".join(PARTS)).to_bytes(4, "big")).decode()
    found = completed_checksum(("crc32", "FULL_OBJECT"), parts, None)
    assert found is not None and (found.value, found.type) == (whole, "FULL_OBJECT")
    assert found.headers() == {"x-amz-checksum-crc32": whole, "x-amz-checksum-type": "FULL_OBJECT"}
    claimed = parse_checksum("crc32", whole)
    assert completed_checksum(("crc32", "FULL_OBJECT"), parts, claimed) == found
    with pytest.raises(errors.BadDigest):  # the header is the object's, never the XML body's
        completed_checksum(("crc32", "FULL_OBJECT"), parts, parse_checksum("crc32", "AAAAAA=="))


@pytest.mark.parametrize("algorithm", ["sha256", "sha1", "crc32c"])
def test_a_composite_checksum_is_the_digest_of_the_parts_digests(algorithm: str) -> None:
    digests = [_checksum(algorithm, p) for p in PARTS]
    expected = _checksum(algorithm, b"".join(d.expected for d in digests)).base64 + "-3"
    parts = [(len(p), d, d.base64) for p, d in zip(PARTS, digests, strict=True)]
    found = completed_checksum((algorithm, "COMPOSITE"), parts, None)
    assert found is not None and found.value == expected


def test_listed_part_checksums_must_be_the_parts() -> None:
    digests = [_checksum("sha256", p) for p in PARTS]
    parts = [(len(p), d, d.base64) for p, d in zip(PARTS, digests, strict=True)]
    parts[1] = (parts[1][0], parts[1][1], digests[0].base64)
    with pytest.raises(errors.InvalidPart):
        completed_checksum(("sha256", "COMPOSITE"), parts, None)
    missing = [(len(PARTS[0]), None, None)]
    with pytest.raises(errors.InvalidRequest):
        completed_checksum(("sha256", "COMPOSITE"), missing, None)
    with pytest.raises(errors.InvalidRequest):  # nothing to verify a claim against
        completed_checksum(None, missing, digests[0])
    assert completed_checksum(None, missing, None) is None


def test_a_recorded_part_checksum_reads_back() -> None:
    value = base64.b64encode(b"\x00\x01\x02\x03").decode()
    assert part_checksum(f"crc32:{value}") == Checksum("crc32", b"\x00\x01\x02\x03")
    for bad in (None, "", "crc32:!!", "md4:AAAA", f"sha256:{value}"):
        assert part_checksum(bad) is None
