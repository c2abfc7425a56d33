"""What every S3 operation handler receives, and the S3 responses (XML, request ids)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote

from r2gate.auth import S3Principal
from r2gate.s3.errors import S3Error
from r2gate.s3.operations import Operation
from r2gate.s3.request import S3Request
from r2gate.s3.xml import error_for

from ..call import Call
from ..http import BASE_HEADERS, Reply

XML_TYPE = "application/xml"
REQUEST_ID = "x-amz-request-id"


def new_request_id() -> str:
    """S3-style request id: 16 upper-case hex digits."""
    return secrets.token_hex(8).upper()


@dataclass(frozen=True)
class S3Call:
    """One S3 request: r2gate's `Call`, the plain `S3Request`, the operation it names, the
    verified caller and the bucket name."""

    call: Call
    request: S3Request
    operation: Operation
    principal: S3Principal
    bucket: str
    request_id: str

    def xml(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        """An XML answer with this request's id."""
        return xml_response(body, status, {**(headers or {}), REQUEST_ID: self.request_id})

    def empty(self, status: int, headers: dict[str, str] | None = None) -> Reply:
        """An answer without a body, with this request's id."""
        return empty_response(status, {**(headers or {}), REQUEST_ID: self.request_id})

    @property
    def key(self) -> str:
        assert self.operation.key is not None
        return self.operation.key

    def object_url(self, key: str) -> str:
        """Where r2gate serves `key` (GET /<key>): S3's Location."""
        origin = self.call.incoming.url.split("/", 3)[:3]
        return "/".join(origin) + "/" + quote(key, safe="/")


def xml_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    all_headers = {**BASE_HEADERS, "Content-Type": XML_TYPE, "Cache-Control": "no-store"}
    all_headers.update(headers or {})
    all_headers["Content-Length"] = str(len(body))
    return Reply(status, all_headers, body)


def empty_response(status: int, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {**BASE_HEADERS, **(headers or {})})


# An error document is never compressed on its way out. Cloudflare's front line (and
# Miniflare's imitation of it under `wrangler dev`) gzips application/xml for any client that
# accepts gzip, and some S3 clients read an error body without decoding it (rclone's 403s came
# back unparseable). `no-transform` is what Cloudflare honours; Miniflare leaves a response alone
# whose Content-Encoding is neither gzip nor br, and `identity` is the coding that says so.
UNENCODED = {"Cache-Control": "no-store, no-transform", "Content-Encoding": "identity"}


def error_response(error: S3Error, request_id: str, resource: str, *, head: bool) -> Reply:
    """The S3 error document (no body for HEAD, as S3 answers), never content-encoded."""
    headers = {**error.headers, REQUEST_ID: request_id}
    if head:
        return empty_response(error.status, {**headers, "Content-Type": XML_TYPE})
    body = error_for(error, request_id, resource)
    return xml_response(body, error.status, {**headers, **UNENCODED})
