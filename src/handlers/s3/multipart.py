"""S3 multipart uploads (CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
AbortMultipartUpload, ListParts) on r2gate's own multipart records and rules
(r2gate.multipart, r2gate.upload_records): the S3 UploadId is r2gate's upload id, the upload
belongs to the key pair that created it, and the client picks the part size (boto3 sends
uniform 8 MiB parts), which R2's rule then holds for every part but the last."""

from __future__ import annotations

import secrets
from typing import Any

from r2gate.errors import ApiError
from r2gate.multipart import (
    MAX_PART_SIZE,
    MIN_PART_SIZE,
    bounds_for,
    check_part,
    plan_completion,
)
from r2gate.s3.checksums import header_checksum, verify_buffered_body
from r2gate.s3.errors import InvalidArgument, PreconditionFailed
from r2gate.s3.operations import authorize, plan_part, plan_put
from r2gate.s3.xml import (
    MAX_COMPLETE_BYTES,
    ListedPart,
    complete_multipart_upload_result,
    initiate_multipart_upload_result,
    list_parts_result,
    parse_complete_multipart_upload,
)
from r2gate.upload_records import (
    Manifest,
    check_access,
    manifest_key,
    part_record_key,
    part_record_metadata,
    part_records,
    parts_prefix,
)

from .. import edge_cache
from ..multipart import (
    abort_r2_upload,
    forget_upload,
    list_objects,
    list_part_objects,
    load_manifest,
)
from ..r2 import object_info
from ..streams import digest_of, read_small_body
from .bodies import store_checked
from .context import S3Call

MAX_LISTED_PARTS = 1000


def _authorize(s3: S3Call) -> None:
    authorize(s3.principal.signed.credential, s3.operation, presigned=s3.principal.presigned)


async def _manifest(s3: S3Call) -> Manifest:
    """The caller's upload named by uploadId, for this key (NoSuchUpload otherwise)."""
    assert s3.operation.upload_id is not None
    found = await load_manifest(s3.call.bucket, s3.operation.upload_id)
    return check_access(found, s3.key, s3.principal.owner, s3.call.now())


async def create(s3: S3Call) -> Any:
    _authorize(s3)
    settings, bucket = s3.call.settings, s3.call.bucket
    plan = plan_put(s3.request, s3.principal.signed, s3.key, max_put_bytes=0, multipart=True)
    largest = min(MAX_PART_SIZE, settings.max_put_bytes)
    if largest < MIN_PART_SIZE:
        raise ApiError(500, "server_misconfigured", "MAX_PUT_BYTES is below R2's 5 MiB parts.")
    r2_upload = await bucket.create_multipart_upload(s3.key, plan.r2_options)
    manifest = Manifest.new(
        upload_id=secrets.token_hex(16),
        key=s3.key,
        r2_upload_id=str(r2_upload.uploadId),
        owner=s3.principal.owner,
        part_size=largest,
        content_type=plan.content_type,
        now=s3.call.now(),
        max_age=settings.upload_max_age,
        bounds=None,
        client_sized=True,
    )
    try:
        await bucket.put(
            manifest_key(manifest.upload_id), b"", {"customMetadata": manifest.to_metadata()}
        )
    except ApiError:
        await abort_r2_upload(bucket, manifest)
        raise
    return s3.xml(initiate_multipart_upload_result(s3.bucket, s3.key, manifest.upload_id))


async def upload_part(s3: S3Call) -> Any:
    _authorize(s3)
    manifest = await _manifest(s3)
    number = s3.operation.part_number
    assert number is not None
    plan = plan_part(s3.request, s3.principal.signed, max_part_bytes=manifest.part_size)
    check_part(manifest, number, plan.length, bounds_for(manifest, None))
    bucket = s3.call.bucket
    r2_upload = bucket.upload(manifest.key, manifest.r2_upload_id)

    async def start(stream: Any) -> Any:
        return await r2_upload.upload_part(number, stream)

    body = s3.call.incoming.body
    if plan.chunked is not None or plan.digests:
        part = await store_checked(
            body, plan.length, start, checksums=plan.digests, chunked=plan.chunked
        )
    else:
        part = await start(body)
    etag = str(part.etag)
    record = {"customMetadata": part_record_metadata(plan.length, etag)}
    await bucket.put(part_record_key(manifest.upload_id, number), b"", record)
    return s3.empty(200, {"ETag": f'"{etag}"'})


async def complete(s3: S3Call) -> Any:
    _authorize(s3)
    manifest = await _manifest(s3)
    signed, bucket = s3.principal.signed, s3.call.bucket
    data = await read_small_body(s3.call.incoming.body, MAX_COMPLETE_BYTES)
    left = verify_buffered_body(data, signed.payload_sha256, header_checksum(s3.request.headers))
    if left is not None:  # CRC32C, CRC64NVME: computed by workerd
        left.verify(await digest_of(data, left.digest_stream_algorithm))
    requested = [(p.part_number, p.etag.strip('"')) for p in parse_complete_multipart_upload(data)]
    objects = await list_part_objects(bucket, manifest.upload_id)
    parts = plan_completion(
        manifest, part_records(manifest.upload_id, objects), requested, bounds_for(manifest, None)
    )
    if not manifest.overwrite and await bucket.exists(manifest.key):
        raise PreconditionFailed()
    stored = await bucket.upload(manifest.key, manifest.r2_upload_id).complete(parts)
    try:
        await forget_upload(bucket, manifest.upload_id, objects)
    except ApiError as error:  # the object is complete; the cleanup cron removes the rest
        print(f"r2gate: records of upload {manifest.upload_id} not removed: {error.code}")
    edge_cache.evict(s3.call.ctx, edge_cache.cache_url(s3.call.incoming.url, manifest.key))
    info = object_info(stored)
    body = complete_multipart_upload_result(
        s3.object_url(manifest.key), s3.bucket, manifest.key, info.http_etag
    )
    return s3.xml(body)


async def abort(s3: S3Call) -> Any:
    _authorize(s3)
    manifest = await _manifest(s3)
    bucket = s3.call.bucket
    await abort_r2_upload(bucket, manifest)
    await forget_upload(
        bucket, manifest.upload_id, await list_part_objects(bucket, manifest.upload_id)
    )
    return s3.empty(204)


def _whole(s3: S3Call, name: str, default: int, maximum: int) -> int:
    raw = s3.request.param(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        raise InvalidArgument(f"{name} must be a whole number.", ArgumentName=name)
    return min(int(raw), maximum)


async def list_parts(s3: S3Call) -> Any:
    _authorize(s3)
    manifest = await _manifest(s3)
    max_parts = _whole(s3, "max-parts", MAX_LISTED_PARTS, MAX_LISTED_PARTS)
    marker = _whole(s3, "part-number-marker", 0, 10_000)
    listed = await list_objects(s3.call.bucket, parts_prefix(manifest.upload_id))
    records = part_records(manifest.upload_id, [(key, meta) for key, _, meta in listed])
    uploaded = {key: when for key, when, _ in listed}
    numbers = [n for n in sorted(records) if n > marker]
    shown, more = numbers[:max_parts], len(numbers) > max_parts
    parts = [
        ListedPart(
            n,
            uploaded[part_record_key(manifest.upload_id, n)],
            f'"{records[n].etag}"',
            records[n].size,
        )
        for n in shown
    ]
    body = list_parts_result(
        bucket=s3.bucket,
        key=s3.key,
        upload_id=manifest.upload_id,
        parts=parts,
        max_parts=max_parts,
        part_number_marker=marker,
        next_part_number_marker=shown[-1] if shown else None,
        truncated=more,
    )
    return s3.xml(body)
