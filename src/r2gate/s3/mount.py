"""Where the S3 API answers: which requests are S3's, and how their path names the bucket.

S3 clients reach r2gate three ways (docs/s3.md, "Endpoints"):

* **under ``/api/s3``**, path-style: ``https://host/api/s3/<bucket>/<key>`` (the route table
  sends that prefix to the S3 surface);
* **at the host's root**, path-style: ``https://host/<bucket>/<key>``, what s3cmd, the MinIO
  SDKs, rclone and any SDK with ``endpoint = https://host`` send. r2gate's own routes live
  there too, so a request at the root is S3's only when it says so: it carries an S3
  signature (an ``AWS4-HMAC-SHA256`` or ``AWS`` Authorization, or a presigned URL's
  ``X-Amz-Credential`` / ``X-Amz-Algorithm`` / ``AWSAccessKeyId``), or it is a bucket-level
  request on exactly ``/<S3_BUCKET>`` (a browser's POST form, a tool's probe). Anything else,
  an unsigned ``GET /<S3_BUCKET>/<key>`` included, is r2gate's own;
* **virtual-hosted** on a host of ``S3_HOSTS`` (``r2gate-assets.s3.example.com``): every
  request to that host is S3's, and its path is the key.

CORS preflights (``OPTIONS``) carry no signature and stay r2gate's: its route table answers
them for the object routes S3 paths share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "PREFIX",
    "PREFIXED",
    "Mount",
    "bucket_path",
    "s3_mount",
    "signed_for_s3",
    "signs_accept_encoding",
]

PREFIX = "/api/s3"
_SIGNED_SCHEMES = ("AWS4-HMAC-SHA256 ", "AWS ")
_PRESIGNED_NAMES = ("x-amz-credential=", "x-amz-algorithm=", "awsaccesskeyid=")


@dataclass(frozen=True)
class Mount:
    """How an S3 request's path reads: below `root` (``/api/s3``, or "" at the host's root),
    ``/<bucket>/<key>``; or, `host_bucket`, ``/<key>`` on the bucket's own host."""

    root: str
    host_bucket: bool = False


PREFIXED = Mount(PREFIX)
_ROOT = Mount("")
_VIRTUAL = Mount("", host_bucket=True)


def signed_for_s3(headers: Mapping[str, str], raw_query: str) -> bool:
    """Does the request carry an S3 signature (header or presigned query)?"""
    if headers.get("authorization", "").startswith(_SIGNED_SCHEMES):
        return True
    if not raw_query:
        return False
    lowered = raw_query.lower()
    return any(name in lowered for name in _PRESIGNED_NAMES)


def bucket_path(path: str, mount: Mount, bucket: str) -> str:
    """The request's path as ``/<bucket>/<key>``, whatever the mount (SigV2 signs that)."""
    if mount.host_bucket:
        return f"/{bucket}{path}"
    return path[len(mount.root) :] or "/"


def signs_accept_encoding(headers: Mapping[str, str], raw_query: str) -> bool:
    """Does the request's SigV4 signature cover ``accept-encoding`` (its SignedHeaders, in
    the Authorization header or the presigned query)?"""
    if "accept-encoding" in headers.get("authorization", "").lower():
        return True
    lowered = raw_query.lower()
    return "x-amz-signedheaders=" in lowered and "accept-encoding" in lowered


def s3_mount(
    method: str,
    path: str,
    raw_query: str,
    headers: Mapping[str, str],
    host: str,
    bucket: str | None,
    hosts: frozenset[str],
) -> Mount | None:
    """The S3 mount of a request outside ``/api/s3``, or None when it is r2gate's own.
    `host`: the request's host name (lower case, no port); `bucket`: ``S3_BUCKET`` (None:
    the S3 API is off); `hosts`: ``S3_HOSTS``."""
    if bucket is None or method == "OPTIONS":
        return None
    if hosts and host in hosts:
        return _VIRTUAL
    if signed_for_s3(headers, raw_query):
        return _ROOT
    if path in (f"/{bucket}", f"/{bucket}/"):
        return _ROOT
    return None
