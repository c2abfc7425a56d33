"""Body integrity: x-amz-content-sha256, x-amz-checksum-* (header or aws-chunked trailer),
Content-MD5, and who verifies each one.

* R2 verifies one hash its put options can carry (`body_integrity`): ``sha256`` (the signed
  payload hash, or x-amz-checksum-sha256), else ``sha1``, else ``md5`` (Content-MD5): R2
  refuses a put that names two. R2's ``uploadPart`` takes no hash option, so for parts the
  Worker checks them itself.
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

from .errors import BadDigest, InvalidDigest, InvalidRequest, XAmzContentSHA256Mismatch

__all__ = [
    "ALGORITHMS",
    "Checksum",
    "Integrity",
    "body_integrity",
    "content_md5",
    "header_checksum",
    "parse_checksum",
    "verify_buffered_body",
]

# name -> (DigestStream algorithm, digest bytes)
ALGORITHMS: dict[str, tuple[str, int]] = {
    "crc32": ("crc32", 4),
    "crc32c": ("crc32c", 4),
    "crc64nvme": ("crc64nvme", 8),
    "sha1": ("SHA-1", 20),
    "sha256": ("SHA-256", 32),
    "md5": ("MD5", 16),  # Content-MD5 (there is no x-amz-checksum-md5)
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


def content_md5(headers: Mapping[str, str]) -> Checksum | None:
    """The Content-MD5 header as a checksum (InvalidDigest when it is not 16 bytes of
    base64)."""
    value = headers.get("content-md5")
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) != 24 or not _BASE64.fullmatch(text):
            raise ValueError("not base64")
        digest = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        digest = b""
    if len(digest) != 16:
        raise InvalidDigest()
    return Checksum("md5", digest)


# The hashes R2's put can verify itself, in the order r2gate hands it one (it takes one).
_R2_VERIFIES = ("sha256", "sha1", "md5")


@dataclass(frozen=True)
class Integrity:
    """Who verifies a body's claimed digests: R2 one of them (its put option: ``sha256``,
    ``sha1`` or ``md5``, hex), the Worker the others as the bytes stream by (DigestStreams).
    `checksum` is the x-amz-checksum-* the answer repeats."""

    r2: dict[str, str]
    streamed: tuple[Checksum, ...]
    checksum: Checksum | None


def body_integrity(
    headers: Mapping[str, str], payload_sha256: str | None, checksum: Checksum | None
) -> Integrity:
    """Plan the checks of a PutObject body: the signed payload SHA-256, an x-amz-checksum-*
    and Content-MD5 (InvalidDigest when malformed; BadDigest when the payload SHA-256 and
    an x-amz-checksum-sha256 disagree). R2 refuses a put with more than one hash, so it gets
    the first of SHA-256, SHA-1, MD5 and the Worker checks the rest."""
    claims: list[Checksum] = []
    if payload_sha256 is not None:
        claims.append(Checksum("sha256", bytes.fromhex(payload_sha256)))
    if checksum is not None:
        if claims and checksum.algorithm == "sha256" and checksum != claims[0]:
            raise BadDigest("x-amz-checksum-sha256 and x-amz-content-sha256 disagree.")
        if checksum not in claims:
            claims.append(checksum)
    md5 = content_md5(headers)
    if md5 is not None:
        claims.append(md5)
    by_r2 = next(
        (claim for name in _R2_VERIFIES for claim in claims if claim.algorithm == name), None
    )
    r2 = {} if by_r2 is None else {by_r2.algorithm: by_r2.expected.hex()}
    streamed = tuple(claim for claim in claims if claim is not by_r2)
    return Integrity(r2, streamed, checksum)


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
    md5: Checksum | None = None,
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
    if md5 is not None and hashlib.md5(body, usedforsecurity=False).digest() != md5.expected:
        raise BadDigest("The Content-MD5 you specified did not match what we received.")
    if checksum is None:
        return None
    digest = _python_digest(checksum.algorithm, body)
    if digest is None:
        return checksum
    checksum.verify(digest)
    return None
