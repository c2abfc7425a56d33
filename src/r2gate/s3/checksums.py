"""Body integrity: x-amz-content-sha256, x-amz-checksum-* (header or aws-chunked trailer),
Content-MD5, and who verifies each one.

* R2 verifies what its put options can carry (`r2_hash_options`): ``sha256`` (the signed
  payload hash, or x-amz-checksum-sha256), ``sha1`` and ``md5`` (Content-MD5). R2's
  ``uploadPart`` takes no hash option, so for parts the Worker checks them itself.
* Everything else is checked over the bytes as they stream by, with workerd's
  ``crypto.DigestStream`` (algorithms "crc32", "crc32c", "crc64nvme", "SHA-1",
  "SHA-256", "MD5"; `Checksum.digest_stream_algorithm`), then `Checksum.verify`.
* Small bodies that are read whole (DeleteObjects, CompleteMultipartUpload) are checked
  here by `verify_buffered_body`: the payload SHA-256, and CRC32/SHA-1/SHA-256 checksums;
  a CRC32C or CRC64NVME checksum is handed back for a DigestStream.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import BadDigest, InvalidArgument, InvalidRequest, XAmzContentSHA256Mismatch

__all__ = [
    "ALGORITHMS",
    "Checksum",
    "header_checksum",
    "parse_checksum",
    "r2_hash_options",
    "verify_buffered_body",
]

# name -> (DigestStream algorithm, digest bytes)
ALGORITHMS: dict[str, tuple[str, int]] = {
    "crc32": ("crc32", 4),
    "crc32c": ("crc32c", 4),
    "crc64nvme": ("crc64nvme", 8),
    "sha1": ("SHA-1", 20),
    "sha256": ("SHA-256", 32),
}
_PREFIX = "x-amz-checksum-"
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


@dataclass(frozen=True)
class Checksum:
    """A claimed checksum of the (decoded) body."""

    algorithm: str  # crc32, crc32c, crc64nvme, sha1, sha256
    expected: bytes

    @property
    def header(self) -> str:
        return f"{_PREFIX}{self.algorithm}"

    @property
    def digest_stream_algorithm(self) -> str:
        """The name to give ``new crypto.DigestStream(...)`` in workerd."""
        return ALGORITHMS[self.algorithm][0]

    @property
    def base64(self) -> str:
        return base64.b64encode(self.expected).decode("ascii")

    def verify(self, computed: bytes) -> None:
        """BadDigest unless `computed` (the digest of the bytes received) matches."""
        if not hmac.compare_digest(bytes(computed), self.expected):
            raise BadDigest(
                f"The {self.algorithm.upper()} you specified did not match the calculated "
                "checksum.",
            )


def parse_checksum(algorithm: str, value: str) -> Checksum:
    """A checksum from its base64 value; InvalidRequest when malformed or of the wrong size."""
    if algorithm not in ALGORITHMS:
        raise InvalidRequest(f"The checksum algorithm {algorithm!r} is not supported.")
    size = ALGORITHMS[algorithm][1]
    text = value.strip()
    try:
        if len(text) > 64 or not _BASE64.fullmatch(text):
            raise ValueError("not base64")
        expected = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        expected = b""
    if len(expected) != size or base64.b64encode(expected).decode("ascii") != text:
        raise InvalidRequest(f"Value for {_PREFIX}{algorithm} header is invalid.")
    return Checksum(algorithm, expected)


def header_checksum(headers: Mapping[str, str]) -> Checksum | None:
    """The one x-amz-checksum-<algorithm> header, if any (two or more: InvalidRequest).

    ``x-amz-checksum-type`` / ``-mode`` / ``-algorithm`` are not checksums and are skipped;
    ``x-amz-sdk-checksum-algorithm``, when given, must name the header's algorithm.
    """
    found = [
        (name[len(_PREFIX) :], value)
        for name, value in headers.items()
        if name.startswith(_PREFIX) and name[len(_PREFIX) :] not in ("type", "mode", "algorithm")
    ]
    if not found:
        return None
    if len(found) > 1:
        raise InvalidRequest("Expecting a single x-amz-checksum- header.")
    algorithm, value = found[0]
    declared = headers.get("x-amz-sdk-checksum-algorithm")
    if declared is not None and declared.strip().lower() != algorithm:
        raise InvalidRequest(
            "Value for x-amz-sdk-checksum-algorithm header is invalid.",
        )
    return parse_checksum(algorithm, value)


def _content_md5(headers: Mapping[str, str]) -> str | None:
    value = headers.get("content-md5")
    if value is None:
        return None
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (ValueError, binascii.Error):
        digest = b""
    if len(digest) != 16:
        raise InvalidArgument(
            "The Content-MD5 you specified is not valid.", ArgumentName="Content-MD5"
        )
    return digest.hex()


def r2_hash_options(
    headers: Mapping[str, str], payload_sha256: str | None, checksum: Checksum | None
) -> dict[str, str]:
    """The hashes R2's ``put`` verifies itself: {"sha256": hex, "sha1": hex, "md5": hex}.

    A payload SHA-256 and an x-amz-checksum-sha256 that disagree are refused up front.
    """
    options: dict[str, str] = {}
    if payload_sha256 is not None:
        options["sha256"] = payload_sha256
    if checksum is not None and checksum.algorithm in ("sha256", "sha1"):
        hex_digest = checksum.expected.hex()
        if options.get(checksum.algorithm, hex_digest) != hex_digest:
            raise BadDigest("x-amz-checksum-sha256 and x-amz-content-sha256 disagree.")
        options[checksum.algorithm] = hex_digest
    md5 = _content_md5(headers)
    if md5 is not None:
        options["md5"] = md5
    return options


def _python_digest(algorithm: str, body: bytes) -> bytes | None:
    if algorithm == "crc32":
        return zlib.crc32(body).to_bytes(4, "big")
    if algorithm == "sha1":
        return hashlib.sha1(body, usedforsecurity=False).digest()
    if algorithm == "sha256":
        return hashlib.sha256(body).digest()
    return None


def verify_buffered_body(
    body: bytes,
    payload_sha256: str | None,
    checksum: Checksum | None,
    content_md5: str | None = None,
) -> Checksum | None:
    """Check a body read whole: XAmzContentSHA256Mismatch, BadDigest. Returns the checksum
    still to verify in JS (CRC32C, CRC64NVME), else None."""
    if payload_sha256 is not None and not hmac.compare_digest(
        hashlib.sha256(body).hexdigest(), payload_sha256
    ):
        raise XAmzContentSHA256Mismatch(
            ClientComputedContentSHA256=payload_sha256,
            S3ComputedContentSHA256=hashlib.sha256(body).hexdigest(),
        )
    if content_md5 is not None:
        computed = hashlib.md5(body, usedforsecurity=False).hexdigest()
        if computed != content_md5:
            raise BadDigest("The Content-MD5 you specified did not match what we received.")
    if checksum is None:
        return None
    digest = _python_digest(checksum.algorithm, body)
    if digest is None:
        return checksum
    checksum.verify(digest)
    return None
