"""ListObjectsV2 and ListObjects (version 1): one R2 list call (two when R2's page held only
r2gate's internal records), never showing anything under ``api/``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from r2gate.errors import ApiError
from r2gate.listing import ListQuery as ApiListQuery
from r2gate.listing import is_internal, options_past_internal
from r2gate.s3.errors import InvalidArgument
from r2gate.s3.operations import ListQuery, authorize, parse_list_query
from r2gate.s3.xml import ListEntry, list_bucket_result, list_objects_v2_result

from ..r2 import list_result
from .context import S3Call

# Past every key that starts with a marker ending in the delimiter (ListObjects version 1:
# NextMarker is then a common prefix, and the next page starts after all of it).
PAST_PREFIX = "\U0010ffff" * 4


async def _list(
    s3: S3Call, query: ListQuery
) -> tuple[list[ListEntry], list[str], str | None, bool]:
    if query.max_keys == 0 or is_internal(query.prefix):
        return [], [], None, False
    options = query.r2_list_options()
    try:
        raw = await s3.call.bucket.list(options)
        objects, prefixes, cursor, truncated = list_result(raw)
        again = options_past_internal(
            ApiListQuery(query.prefix, query.delimiter, None, options["limit"]),
            [o.key for o in objects],
            prefixes,
            truncated,
        )
        if again is not None:
            objects, prefixes, cursor, truncated = list_result(await s3.call.bucket.list(again))
    except ApiError:
        if query.continuation_token is not None:
            raise InvalidArgument(
                "The continuation token provided is incorrect",
                ArgumentName="continuation-token",
            ) from None
        raise
    entries = [
        ListEntry(o.key, o.uploaded, o.http_etag, o.size) for o in objects if not is_internal(o.key)
    ]
    return entries, [p for p in prefixes if not is_internal(p)], cursor, truncated


def _authorized_query(s3: S3Call, version: int) -> ListQuery:
    """The ListObjects (`version` 1 or 2) query, once the credential may list its prefix."""
    query = parse_list_query(s3.request, version)
    authorize(
        s3.principal.signed.credential,
        s3.operation,
        presigned=s3.principal.presigned,
        list_prefix=query.prefix,
    )
    return query


async def list_objects_v2(s3: S3Call) -> Any:
    query = _authorized_query(s3, 2)
    entries, prefixes, cursor, truncated = await _list(s3, query)
    return s3.xml(
        list_objects_v2_result(
            bucket=s3.bucket,
            prefix=query.prefix,
            delimiter=query.delimiter,
            max_keys=query.max_keys,
            entries=entries,
            common_prefixes=prefixes,
            truncated=truncated and cursor is not None,
            continuation_token=query.continuation_token,
            next_continuation_token=cursor,
            start_after=query.start_after,
            encoding_type=query.encoding_type,
            fetch_owner=s3.request.param("fetch-owner") == "true",
        )
    )


async def list_objects_v1(s3: S3Call) -> Any:
    query = _authorized_query(s3, 1)
    marker = query.start_after or ""
    if marker and query.delimiter and marker.endswith(query.delimiter):
        query = replace(query, start_after=marker + PAST_PREFIX)
    entries, prefixes, _, truncated = await _list(s3, query)
    last = max([e.key for e in entries] + prefixes) if (entries or prefixes) else None
    return s3.xml(
        list_bucket_result(
            bucket=s3.bucket,
            prefix=query.prefix,
            delimiter=query.delimiter,
            max_keys=query.max_keys,
            marker=marker,
            entries=entries,
            common_prefixes=prefixes,
            truncated=truncated and last is not None,
            next_marker=last if truncated else None,
            encoding_type=query.encoding_type,
        )
    )
