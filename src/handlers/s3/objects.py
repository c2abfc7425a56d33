"""S3 object operations: GetObject and HeadObject through r2gate's read path, PutObject,
DeleteObject, DeleteObjects, CopyObject, and the bucket-level answers (HeadBucket,
GetBucketLocation, ListBuckets)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from r2gate.cache_policy import decide
from r2gate.errors import ApiError
from r2gate.httpdates import format_http_date
from r2gate.objects import ObjectInfo
from r2gate.read_plan import plan_headers, plan_read
from r2gate.s3.acl import check_canned_acl
from r2gate.s3.checksums import content_md5, header_checksum, verify_buffered_body
from r2gate.s3.errors import (
    AccessDenied,
    BucketAlreadyOwnedByYou,
    NoSuchKey,
    PreconditionFailed,
    S3NotImplemented,
    XAmzContentSHA256Mismatch,
)
from r2gate.s3.object_checksums import ObjectChecksum, part_checksum
from r2gate.s3.operations import (
    authorize,
    copy_preconditions_hold,
    copy_proposal,
    filter_deletes,
    part_range,
    plan_copy,
    put_request,
    response_overrides,
    whole_number,
)
from r2gate.s3.operations import object_attributes as object_attributes_wanted
from r2gate.s3.sigv4 import PayloadMode
from r2gate.s3.translate import single_put_too_large
from r2gate.s3.xml import (
    MAX_DELETE_BYTES,
    AttributePart,
    DeleteError,
    access_control_policy,
    copy_object_result,
    delete_result,
    list_all_my_buckets_result,
    location_constraint,
    object_attributes_result,
    parse_delete,
)
from r2gate.write_policy import MAX_SINGLE_WRITE, decide_delete, decide_write

from .. import storage, upload_store
from ..http import add_headers, stream_response
from ..r2 import has_body, object_info
from ..read import bodiless, describe, serve_object
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
    ``response-*`` overrides on a 200 or 206; ``?partNumber=`` reads one part (`get_part`)."""
    if s3.operation.part_number is not None:
        return await get_part(s3)
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
    check_canned_acl(s3.request.headers.get("x-amz-acl"), s3.key, _private(s3, s3.key))
    settings = s3.call.settings
    try:
        plan = decide_write(s3.principal, put.proposal, max_single=settings.max_put_bytes)
    except ApiError as error:
        if error.code == "too_large" and error.details.get("MaxSizeAllowed") == str(
            settings.max_put_bytes
        ):
            raise single_put_too_large(error) from None
        raise
    integrity = put.integrity
    prepared = await storage.prepare_put(s3.call, plan, verify=integrity.r2)
    body = s3.call.incoming.body
    claimed = integrity.checksum
    try:
        if put.chunked is not None or integrity.streamed:
            stored, trailer = await store_checked(
                body, put.length, prepared.put, checksums=integrity.streamed, chunked=put.chunked
            )
            claimed = claimed or trailer
        else:
            stored = await prepared.put(body)
    except ApiError as error:
        if error.code == "checksum_mismatch" and signed.payload_mode is PayloadMode.SHA256:
            raise XAmzContentSHA256Mismatch(
                ClientComputedContentSHA256=signed.payload_sha256 or ""
            ) from None
        raise
    headers = {"ETag": str(stored.httpEtag)}
    if claimed is not None:
        checksum = ObjectChecksum.of(claimed)
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
    unconditional = [key for key in allowed if key not in request.etags]
    await storage.delete_objects(s3.call, unconditional, s3.principal.actor)
    deleted = [key for key in allowed if key not in failed]
    return s3.xml(delete_result(deleted, refused, request.quiet))


async def copy_object(s3: S3Call) -> Any:
    """CopyObject within the bucket: R2's body of the source streams into a put; what the
    copy stores (the source's headers and metadata, or the request's) passes the write
    policy as any write does."""
    plan = plan_copy(s3.request, s3.bucket, target=s3.key)
    _authorize(s3, copy_source=plan.source_key)
    check_canned_acl(s3.request.headers.get("x-amz-acl"), s3.key, _private(s3, s3.key))
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
    """ListBuckets: the one bucket, created at S3_BUCKET_CREATED, else when r2gate's
    database was set up (R2's binding does not tell a bucket's creation time)."""
    created = s3.call.settings.s3.created or await upload_store.database_created(s3.call.db)
    return s3.xml(list_all_my_buckets_result(s3.bucket, created or CREATED))


# --- partNumber reads, attributes, ACLs, bucket probes -------------------------------------


async def _part_sizes(s3: S3Call, info: ObjectInfo) -> list[int] | None:
    """The part sizes of an object r2gate's multipart upload made (None: a single put)."""
    upload = await upload_store.completed_upload(s3.call.db, info.key, info.etag)
    if upload is None:
        return None
    records = await upload_store.parts(s3.call.db, upload.upload_id)
    sizes = [record.size for record in records.values()]
    return sizes if sum(sizes) == info.size else None  # a subset completed: parts unknown


