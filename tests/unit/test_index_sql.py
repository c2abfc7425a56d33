"""The object index's SQL (r2gate.index_sql) on SQLite, the engine D1 runs, with the project's
own migrations: replayed and reordered events leave it as the ordered history does, stats and
quota sums read it by key range, and a reindex repairs it from a listing."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

from r2gate import index_sql
from r2gate.events import Actor, created_event, deleted_event, index_change, new_event_id

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    for migration in sorted(MIGRATIONS.glob("*.sql")):
        db.executescript(migration.read_text())
    return db


def run(db: sqlite3.Connection, statement: tuple[str, list[Any]]) -> list[dict[str, Any]]:
    sql, params = statement
    return [dict(row) for row in db.execute(sql, params).fetchall()]


def history(seed: int, count: int = 500) -> list[dict[str, Any]]:
    """A mixed workload's events: uploads of several types by several owners, and deletes."""
    rng = random.Random(seed)
    keys = [
        f"{rng.choice(['a', 'b', 'c/d'])}/{i}.{rng.choice(['glb', 'mp4', 'png'])}"
        for i in range(60)
    ]
    types = {"glb": "model/gltf-binary", "mp4": "video/mp4", "png": "image/png"}
    clock, events = 1_800_000_000_000, []
    for _ in range(count):
        clock += rng.choice((0, 1, 5))
        key = rng.choice(keys)
        actor = Actor(rng.choice(["key:a", "s3:b", "jti:c"]))
        if rng.random() < 0.3:
            events.append(
                deleted_event(event_id=new_event_id(), key=key, deleted_ms=clock, actor=actor)
            )
        else:
            events.append(
                created_event(
                    event_id=new_event_id(),
                    key=key,
                    size=rng.randint(0, 10_000),
                    etag=f"{rng.getrandbits(64):016x}",
                    content_type=types[key.rsplit(".", 1)[1]],
                    uploaded_ms=clock,
                    metadata={},
                    actor=actor,
                )
            )
    return events


def state(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in db.execute("SELECT * FROM object_index ORDER BY key")]


def test_replays_and_reordering_leave_the_index_as_the_ordered_history() -> None:
    events = history(22)
    ordered = database()
    for event in events:
        run(ordered, index_sql.upsert(index_change(event)))
    rng = random.Random(7)
    for _ in range(3):
        mixed = events + rng.sample(events, 150)  # replays
        rng.shuffle(mixed)
        db = database()
        for event in mixed:
            run(db, index_sql.upsert(index_change(event)))
        assert state(db) == state(ordered)
    # the ordered history's last word on every key
    last: dict[str, dict[str, Any]] = {}
    for event in events:
        last[event["data"]["key"]] = event
    live = {k: e for k, e in last.items() if e["type"] == "object.created"}
    rows = {r["key"]: r for r in state(ordered) if r["deleted"] is None}
    assert {k: r["size"] for k, r in rows.items()} == {
        k: e["data"]["size"] for k, e in live.items()
    }
    [used] = run(ordered, index_sql.used_bytes(""))
    assert used["used"] == sum(e["data"]["size"] for e in live.values())
    [under_c] = run(ordered, index_sql.used_bytes("c/"))
    assert under_c["used"] == sum(e["data"]["size"] for k, e in live.items() if k[:2] == "c/")


def test_groupings_by_folder_type_and_owner() -> None:
    db = database()
    for event in history(5):
        run(db, index_sql.upsert(index_change(event)))
    live = [r for r in state(db) if r["deleted"] is None]
    folders = {r["name"]: r["objects"] for r in run(db, index_sql.grouped("", "folders", 100))}
    expected: dict[str, int] = {}
    for row in live:
        top = row["key"].split("/", 1)[0] + "/"
        expected[top] = expected.get(top, 0) + 1
    assert folders == expected
    inner = run(db, index_sql.grouped("c/", "folders", 100))
    assert [r["name"] for r in inner] == ["c/d/"]
    types = {r["name"] for r in run(db, index_sql.grouped("", "types", 100))}
    assert types <= {"model", "video", "image"}
    owners = run(db, index_sql.grouped("", "owners", 100))
    assert sum(r["bytes"] for r in owners) == sum(r["size"] for r in live)
    assert len(run(db, index_sql.grouped("", "owners", 1))) == 1


def test_a_reindex_repairs_missed_events_and_keeps_newer_changes() -> None:
    db = database()
    for event in history(9, 200):
        run(db, index_sql.upsert(index_change(event)))
    live = [r for r in state(db) if r["deleted"] is None]
    started = 1_900_000_000_000
    # the bucket as a listing shows it: one object the index missed, one it holds is gone
    listed = [
        {k: r[k] for k in ("key", "size", "type", "content_type", "etag", "uploaded")}
        for r in live[1:]
    ]
    listed.append(
        {
            "key": "b/missed.png",
            "size": 7,
            "type": "image",
            "content_type": "image/png",
            "etag": "m1",
            "uploaded": started - 10,
        }
    )
    listed.sort(key=lambda r: r["key"])
    newer = index_change(
        created_event(  # an upload after the rebuild started
            event_id=new_event_id(),
            key="a/late.png",
            size=3,
            etag="l",
            content_type="image/png",
            uploaded_ms=started + 5,
            metadata={},
            actor=Actor("key:a"),
        )
    )
    run(db, index_sql.upsert(newer))
    half = len(listed) // 2
    pages = [
        (listed[:half], "", listed[half - 1]["key"]),
        (listed[half:], listed[half - 1]["key"], None),
    ]
    for rows, after, last in pages:
        for row in rows:
            run(db, index_sql.reindex_upsert(row))
        run(db, index_sql.sweep(after, last, started, [r["key"] for r in rows]))
    now_live = {r["key"]: r for r in state(db) if r["deleted"] is None}
    assert set(now_live) == {r["key"] for r in listed} | {"a/late.png"}
    assert now_live["b/missed.png"]["owner"] == "unknown"
    kept = listed[0]["key"] if listed[0]["key"] != "b/missed.png" else listed[1]["key"]
    assert now_live[kept]["owner"] != "unknown"  # the same version: its owner stays


def test_tombstones_are_forgotten_after_a_week() -> None:
    db = database()
    day = 86400 * 1000
    start = 1_800_000_000_000
    for number, when in enumerate((start, start + 6 * day)):
        key = f"gone/{number}"
        run(
            db,
            index_sql.upsert(
                index_change(
                    created_event(
                        event_id=new_event_id(),
                        key=key,
                        size=1,
                        etag="e",
                        content_type="text/plain",
                        uploaded_ms=when - 1,
                        metadata={},
                        actor=Actor("key:a"),
                    )
                )
            ),
        )
        run(
            db,
            index_sql.upsert(
                index_change(
                    deleted_event(
                        event_id=new_event_id(), key=key, deleted_ms=when, actor=Actor("key:a")
                    )
                )
            ),
        )
    run(
        db,
        index_sql.upsert(
            index_change(
                created_event(
                    event_id=new_event_id(),
                    key="kept",
                    size=1,
                    etag="e",
                    content_type="text/plain",
                    uploaded_ms=start,
                    metadata={},
                    actor=Actor("key:a"),
                )
            )
        ),
    )
    run(db, index_sql.purge_tombstones(start + 8 * day, 100))
    assert [r["key"] for r in state(db)] == ["gone/1", "kept"]
