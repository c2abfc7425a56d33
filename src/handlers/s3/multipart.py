"""S3 multipart uploads (CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
AbortMultipartUpload, ListParts) on r2gate's own multipart records and rules
(r2gate.multipart, r2gate.upload_records): the S3 UploadId is r2gate's upload id, the upload
belongs to the key pair that created it, and the client picks the part size (boto3 sends
uniform 8 MiB parts), which R2's rule then holds for every part but the last."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from r2gate.cache_policy import decide
from r2gate.errors import ApiError
from r2gate.multipart import MAX_PART_SIZE, MIN_PART_SIZE
from r2gate.s3.acl import check_canned_acl
from r2gate.s3.checksums import content_md5, header_checksum, verify_buffered_body
from r2gate.s3.errors import InvalidArgument, NoSuchKey, PreconditionFailed
from r2gate.s3.object_checksums import (
    ObjectChecksum,
    completed_checksum,
    part_checksum,
    upload_checksum,
)
from r2gate.s3.operations import (
    authorize,
    copy_preconditions_hold,
    copy_source_range,
    object_proposal,
    parse_uploads_query,
    plan_copy,
    plan_part,
)
from r2gate.s3.xml import (
    MAX_COMPLETE_BYTES,
    CompletedPart,
    ListedPart,
    ListedUpload,
    checksum_elements,
    complete_multipart_upload_result,
    copy_part_result,
    initiate_multipart_upload_result,
    list_multipart_uploads_result,
    list_parts_result,
    parse_complete_multipart_upload,
)
from r2gate.upload_records import Manifest, PartRecord, check_access
from r2gate.write_policy import check_part, decide_completion, decide_upload

from .. import upload_store
from ..multipart import abort_upload, finish_upload, record_part, start_upload
from ..r2 import has_body, object_info
from ..streams import read_small_body
from .bodies import store_checked
from .context import S3Call

MAX_LISTED_PARTS = 1000


def _authorize(s3: S3Call) -> None:
    authorize(s3.principal.signed.credential, s3.operation, presigned=s3.principal.presigned)


async def _manifest(s3: S3Call, *, completed: bool = False) -> Manifest:
    """The caller's open upload named by uploadId, for this key (NoSuchUpload otherwise);
    with `completed`, also one that was completed."""
    assert s3.operation.upload_id is not None
    found = await upload_store.load(s3.call.db, s3.operation.upload_id)
    return check_access(found, s3.key, s3.principal.owner, s3.call.now(), completed=completed)


async def create(s3: S3Call) -> Any:
    """CreateMultipartUpload: the client picks the part size; the largest is the upload's."""
    plan = decide_upload(s3.principal, object_proposal(s3.request, s3.key, preconditions=False))
    private = decide(s3.key, None, s3.call.settings.cache).private
    check_canned_acl(s3.request.headers.get("x-amz-acl"), s3.key, private)
    largest = min(MAX_PART_SIZE, s3.call.settings.max_put_bytes)
    if largest < MIN_PART_SIZE:
        raise ApiError(500, "server_misconfigured", "MAX_PUT_BYTES is below R2's 5 MiB parts.")
    checksum = upload_checksum(s3.request.headers)
    algorithm, kind = checksum if checksum is not None else (None, None)
    manifest = await start_upload(
        s3.call,
        plan,
        s3.principal.owner,
        largest,
        client_sized=True,
        checksum_algorithm=algorithm,
        checksum_type=kind,
    )
    headers = {}
    if algorithm is not None and kind is not None:
        headers = {"x-amz-checksum-algorithm": algorithm.upper(), "x-amz-checksum-type": kind}
    body = initiate_multipart_upload_result(s3.bucket, s3.key, manifest.upload_id)
    return s3.xml(body, headers=headers)