async def get_part(s3: S3Call) -> Any:
    """GetObject / HeadObject with ``?partNumber=N``: the bytes of part N of a multipart
    object (206, with x-amz-mp-parts-count), or of a single put's only part, 1 (200)."""
    _authorize(s3)
    number = s3.operation.part_number
    assert number is not None
    call, incoming = s3.call, s3.call.incoming
    head = await call.bucket.head(s3.key)
    if head is None:
        raise NoSuchKey(Key=s3.key[:1024])
    info, headers = describe(head, call.settings, metadata=not s3.principal.presigned)
    sizes = await _part_sizes(s3, info)
    offset, length = part_range(sizes or [info.size], number)
    asked = {k: v for k, v in incoming.headers.items() if k not in ("range", "if-range")}
    if sizes is not None and incoming.method == "GET":
        asked["range"] = f"bytes={offset}-{offset + length - 1}"
    plan = plan_read(incoming.method, asked, info.http_etag, info.uploaded, info.size)
    extra = {REQUEST_ID: s3.request_id}
    if sizes is not None:
        extra["x-amz-mp-parts-count"] = str(len(sizes))
    if incoming.method == "HEAD" or not plan.sends_body:
        reply = bodiless(plan, headers, info.size)
        if sizes is not None and plan.status == 200:  # HEAD: the part's length and place, 206
            reply.status = 206
            extra["Content-Length"] = str(length)
            extra["Content-Range"] = f"bytes {offset}-{offset + length - 1}/{info.size}"
        return add_headers(reply, extra)
    pinned = {"range": {"offset": offset, "length": length}, "onlyIf": {"etagMatches": info.etag}}
    got = await call.bucket.get(s3.key, pinned)
    if got is None or not has_body(got):
        raise ApiError(503, "object_changing", "The object is being rewritten; retry.")
    status = 206 if sizes is not None else 200
    reply = stream_response(got.body, status, plan_headers(plan, headers, info.size))
    return add_headers(reply, extra)


async def object_attributes(s3: S3Call) -> Any:
    """GetObjectAttributes: ETag, Checksum, ObjectParts, StorageClass, ObjectSize."""
    _authorize(s3)
    wanted = object_attributes_wanted(s3.request.headers)
    head = await s3.call.bucket.head(s3.key)
    if head is None:
        raise NoSuchKey(Key=s3.key[:1024])
    info = object_info(head, metadata=False)
    db = s3.call.db
    checksum = await upload_store.checksum_of(db, info.key, info.etag)
    parts = None
    if "ObjectParts" in wanted:
        upload = await upload_store.completed_upload(db, info.key, info.etag)
        if upload is not None:
            records = await upload_store.parts(db, upload.upload_id)
            parts = [
                AttributePart(r.part_number, r.size, _part_checksum(r.checksum))
                for r in records.values()
            ]
    headers = s3.request.headers
    body = object_attributes_result(
        wanted=wanted,
        etag=info.etag,
        size=info.size,
        checksum=(checksum.algorithm, checksum.value, checksum.type) if checksum else None,
        parts=parts,
        max_parts=whole_number(headers.get("x-amz-max-parts"), "x-amz-max-parts", 1000, 1000),
        part_number_marker=whole_number(
            headers.get("x-amz-part-number-marker"), "x-amz-part-number-marker", 0, 10_000
        ),
    )
    return s3.xml(body, headers={"Last-Modified": format_http_date(info.uploaded)})


def _part_checksum(recorded: str | None) -> tuple[str, str] | None:
    checksum = part_checksum(recorded)
    return (checksum.algorithm, checksum.base64) if checksum else None


def _private(s3: S3Call, key: str) -> bool:
    return decide(key, None, s3.call.settings.cache).private


async def get_object_acl(s3: S3Call) -> Any:
    """GetObjectAcl: what r2gate's rules grant (docs/s3.md, ACLs)."""
    _authorize(s3)
    if await s3.call.bucket.head(s3.key) is None:
        raise NoSuchKey(Key=s3.key[:1024])
    return s3.xml(access_control_policy(public=not _private(s3, s3.key)))


async def put_object_acl(s3: S3Call) -> Any:
    """PutObjectAcl with a canned ACL: accepted when it says what r2gate does anyway."""
    _authorize(s3)
    _canned_only(s3)
    if await s3.call.bucket.head(s3.key) is None:
        raise NoSuchKey(Key=s3.key[:1024])
    check_canned_acl(s3.request.headers.get("x-amz-acl"), s3.key, _private(s3, s3.key))
    return s3.empty(200)


def _canned_only(s3: S3Call) -> None:
    headers = s3.request.headers
    if any(name.startswith("x-amz-grant-") for name in headers) or (
        headers.get("content-length", "0").strip() not in ("", "0")
    ):
        raise S3NotImplemented("Only canned ACLs (x-amz-acl) are accepted.", Header="x-amz-acl")


async def get_bucket_acl(s3: S3Call) -> Any:
    """GetBucketAcl: the owner has full control; listing always needs a key pair."""
    return s3.xml(access_control_policy(public=False))


async def put_bucket_acl(s3: S3Call) -> Any:
    """PutBucketAcl: ``private`` and ``bucket-owner-full-control`` say what r2gate does
    (listing needs a key pair); anything that would open the bucket is refused."""
    _canned_only(s3)
    acl = (s3.request.headers.get("x-amz-acl") or "private").strip()
    if acl not in ("private", "bucket-owner-full-control"):
        raise AccessDenied("r2gate never lists the bucket without a key pair.")
    return s3.empty(200)


async def create_bucket(s3: S3Call) -> Any:
    """CreateBucket of the bucket r2gate serves: 409 BucketAlreadyOwnedByYou, as S3 answers
    its owner (rclone and s3cmd probe with it)."""
    raise BucketAlreadyOwnedByYou(BucketName=s3.bucket)
