"""S3 object operations: GetObject and HeadObject through r2gate's read path, PutObject,
DeleteObject, DeleteObjects, CopyObject, and the bucket-level answers (HeadBucket,
GetBucketLocation, ListBuckets)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from r2gate.cache_policy import decide
from r2gate.errors import ApiError
from r2gate.s3.checksums import content_md5, header_checksum, verify_buffered_body
from r2gate.s3.errors import NoSuchKey, PreconditionFailed, XAmzContentSHA256Mismatch
from r2gate.s3.object_checksums import ObjectChecksum
from r2gate.s3.operations import (
    authorize,
    copy_preconditions_hold,
    copy_proposal,
    filter_deletes,
    plan_copy,
    put_request,
    response_overrides,
)
from r2gate.s3.sigv4 import PayloadMode
from r2gate.s3.xml import (
    MAX_DELETE_BYTES,
    DeleteError,
    copy_object_result,
    delete_result,
    list_all_my_buckets_result,
    location_constraint,
    parse_delete,
)
from r2gate.write_policy import MAX_SINGLE_WRITE, decide_delete, decide_write

from .. import storage, upload_store
from ..http import add_headers
from ..r2 import has_body, object_info
from ..read import serve_object
from ..streams import digest_of, read_small_body
from .bodies import store_checked
from .context import REQUEST_ID, S3Call

CREATED = datetime(1970, 1, 1, tzinfo=UTC)  # R2 does not tell a bucket's creation time


def _authorize(s3: S3Call, **context: Any) -> None:
    authorize(
        s3.principal.signed.credential, s3.operation, presigned=s3.principal.presigned, **context
    )


async def get_object(s3: S3Call) -> Any:
    """GetObject / HeadObject: r2gate's read path (edge cache, ranges, conditionals), with the
    ``response-*`` overrides on a 200 or 206."""
    _authorize(s3)
    overrides = response_overrides(s3.request)
    private = decide(s3.key, None, s3.call.settings.cache).private
    # A backend (header auth) gets R2's fresh answer with x-amz-meta-*; a presigned URL,
    # handed to apps and browsers, the edge cache.
    metadata = not s3.principal.presigned
    extra = {REQUEST_ID: s3.request_id}
    response = await serve_object(s3.call, s3.key, private=private, extra=extra, metadata=metadata)
    if response.status in (200, 206):
        if overrides:
            add_headers(response, overrides)
        mode = s3.request.headers.get("x-amz-checksum-mode", "").strip().upper()
        etag = response.headers.get("ETag", response.headers.get("etag", "")).strip('"')
        if mode == "ENABLED" and etag and response.status == 200:  # never for a range
            checksum = await upload_store.checksum_of(s3.call.db, s3.key, etag)
            if checksum is not None:
                add_headers(response, checksum.headers())
    return response


async def put_object(s3: S3Call) -> Any:
    """PutObject: the write policy decides, the body streams into R2; checks R2 cannot make
    are made on the way."""
    signed = s3.principal.signed
    put = put_request(s3.request, signed, s3.key)
    settings = s3.call.settings
    plan = decide_write(s3.principal, put.proposal, max_single=settings.max_put_bytes)
    integrity = put.integrity
    prepared = await storage.prepare_put(s3.call, plan, verify=integrity.r2)
    body = s3.call.incoming.body
    try:
        if put.chunked is not None or integrity.streamed:
            stored = await store_checked(
                body, put.length, prepared.put, checksums=integrity.streamed, chunked=put.chunked
            )
        else:
            stored = await prepared.put(body)
    except ApiError as error:
        if error.code == "checksum_mismatch" and signed.payload_mode is PayloadMode.SHA256:
            raise XAmzContentSHA256Mismatch(
                ClientComputedContentSHA256=signed.payload_sha256 or ""
            ) from None
        raise
    headers = {"ETag": str(stored.httpEtag)}
    if integrity.checksum is not None:
        checksum = ObjectChecksum.of(integrity.checksum)
        await upload_store.save_checksum(s3.call.db, s3.key, str(stored.etag), checksum)
        headers.update(checksum.headers())
    return s3.empty(200, headers)


async def delete_object(s3: S3Call) -> Any:
    """DeleteObject, with If-Match (and If-Unmodified-Since, If-None-Match) checked first."""
    plan = decide_delete(s3.principal, s3.key, s3.request.headers)
    await storage.delete_object(s3.call, plan)
    return s3.empty(204)


async def delete_objects(s3: S3Call) -> Any:
    """DeleteObjects: up to 1000 keys; each refused key is an <Error> entry. An entry with an
    <ETag> is deleted only while the object has that etag (PreconditionFailed otherwise)."""
    _authorize(s3)
    signed = s3.principal.signed
    data = await read_small_body(s3.call.incoming.body, MAX_DELETE_BYTES)
    checksum = header_checksum(s3.request.headers)
    left = verify_buffered_body(
        data, signed.payload_sha256, checksum, content_md5(s3.request.headers)
    )
    if left is not None:  # CRC32C, CRC64NVME: computed by workerd
        left.verify(await digest_of(data, left.digest_stream_algorithm))
    request = parse_delete(data)
    allowed, refused = filter_deletes(
        signed.credential, request.keys, presigned=s3.principal.presigned
    )
    failed: set[str] = set()
    permitted = set(allowed)
    for key, etag in request.etags.items():
        if key not in permitted:
            continue
        plan = decide_delete(s3.principal, key, {"if-match": f'"{etag}"'})
        try:
            await storage.delete_object(s3.call, plan)
        except ApiError as error:
            refused.append(DeleteError(key, "PreconditionFailed", error.message))
            failed.add(key)
    await storage.delete_objects(s3.call, [key for key in allowed if key not in request.etags])
    deleted = [key for key in allowed if key not in failed]
    return s3.xml(delete_result(deleted, refused, request.quiet))


async def copy_object(s3: S3Call) -> Any:
    """CopyObject within the bucket: R2's body of the source streams into a put; what the
    copy stores (the source's headers and metadata, or the request's) passes the write
    policy as any write does."""
    plan = plan_copy(s3.request, s3.bucket)
    _authorize(s3, copy_source=plan.source_key)
    bucket = s3.call.bucket
    head = await bucket.head(plan.source_key)
    if head is None:
        raise NoSuchKey(Key=plan.source_key[:1024])
    source = object_info(head)
    if not copy_preconditions_hold(plan, source.etag, source.uploaded):
        raise PreconditionFailed()
    proposal = copy_proposal(s3.request, plan, source, s3.key)
    write = decide_write(s3.principal, proposal, max_single=MAX_SINGLE_WRITE)
    prepared = await storage.prepare_put(s3.call, write)
    got = await bucket.get(plan.source_key, {"onlyIf": {"etagMatches": source.etag}})
    if got is None or not has_body(got):
        raise PreconditionFailed("The source object changed during the copy.")
    stored = await prepared.put(got.body)
    info = object_info(stored, metadata=False)
    return s3.xml(copy_object_result(info.http_etag, info.uploaded))


async def head_bucket(s3: S3Call) -> Any:
    return s3.empty(200, {"x-amz-bucket-region": "auto"})


async def bucket_location(s3: S3Call) -> Any:
    return s3.xml(location_constraint(None))


async def list_buckets(s3: S3Call) -> Any:
    return s3.xml(list_all_my_buckets_result(s3.bucket, CREATED))
