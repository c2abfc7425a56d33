"""The S3-compatible surface under ``/api/s3`` (docs/s3.md): one handler for every request
there. It builds the plain `S3Request` from the path and query exactly as sent, resolves the
operation, verifies the SigV4 signature (a presigned POST carries its own, in the form),
runs the operation and answers S3's way: XML documents, S3 error codes, request ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from r2gate.auth import identify_s3
from r2gate.errors import ApiError
from r2gate.s3.errors import InternalError, S3Error, S3NotImplemented
from r2gate.s3.mount import PREFIXED, Mount, bucket_path, signs_accept_encoding
from r2gate.s3.operations import resolve
from r2gate.s3.request import S3Request
from r2gate.s3.translate import s3_error_from

from ..call import Call
from ..http import Reply
from . import listing, multipart, objects
from .context import S3Call, error_response, new_request_id
from .post import post_object

OPERATIONS: dict[str, Callable[[S3Call], Awaitable[Any]]] = {
    "GetObject": objects.get_object,
    "HeadObject": objects.get_object,
    "PutObject": objects.put_object,
    "DeleteObject": objects.delete_object,
    "DeleteObjects": objects.delete_objects,
    "CopyObject": objects.copy_object,
    "HeadBucket": objects.head_bucket,
    "GetBucketLocation": objects.bucket_location,
    "ListBuckets": objects.list_buckets,
    "ListObjectsV2": listing.list_objects_v2,
    "ListObjects": listing.list_objects_v1,
    "CreateMultipartUpload": multipart.create,
    "UploadPart": multipart.upload_part,
    "CompleteMultipartUpload": multipart.complete,
    "AbortMultipartUpload": multipart.abort,
    "ListParts": multipart.list_parts,
    "ListMultipartUploads": multipart.list_uploads,
    "UploadPartCopy": multipart.upload_part_copy,
    "GetObjectAttributes": objects.object_attributes,
    "GetObjectAcl": objects.get_object_acl,
    "PutObjectAcl": objects.put_object_acl,
    "GetBucketAcl": objects.get_bucket_acl,
    "PutBucketAcl": objects.put_bucket_acl,
    "CreateBucket": objects.create_bucket,
}


async def handle(call: Call, mount: Mount = PREFIXED) -> Reply:
    """Every S3 request: on /api/s3 and below, or at the host's root or on the bucket's own
    host as `mount` says (r2gate.s3.mount)."""
    request_id = new_request_id()
    incoming = call.incoming
    head = incoming.method == "HEAD"
    try:
        reply = await _handle(call, request_id, mount)
    except S3Error as error:
        return error_response(error, request_id, incoming.path, head=head)
    except ApiError as error:
        if error.status >= 500:
            print(f"r2gate: S3 {incoming.method} -> {error.status} {error.code}: {error.message}")
        translated = s3_error_from(error)
        return error_response(translated, request_id, incoming.path, head=head)
    reply.on_failure = lambda: error_response(InternalError(), request_id, incoming.path, head=head)
    return reply


async def _handle(call: Call, request_id: str, mount: Mount) -> Reply:
    incoming, settings = call.incoming, call.settings
    bucket = settings.s3.bucket
    if bucket is None:
        raise S3NotImplemented(
            "The S3 API is off: set S3_BUCKET to wrangler.toml's bucket_name "
            "(docs/configuration.md)."
        )
    request = S3Request(
        incoming.method,
        incoming.path,
        incoming.query,
        _signed_headers(call),
        bucket_path(incoming.path, mount, bucket),
    )
    operation = resolve(request, bucket, mount)
    if operation.name == "PostObject":
        reply = await post_object(call, request, bucket, request_id)
    else:
        principal = identify_s3(request, settings, call.now())
        s3 = S3Call(call, request, operation, principal, bucket, request_id)
        reply = await OPERATIONS[operation.name](s3)
    assert isinstance(reply, Reply), "every S3 operation answers with a Reply"
    return reply


def _signed_headers(call: Call) -> Mapping[str, str]:
    """The request's headers as its client signed them. Cloudflare's edge (and Miniflare,
    as the edge does) replaces Accept-Encoding before the Worker sees it and keeps the
    client's value in ``request.cf.clientAcceptEncoding``: a signature that covers
    ``accept-encoding`` was made over that value (rclone and aws-sdk-go-v2 sign
    ``identity``)."""
    incoming = call.incoming
    headers = incoming.headers
    if not signs_accept_encoding(headers, incoming.query):
        return headers
    original = incoming.client_accept_encoding()
    if original is None:
        return headers
    fixed = dict(headers)
    if original:
        fixed["accept-encoding"] = original
    else:
        fixed.pop("accept-encoding", None)
    return fixed
