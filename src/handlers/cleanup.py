"""The hourly cron (wrangler.toml `[triggers]`): abort multipart uploads past their expiry
(UPLOAD_MAX_AGE after creation) and remove r2gate's records of them.

Age is measured against the event's `scheduledTime`, not the clock, so the cleanup is
testable without waiting (`GET /cdn-cgi/local/scheduled?cron=...&time=<ms>` with
--test-scheduled). At most `BATCH` uploads are handled per run (each costs a few R2 and D1
operations); the rest wait for the next hour.

A completed upload's record stays while the object it made is unchanged (its parts answer
GetObjectAttributes and ``?partNumber=`` reads): past its expiry the cron looks at the object
and forgets the record once the object was replaced or deleted, else looks again a week later.
Records that earlier versions kept in the bucket (`LEGACY_PREFIXES`) are removed as found.
The object index's tombstones (keys deleted more than a week ago) are forgotten, at most
`TOMBSTONES` per run (docs/events.md). Aborting an upload deletes no object: no event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from r2gate import index_sql
from r2gate.errors import ApiError
from r2gate.upload_records import LEGACY_PREFIXES, Manifest

from . import upload_store
from .call import database
from .config import js_env, settings_from_env
from .d1 import Database
from .multipart import abort_r2_upload, abort_upload
from .r2 import Bucket, list_result

BATCH = 100
TOMBSTONES = 5000
RECHECK_COMPLETED = 7 * 86400  # how long a completed upload's record is kept between checks
LEGACY_PART_PAGES = 10


@dataclass
class CleanupReport:
    """What one run did: uploads removed, uploads that failed (left for the next run)."""

    removed: int = 0
    failed: int = 0


def scheduled_time(controller: Any) -> datetime:
    """The event's scheduledTime (ms since the epoch), else the clock."""
    millis = getattr(controller, "scheduledTime", None)
    if isinstance(millis, int | float) and not isinstance(millis, bool):
        return datetime.fromtimestamp(millis / 1000, UTC)
    return datetime.fromtimestamp(time.time(), UTC)


async def run_scheduled(controller: Any, env: Any, ctx: Any) -> CleanupReport:
    """The Worker's scheduled handler."""
    settings_from_env(env)  # a setting that does not parse fails the run, as it fails requests
    raw = js_env(env)
    bucket, db = Bucket(raw.BUCKET), database(raw)
    now = int(scheduled_time(controller).timestamp())
    report = await cleanup_uploads(bucket, db, now)
    report.removed += await remove_legacy_records(bucket)
    forgotten = await purge_tombstones(db, now * 1000)
    print(
        f"r2gate: upload cleanup removed {report.removed}, failed {report.failed}; "
        f"{forgotten} index tombstones forgotten"
    )
    return report


async def purge_tombstones(db: Database, now_ms: int) -> int:
    """Forget the index rows of keys deleted over a week ago: how many (0 on a D1 failure,
    logged by the Database)."""
    sql, params = index_sql.purge_tombstones(now_ms, TOMBSTONES)
    try:
        return await db.run(sql, *params)
    except ApiError:
        return 0


async def cleanup_uploads(bucket: Bucket, db: Database, now: int) -> CleanupReport:
    """Abort and forget every open upload past its expiry; forget a completed one once its
    object changed."""
    report = CleanupReport()
    for manifest in await upload_store.expired(db, now, BATCH):
        try:
            if manifest.completed and await _still_stored(bucket, manifest):
                await upload_store.extend(db, manifest.upload_id, now + RECHECK_COMPLETED)
                continue
            await abort_upload(bucket, db, manifest)
            report.removed += 1
        except ApiError as error:
            print(f"r2gate: cleanup of upload {manifest.upload_id} failed: {error.code}")
            report.failed += 1
    return report


async def _still_stored(bucket: Bucket, manifest: Manifest) -> bool:
    head = await bucket.head(manifest.key)
    return head is not None and str(head.etag) == manifest.completed_etag


async def remove_legacy_records(bucket: Bucket) -> int:
    """Abort the uploads earlier versions recorded in the bucket and delete those records (at
    most BATCH per run): the number of uploads removed."""
    manifests, parts = LEGACY_PREFIXES
    listed = list_result(
        await bucket.list({"prefix": manifests, "limit": BATCH, "include": ["customMetadata"]})
    )[0]
    for record in listed:
        metadata = record.custom_metadata
        key, r2_upload_id = metadata.get("key"), metadata.get("r2_upload_id")
        if key and r2_upload_id:
            legacy = Manifest(
                upload_id="0" * 32,
                key=key,
                r2_upload_id=r2_upload_id,
                owner="",
                part_size=0,
                created=0,
                expires=0,
                content_type="",
            )
            try:
                await abort_r2_upload(bucket, legacy)
            except ApiError as error:
                print(f"r2gate: abort of a legacy upload failed: {error.code}")
                continue
        part_prefix = f"{parts}{record.key[len(manifests) :]}/"
        for _ in range(LEGACY_PART_PAGES):  # 10,000 parts at most: ten pages
            page = list_result(await bucket.list({"prefix": part_prefix, "limit": 1000}))[0]
            if not page:
                break
            await bucket.delete([obj.key for obj in page])
        await bucket.delete(record.key)  # last: a failure leaves it for the next run
    return len(listed)