async def upload_part(s3: S3Call) -> Any:
    _authorize(s3)
    manifest = await _manifest(s3)
    number = s3.operation.part_number
    assert number is not None
    plan = plan_part(s3.request, s3.principal.signed)
    check_part(manifest, s3.principal.upload, number, plan.length)
    bucket = s3.call.bucket
    r2_upload = bucket.upload(manifest.key, manifest.r2_upload_id)

    async def start(stream: Any) -> Any:
        return await r2_upload.upload_part(number, stream)

    body = s3.call.incoming.body
    checksum = plan.checksum
    if plan.chunked is not None or plan.digests:
        part, trailer = await store_checked(
            body, plan.length, start, checksums=plan.digests, chunked=plan.chunked
        )
        checksum = checksum or trailer
    else:
        part = await start(body)
    recorded = None if checksum is None else f"{checksum.algorithm}:{checksum.base64}"
    record = PartRecord(
        number, plan.length, str(part.etag), checksum=recorded, uploaded=_milliseconds()
    )
    await record_part(s3.call, manifest, record)
    headers = {"ETag": f'"{record.client_etag}"'}
    if checksum is not None:
        headers[checksum.header] = checksum.base64
    return s3.empty(200, headers)


async def complete(s3: S3Call) -> Any:
    """CompleteMultipartUpload. The listed parts may be any of those received, in ascending
    order, gaps allowed (S3's rule); a repeated completion of a completed upload answers as
    the first did, so a client retrying after a lost answer learns its object is stored."""
    _authorize(s3)
    manifest = await _manifest(s3, completed=True)
    signed, db = s3.principal.signed, s3.call.db
    data = await read_small_body(s3.call.incoming.body, MAX_COMPLETE_BYTES)
    # The x-amz-checksum-* header of a completion is the object's checksum, not the body's.
    verify_buffered_body(data, signed.payload_sha256, None, content_md5(s3.request.headers))
    listed = parse_complete_multipart_upload(data)
    if manifest.completed:
        assert manifest.completed_etag is not None
        etag = manifest.completed_etag
        checksum = await upload_store.checksum_of(db, manifest.key, etag)
    else:
        records = await upload_store.parts(db, manifest.upload_id)
        requested = [(p.part_number, p.etag.strip('"')) for p in listed]
        plan = decide_completion(
            manifest, s3.principal.upload, records, requested, s3.request.headers, every_part=False
        )
        checksum = _object_checksum(s3, manifest, records, listed)
        etag = str((await finish_upload(s3.call, manifest, plan)).etag)
        if checksum is not None:
            await upload_store.save_checksum(db, manifest.key, etag, checksum)
    elements = (
        checksum_elements(checksum.algorithm, checksum.value, checksum.type) if checksum else []
    )
    body = complete_multipart_upload_result(
        s3.object_url(manifest.key), s3.bucket, manifest.key, f'"{etag}"', elements
    )
    return s3.xml(body)


def _object_checksum(
    s3: S3Call,
    manifest: Manifest,
    records: Mapping[int, PartRecord],
    listed: Sequence[CompletedPart],
) -> ObjectChecksum | None:
    """The completed object's checksum from its parts' (r2gate.s3.object_checksums)."""
    upload = None
    if manifest.checksum_algorithm is not None and manifest.checksum_type is not None:
        upload = (manifest.checksum_algorithm, manifest.checksum_type)
    parts = []
    for part in listed:
        record = records[part.part_number]  # decide_completion checked it was received
        algorithm = manifest.checksum_algorithm or ""
        parts.append((record.size, part_checksum(record.checksum), part.checksums.get(algorithm)))
    return completed_checksum(upload, parts, header_checksum(s3.request.headers))


async def abort(s3: S3Call) -> Any:
    _authorize(s3)
    manifest = await _manifest(s3)
    await abort_upload(s3.call.bucket, s3.call.db, manifest)
    return s3.empty(204)


