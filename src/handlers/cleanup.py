"""The hourly cron (wrangler.toml `[triggers]`): abort multipart uploads older than
UPLOAD_MAX_AGE and remove r2gate's records of them.

Age is measured against the event's `scheduledTime`, not the clock, so the cleanup is
testable without waiting (`GET /__scheduled?cron=...&time=<ms>` with --test-scheduled).
At most `BATCH` uploads are removed per run (each costs a handful of R2 operations); the
rest wait for the next hour.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from r2gate.errors import ApiError
from r2gate.upload_records import MANIFEST_PREFIX, Manifest, expired_upload_ids, manifest_key

from .config import js_env, settings_from_env
from .multipart import abort_r2_upload, forget_upload, list_objects, list_part_objects
from .r2 import Bucket

BATCH = 100


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
    settings = settings_from_env(env)
    bucket = Bucket(js_env(env).BUCKET)
    report = await cleanup_uploads(bucket, scheduled_time(controller), settings.upload_max_age)
    print(f"r2gate: upload cleanup removed {report.removed}, failed {report.failed}")
    return report


async def cleanup_uploads(bucket: Bucket, now: datetime, max_age: int) -> CleanupReport:
    """Abort and forget every upload whose manifest is at least `max_age` seconds old."""
    listed = await list_objects(bucket, MANIFEST_PREFIX)
    metadata = {key: meta for key, _, meta in listed}
    expired = expired_upload_ids(((key, uploaded) for key, uploaded, _ in listed), now, max_age)
    report = CleanupReport()
    for upload_id in expired[:BATCH]:
        try:
            await _remove(bucket, upload_id, metadata[manifest_key(upload_id)])
            report.removed += 1
        except ApiError as error:
            print(f"r2gate: cleanup of upload {upload_id} failed: {error.code}")
            report.failed += 1
    return report


async def _remove(bucket: Bucket, upload_id: str, metadata: Any) -> None:
    try:
        manifest = Manifest.from_metadata(upload_id, metadata)
    except ValueError:
        manifest = None  # unreadable: nothing to abort, the records still go
    if manifest is not None:
        await abort_r2_upload(bucket, manifest)
    await forget_upload(bucket, upload_id, await list_part_objects(bucket, upload_id))
