"""The object index's SQL (D1 is SQLite): statements and their parameters, as plain values, so
that the same text runs in CPython's sqlite3 in the unit tests (tests/unit/test_index_sql.py)
and in D1 (handlers/object_index.py). Table: migrations/0002_object_index.sql.

A change applies only when it is newer than the row, the same rule as r2gate.events.applies:
a later ``changed`` (unix ms), or on the same millisecond the larger etag. Replays and late
events leave the row as it is; a deletion leaves a tombstone (``deleted`` set) that an older
upload cannot overwrite.
"""

# ruff: noqa: S608  (statements are built from this module's constants; values are bound)
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .events import IndexChange
from .quotas import prefix_range

__all__ = [
    "GROUPINGS",
    "REINDEX_UPSERT",
    "SWEEP",
    "TOMBSTONE_AGE_MS",
    "UPSERT",
    "grouped",
    "purge_tombstones",
    "upsert",
    "used_bytes",
]

Params = list[str | int | None]
_NEWER = """excluded.changed > object_index.changed
   OR (excluded.changed = object_index.changed AND excluded.etag > object_index.etag)"""

UPSERT = f"""
INSERT INTO object_index (key, size, type, content_type, etag, owner, uploaded, deleted, changed)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (key) DO UPDATE SET
  size = excluded.size, type = excluded.type, content_type = excluded.content_type,
  etag = excluded.etag, owner = excluded.owner, uploaded = excluded.uploaded,
  deleted = excluded.deleted, changed = excluded.changed
WHERE {_NEWER}
"""

# A listed object: the owner is kept when the index already holds this version.
REINDEX_UPSERT = f"""
INSERT INTO object_index (key, size, type, content_type, etag, owner, uploaded, deleted, changed)
VALUES (?1, ?2, ?3, ?4, ?5, 'unknown', ?6, NULL, ?6)
ON CONFLICT (key) DO UPDATE SET
  size = excluded.size, type = excluded.type, content_type = excluded.content_type,
  etag = excluded.etag, uploaded = excluded.uploaded, deleted = NULL, changed = excluded.changed,
  owner = CASE WHEN object_index.etag = excluded.etag THEN object_index.owner ELSE 'unknown' END
WHERE {_NEWER}
"""

# Live rows of a listed page's key range that the listing did not show, unchanged since the
# rebuild started: their objects are gone.
SWEEP = """
UPDATE object_index SET size = 0, etag = '', uploaded = NULL, deleted = ?3, changed = ?3
WHERE deleted IS NULL AND key > ?1 AND (?2 IS NULL OR key <= ?2) AND changed < ?3
  AND key NOT IN (SELECT value FROM json_each(?4))
"""

_LIVE = "deleted IS NULL AND key >= ?1 AND (?2 IS NULL OR key < ?2)"
GROUPINGS = {
    # the folder: the key up to the first "/" after the prefix (?3 characters long)
    "folders": "substr(key, 1, ?3 + instr(substr(key, ?3 + 1), '/'))",
    "types": "type",
    "owners": "owner",
}


def upsert(change: IndexChange) -> tuple[str, Params]:
    """The statement that applies one change."""
    if change.deleted:
        return UPSERT, [
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
    return UPSERT, [
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


def reindex_upsert(row: dict[str, Any]) -> tuple[str, Params]:
    """The statement for one listed object (r2gate.stats.reindex_rows)."""
    return REINDEX_UPSERT, [
        row["key"],
        row["size"],
        row["type"],
        row["content_type"],
        row["etag"],
        row["uploaded"],
    ]


def sweep(after: str, last: str | None, started: int, keys: Sequence[str]) -> tuple[str, Params]:
    import json

    return SWEEP, [after, last, started, json.dumps(list(keys))]


def used_bytes(prefix: str) -> tuple[str, Params]:
    """The live bytes under `prefix`: one range of the key's index."""
    low, high = prefix_range(prefix)
    sql = f"SELECT COALESCE(SUM(size), 0) AS used FROM object_index WHERE {_LIVE}"
    return sql, [low, high]


def grouped(prefix: str, by: str, limit: int) -> tuple[str, Params]:
    """Objects and bytes under `prefix` by folder, type or owner (the `limit` largest)."""
    low, high = prefix_range(prefix)
    sql = (
        f"SELECT {GROUPINGS[by]} AS name, COUNT(*) AS objects, SUM(size) AS bytes "
        f"FROM object_index WHERE {_LIVE} GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT ?4"
    )
    return sql, [low, high, len(prefix), limit]


# A tombstone outlives any event it must outrank: the Queue retries a message for at most
# about 2.5 days (max_retries 8, delays doubling up to 12 hours), so after a week it goes.
TOMBSTONE_AGE_MS = 7 * 86400 * 1000


def purge_tombstones(now_ms: int, limit: int) -> tuple[str, Params]:
    """Forget at most `limit` rows of keys deleted more than a week before `now_ms` (the
    hourly cron)."""
    sql = (
        "DELETE FROM object_index WHERE rowid IN (SELECT rowid FROM object_index "
        "WHERE deleted IS NOT NULL AND deleted < ?1 LIMIT ?2)"
    )
    return sql, [now_ms - TOMBSTONE_AGE_MS, limit]