def _milliseconds() -> int:
    return int(time.time() * 1000)


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
    records = await upload_store.parts(s3.call.db, manifest.upload_id)
    numbers = [n for n in sorted(records) if n > marker]
    shown, more = numbers[:max_parts], len(numbers) > max_parts
    parts = [
        ListedPart(
            n,
            datetime.fromtimestamp(records[n].uploaded / 1000, UTC),
            f'"{records[n].client_etag}"',
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


UPLOADS_BATCH = 1000
UPLOADS_PAGES = 10  # at most ten D1 reads per listing (keys rolled up into common prefixes)
PAST = "\U0010ffff"  # after every key that starts with what precedes it


async def list_uploads(s3: S3Call) -> Any:
    """ListMultipartUploads: open uploads in (key, upload id) order, from D1, with prefix,
    delimiter (CommonPrefixes), key-marker / upload-id-marker and max-uploads."""
    query = parse_uploads_query(s3.request)
    credential = s3.principal.signed.credential
    authorize(credential, s3.operation, presigned=s3.principal.presigned, list_prefix=query.prefix)
    after: tuple[str, str] | None = None
    if query.key_marker:  # without an upload-id-marker: after every upload of that key
        after = (query.key_marker, query.upload_id_marker or PAST)
        if query.delimiter and query.key_marker.endswith(query.delimiter):
            after = (query.key_marker + PAST, PAST)  # a common prefix: past all of it
    uploads: list[ListedUpload] = []
    prefixes: list[str] = []
    truncated = False
    next_marker: tuple[str, str] | None = None
    for _ in range(UPLOADS_PAGES):
        page = await upload_store.open_uploads(
            s3.call.db, query.prefix, after, UPLOADS_BATCH, s3.call.now()
        )
        for manifest in page.uploads:
            if len(uploads) + len(prefixes) >= query.max_uploads:
                truncated = True
                break
            common = query.common_prefix(manifest.key)
            if common is not None:
                prefixes.append(common)
                after = next_marker = (common + PAST, PAST)
                break  # the next page starts past every key under it
            initiated = datetime.fromtimestamp(manifest.created, UTC)
            uploads.append(
                ListedUpload(
                    manifest.key, manifest.upload_id, initiated, manifest.checksum_algorithm
                )
            )
            after = next_marker = (manifest.key, manifest.upload_id)
        else:
            if not page.truncated:
                break
            continue
        if truncated:
            break
    else:
        truncated = True
    marker_key, marker_id = next_marker or ("", "")
    body = list_multipart_uploads_result(
        bucket=s3.bucket,
        prefix=query.prefix,
        delimiter=query.delimiter,
        key_marker=query.key_marker,
        upload_id_marker=query.upload_id_marker,
        max_uploads=query.max_uploads,
        uploads=uploads,
        common_prefixes=prefixes,
        truncated=truncated,
        next_key_marker=marker_key.removesuffix(PAST) if truncated else None,
        next_upload_id_marker=marker_id if truncated and marker_id != PAST else None,
        encoding_type=query.encoding_type,
    )
    return s3.xml(body)


async def upload_part_copy(s3: S3Call) -> Any:
    """UploadPartCopy: a part's bytes are a range of an object in the bucket
    (x-amz-copy-source, x-amz-copy-source-range, x-amz-copy-source-if-*). R2's body of the
    source streams into the part, in JS: the bytes never enter Python."""
    copy = plan_copy(s3.request, s3.bucket)
    credential = s3.principal.signed.credential
    authorize(
        credential, s3.operation, presigned=s3.principal.presigned, copy_source=copy.source_key
    )
    manifest = await _manifest(s3)
    number = s3.operation.part_number
    assert number is not None
    bucket = s3.call.bucket
    head = await bucket.head(copy.source_key)
    if head is None:
        raise NoSuchKey(Key=copy.source_key[:1024])
    source = object_info(head, metadata=False)
    if not copy_preconditions_hold(copy, source.etag, source.uploaded):
        raise PreconditionFailed()
    offset, length = copy_source_range(s3.request.headers, source.size)
    check_part(manifest, s3.principal.upload, number, length)
    pinned = {"range": {"offset": offset, "length": length}, "onlyIf": {"etagMatches": source.etag}}
    got = await bucket.get(copy.source_key, pinned)
    if got is None or not has_body(got):
        raise PreconditionFailed("The source object changed during the copy.")
    part = await bucket.upload(manifest.key, manifest.r2_upload_id).upload_part(number, got.body)
    uploaded = _milliseconds()
    record = PartRecord(number, length, str(part.etag), uploaded=uploaded)
    await record_part(s3.call, manifest, record)
    when = datetime.fromtimestamp(uploaded / 1000, UTC)
    return s3.xml(copy_part_result(f'"{record.client_etag}"', when))
