"""The object index in D1 (``object_index``, migrations/0002_object_index.sql): one row per key,
kept by the Queue consumer from upload events, read by `GET /api/v1/stats` and the quotas.

A change applies only when it is newer than the row (r2gate.events.applies, the same rule as
the SQL here): replays and late events leave the index as it is, and a deletion stays as a
tombstone row (``deleted`` set) so that an older upload arriving after it cannot bring the
key back.
"""

from __future__ import annotations

from collections.abc import Sequence

from r2gate.events import IndexChange
from r2gate.quotas import prefix_range

from .d1 import Database

# `excluded` is the proposed row; the WHERE is r2gate.events.applies.
UPSERT = """
INSERT INTO object_index (key, size, type, content_type, etag, owner, uploaded, deleted, changed)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (key) DO UPDATE SET
  size = excluded.size, type = excluded.type, content_type = excluded.content_type,
  etag = excluded.etag, owner = excluded.owner, uploaded = excluded.uploaded,
  deleted = excluded.deleted, changed = excluded.changed
WHERE excluded.changed > object_index.changed
   OR (excluded.changed = object_index.changed AND excluded.etag > object_index.etag)
"""


def upsert(change: IndexChange) -> tuple[str, list[str | int | None]]:
    """The statement that applies one change."""
    if change.deleted:
        params: list[str | int | None] = [
            change.key,
            0,
            "",
            "",
            "",
            change.owner,
            None,
            change.changed,
            change.changed,
        ]
    else:
        params = [
            change.key,
            change.size,
            change.type,
            change.content_type,
            change.etag,
            change.owner,
            change.changed,
            None,
            change.changed,
        ]
    return UPSERT, params


async def apply(db: Database, changes: Sequence[IndexChange]) -> None:
    """Apply changes (one transaction)."""
    await db.batch([upsert(change) for change in changes])


async def used_bytes(db: Database, prefix: str) -> int:
    """The indexed bytes under `prefix` ("" is the bucket): one range query on the key."""
    low, high = prefix_range(prefix)
    if high is None:
        row = await db.row(
            "SELECT COALESCE(SUM(size), 0) AS used FROM object_index "
            "WHERE key >= ?1 AND deleted IS NULL",
            low,
        )
    else:
        row = await db.row(
            "SELECT COALESCE(SUM(size), 0) AS used FROM object_index "
            "WHERE key >= ?1 AND key < ?2 AND deleted IS NULL",
            low,
            high,
        )
    return int(row["used"]) if row else 0
