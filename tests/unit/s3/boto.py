"""The real boto3 client as the signer of test requests (no signer written for the tests).

`captured(call)` runs one boto3 client call against ``http://127.0.0.1:8787/api/s3`` (or
https) and returns the request exactly as botocore would put it on the wire, as an
`S3Request`; a canned reply stands in for the server so nothing leaves the process.
`presigned(url, method)` turns a URL from ``generate_presigned_url`` into an `S3Request`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from r2gate.s3.credentials import S3Credential, S3Keyring
from r2gate.s3.request import S3Request

BUCKET = "r2gate-assets"
HOST = "127.0.0.1:8787"
ROOT_ID = "R2GATEROOTKEY000001"
ROOT_SECRET = "root-secret-access-key-0123456789abcdefghij"
TENANT_ID = "R2GATETENANT420001"
TENANT_SECRET = "tenant42-secret-access-key-0123456789abcd"

_CANNED = {
    "uploads": b"<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
    b"<UploadId>U1</UploadId></InitiateMultipartUploadResult>",
    "uploadId": b'<CompleteMultipartUploadResult><ETag>"e"</ETag></CompleteMultipartUploadResult>',
}


def keyring() -> S3Keyring:
    return S3Keyring(
        [
            S3Credential.full_access(ROOT_ID, ROOT_SECRET),
            S3Credential.create(
                "tenant42", TENANT_ID, TENANT_SECRET, ["read", "write", "sign"], ["t42/"]
            ),
        ]
    )


def client(
    *,
    scheme: str = "http",
    key_id: str = ROOT_ID,
    secret: str = ROOT_SECRET,
    region: str = "auto",
    **config: Any,
) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=f"{scheme}://{HOST}/api/s3",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        region_name=region,
        config=Config(**config) if config else None,
    )


class _Body(io.BytesIO):
    def stream(self, **_: Any):
        yield self.read()


def _as_request(method: str, url: str, headers: dict[str, str]) -> S3Request:
    parts = urlsplit(url)
    wire = {name.lower(): value for name, value in headers.items()}
    wire.setdefault("host", parts.netloc)  # urllib3 adds Host on the wire
    return S3Request(method, parts.path, parts.query, wire)


def captured(call: Callable[[Any], Any], s3: Any | None = None) -> list[tuple[S3Request, bytes]]:
    """Every request `call(s3)` sends, with its body bytes."""
    s3 = s3 if s3 is not None else client()
    sent: list[tuple[S3Request, bytes]] = []

    def before_send(request: Any, **_: Any) -> AWSResponse:
        body = request.body
        data = body.read() if hasattr(body, "read") else (body or b"")
        data = data.encode() if isinstance(data, str) else bytes(data)
        headers = {
            name: value.decode() if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
        sent.append((_as_request(request.method, request.url, headers), data))
        reply = b""
        if request.method == "POST":
            reply = next((xml for name, xml in _CANNED.items() if name in request.url), b"")
        elif request.url.endswith("?location"):
            reply = b"<LocationConstraint/>"
        return AWSResponse(
            request.url, 200, {"ETag": '"e"', "Content-Length": str(len(reply))}, _Body(reply)
        )

    s3.meta.events.register("before-send.s3.*", before_send)
    call(s3)
    return sent


def sent_one(call: Callable[[Any], Any], s3: Any | None = None) -> tuple[S3Request, bytes]:
    requests = captured(call, s3)
    assert len(requests) == 1
    return requests[0]


def presigned(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> S3Request:
    """The request a plain HTTP client makes with a presigned URL."""
    return _as_request(method, url, dict(headers or {}))
