"""The object index in D1 (``object_index``, migrations/0002_object_index.sql): kept by the
Queue consumer from upload events, read by `GET /api/v1/stats` and the quotas, rebuilt by the
reindex. The statements are r2gate.index_sql's; this module runs them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from r2gate import index_sql
from r2gate.events import IndexChange

from .d1 import Database

BATCH = 250  # statements per D1 batch


async def apply(db: Database, changes: Sequence[IndexChange]) -> None:
    """Apply changes (one transaction)."""
    await db.batch([index_sql.upsert(change) for change in changes])


async def used_bytes(db: Database, prefix: str) -> int:
    """The indexed bytes under `prefix` ("" is the bucket): one range query on the key."""
    sql, params = index_sql.used_bytes(prefix)
    row = await db.row(sql, *params)
    return int(row["used"]) if row else 0


async def grouped(db: Database, prefix: str, by: str, limit: int) -> list[dict[str, Any]]:
    """Objects and bytes under `prefix` by folder, type or owner (the largest `limit`)."""
    sql, params = index_sql.grouped(prefix, by, limit)
    return await db.rows(sql, *params)


async def reindex_page(
    db: Database, rows: Sequence[dict[str, Any]], after: str, last: str | None, started: int
) -> None:
    """Apply one listed page (`rows`, keys in (after, last]; `last` None: the rest of the
    bucket) and tombstone the rows of that range the listing did not show."""
    statements = [index_sql.reindex_upsert(row) for row in rows]
    for start in range(0, len(statements), BATCH):
        await db.batch(statements[start : start + BATCH])
    sql, params = index_sql.sweep(after, last, started, [row["key"] for row in rows])
    await db.run(sql, *params)
