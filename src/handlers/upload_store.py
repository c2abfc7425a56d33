"""r2gate's records in D1: multipart uploads (r2gate.upload_records), and the checksums S3
clients sent with objects (r2gate.s3.object_checksums). The SQL, nothing else.

Shared by the native multipart API, the S3 surface and the cleanup cron. An upload's row is
written once R2 has created its upload, a part's row once R2 has accepted the part (a part
sent again replaces its row), and a completed upload keeps its row and its parts, marked
with the object it became, until the cron removes it: a repeated completion answers from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from r2gate.s3.object_checksums import ObjectChecksum
from r2gate.upload_records import (
    ROW_COLUMNS,
    Manifest,
    PartRecord,
    part_records,
    valid_upload_id,
)

from .d1 import Database

# Every statement is text of this module; values always travel as parameters (?).
_INSERT = "INSERT INTO uploads ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(ROW_COLUMNS), ", ".join("?" * len(ROW_COLUMNS))
)
_PART_COLUMNS = "part_number, size, etag, md5, checksum, uploaded"
_RECORD_PART = (
    "INSERT OR REPLACE INTO upload_parts (upload_id, " + _PART_COLUMNS + ") "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_PARTS = "SELECT " + _PART_COLUMNS + " FROM upload_parts WHERE upload_id = ? ORDER BY part_number"  # noqa: S608
_OPEN = "completed_etag IS NULL AND expires > ?"
_UNDER_PREFIX = " AND substr(key, 1, length(?)) = ?"  # not LIKE: a prefix may hold % and _
_AFTER = " AND (key > ? OR (key = ? AND upload_id > ?))"


async def load(db: Database, upload_id: str) -> Manifest | None:
    """The record of an upload id, or None (unknown, malformed or unreadable)."""
    if not valid_upload_id(upload_id):
        return None
    row = await db.row("SELECT * FROM uploads WHERE upload_id = ?", upload_id)
    if row is None:
        return None
    try:
        return Manifest.from_row(row)
    except ValueError:
        print(f"r2gate: upload record {upload_id} is malformed")
        return None


async def save(db: Database, manifest: Manifest) -> None:
    """Record a new upload."""
    row = manifest.to_row()
    await db.run(_INSERT, *(row[column] for column in ROW_COLUMNS))


async def record_part(db: Database, upload_id: str, part: PartRecord) -> None:
    """Record a part R2 accepted (a part sent again replaces the earlier one)."""
    await db.run(
        _RECORD_PART,
        upload_id,
        part.part_number,
        part.size,
        part.etag,
        part.md5,
        part.checksum,
        part.uploaded,
    )


async def parts(db: Database, upload_id: str) -> dict[int, PartRecord]:
    """The parts received so far, by number."""
    return part_records(await db.rows(_PARTS, upload_id))


async def mark_completed(
    db: Database, upload_id: str, etag: str, size: int, part_numbers: list[int]
) -> None:
    """Record what a completion made: the upload stays for a repeated completion, and the
    parts it is made of (`part_numbers`; others are dropped, as R2 drops them) for
    GetObjectAttributes and ``?partNumber=`` reads of the object."""
    await db.batch(
        [
            (
                "UPDATE uploads SET completed_etag = ?, completed_size = ? WHERE upload_id = ?",
                (etag, size, upload_id),
            ),
            (
                "DELETE FROM upload_parts WHERE upload_id = ? AND part_number NOT IN "
                "(SELECT value FROM json_each(?))",
                (upload_id, json.dumps(part_numbers)),
            ),
        ]
    )


async def extend(db: Database, upload_id: str, expires: int) -> None:
    """Keep a completed upload's record until `expires` (the cron looks at it again then)."""
    await db.run("UPDATE uploads SET expires = ? WHERE upload_id = ?", expires, upload_id)


async def forget(db: Database, upload_id: str) -> None:
    """Remove an upload's record and its parts."""
    await db.batch(
        [
            ("DELETE FROM upload_parts WHERE upload_id = ?", (upload_id,)),
            ("DELETE FROM uploads WHERE upload_id = ?", (upload_id,)),
        ]
    )


async def completed_upload(db: Database, key: str, etag: str) -> Manifest | None:
    """The completed upload that made the object `key` with R2 etag `etag`, if r2gate made it."""
    row = await db.row(
        "SELECT * FROM uploads WHERE key = ? AND completed_etag = ? LIMIT 1", key, etag
    )
    try:
        return Manifest.from_row(row) if row is not None else None
    except ValueError:
        return None


async def expired(db: Database, now: int, limit: int) -> list[Manifest]:
    """Uploads past their expiry, oldest first (at most `limit`)."""
    rows = await db.rows(
        "SELECT * FROM uploads WHERE expires <= ? ORDER BY expires LIMIT ?", now, limit
    )
    found = []
    for row in rows:
        try:
            found.append(Manifest.from_row(row))
        except ValueError:
            upload_id = row.get("upload_id")
            if isinstance(upload_id, str):  # unreadable: nothing to abort, the rows still go
                await forget(db, upload_id)
    return found


@dataclass(frozen=True)
class UploadPage:
    """A page of open uploads in (key, upload id) order, and whether more follow."""

    uploads: list[Manifest]
    truncated: bool


async def open_uploads(
    db: Database, prefix: str, after: tuple[str, str] | None, limit: int, now: int
) -> UploadPage:
    """Open, unexpired uploads whose key starts with `prefix`, after (key, upload id)
    `after`, at most `limit` (ListMultipartUploads)."""
    params: list[Any] = [now]
    where = _OPEN
    if prefix:
        where += _UNDER_PREFIX
        params += [prefix, prefix]
    if after is not None:
        where += _AFTER
        params += [after[0], after[0], after[1]]
    query = "SELECT * FROM uploads WHERE " + where + " ORDER BY key, upload_id LIMIT ?"  # noqa: S608
    rows = await db.rows(query, *params, limit + 1)
    manifests = [Manifest.from_row(row) for row in rows[:limit]]
    return UploadPage(manifests, len(rows) > limit)


async def save_checksum(db: Database, key: str, etag: str, checksum: ObjectChecksum) -> None:
    """Keep the checksum a client sent with an object (R2 keeps only MD5/SHA digests)."""
    await db.run(
        "INSERT OR REPLACE INTO object_checksums (key, etag, algorithm, value, type) "
        "VALUES (?, ?, ?, ?, ?)",
        key,
        etag,
        checksum.algorithm,
        checksum.value,
        checksum.type,
    )


async def checksum_of(db: Database, key: str, etag: str) -> ObjectChecksum | None:
    """The checksum kept for this version of the object; rows of earlier versions of the key
    go on the way (a row is replaced or left behind whenever the object is rewritten)."""
    rows = await db.rows(
        "SELECT etag, algorithm, value, type FROM object_checksums WHERE key = ?", key
    )
    found = None
    for row in rows:
        if row.get("etag") == etag:
            found = ObjectChecksum(str(row["algorithm"]), str(row["value"]), str(row["type"]))
    if len(rows) > (1 if found else 0):
        await db.run("DELETE FROM object_checksums WHERE key = ? AND etag != ?", key, etag)
    return found


async def database_created(db: Database) -> datetime | None:
    """When r2gate's database was set up (its first migration was applied), UTC."""
    row = await db.row("SELECT MIN(applied_at) AS applied FROM d1_migrations")
    text = row.get("applied") if row else None
    try:
        return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
