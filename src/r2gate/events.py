"""Upload events: what changed, who changed it, and the messages that carry it (docs/events.md).

Every change r2gate makes to an object becomes one event, built here from plain values by the
storage layer once the change succeeded (handlers/storage.py, handlers/events.py):

    {"id": "evt_<32 hex>", "type": "object.created", "timestamp": "2026-...Z",
     "data": {"key", "size", "etag", "content_type", "uploaded", "metadata", "actor"}}

``object.deleted`` carries ``key``, ``deleted`` and ``actor``. The actor names the credential
(an API key's or S3 key pair's name, a token's ``jti`` and ``sub``), never a secret.

The event goes to the Queue as messages (`queue_messages`): one for the object index (D1) and
one per webhook endpoint that wants it, so that every endpoint's delivery is acknowledged and
retried on its own and an endpoint that answered is never sent the event again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from .listing import is_internal

__all__ = [
    "CREATED",
    "DELETED",
    "EVENT_TYPES",
    "Actor",
    "IndexChange",
    "Message",
    "created_event",
    "deleted_event",
    "index_change",
    "new_event_id",
    "parse_message",
    "queue_messages",
    "top_level_type",
]

CREATED = "object.created"
DELETED = "object.deleted"
EVENT_TYPES = (CREATED, DELETED)
TO_INDEX = "index"
TO_WEBHOOK = "webhook"
_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.+")
MAX_MESSAGE_BYTES = 120_000  # a Queue message holds 128 KB; R2 metadata is at most 8 KiB


@dataclass(frozen=True)
class Actor:
    """Who made a change: `owner` as r2gate records owners (``key:<name>``, ``s3:<name>``,
    ``jti:<jti>``, ``grant:<digest>``), and the token's subject when it named one."""

    owner: str
    sub: str | None = None

    def to_json(self) -> dict[str, Any]:
        kind, _, name = self.owner.partition(":")
        described: dict[str, Any] = {"owner": self.owner}
        if kind == "key":
            described.update(kind="api_key", name=name)
        elif kind == "s3":
            described.update(kind="s3_key", name=name)
        elif kind == "jti":
            described.update(kind="token", jti=name)
        else:
            described.update(kind="token", jti=None)
        if described["kind"] == "token":
            described["sub"] = self.sub
        return described


SYSTEM = Actor("system:r2gate")  # the cron


def new_event_id() -> str:
    """A unique event id (``evt_`` and 128 random bits): the webhook-id of its deliveries."""
    return f"evt_{secrets.token_hex(16)}"


def new_event_ids(count: int) -> list[str]:
    """`count` event ids from one read of the random source (under Pyodide each read is a
    call into JS: a DeleteObjects of 1,000 keys made 3,000 of them)."""
    raw = secrets.token_bytes(16 * count)
    return [f"evt_{raw[16 * n : 16 * n + 16].hex()}" for n in range(count)]


def _iso(millis: int) -> str:
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def created_event(
    *,
    event_id: str,
    key: str,
    size: int,
    etag: str,
    content_type: str,
    uploaded_ms: int,
    metadata: Mapping[str, str],
    actor: Actor,
) -> dict[str, Any]:
    """An ``object.created`` event (a new object, or a replaced one) at `uploaded_ms`."""
    return {
        "id": event_id,
        "type": CREATED,
        "timestamp": _iso(uploaded_ms),
        "data": {
            "key": key,
            "size": size,
            "etag": etag,
            "content_type": content_type,
            "uploaded": _iso(uploaded_ms),
            "metadata": dict(metadata),
            "actor": actor.to_json(),
        },
    }


def deleted_event(*, event_id: str, key: str, deleted_ms: int, actor: Actor) -> dict[str, Any]:
    """An ``object.deleted`` event: the key was deleted at `deleted_ms` (whether or not an
    object was there: R2's delete does not say)."""
    return {
        "id": event_id,
        "type": DELETED,
        "timestamp": _iso(deleted_ms),
        "data": {"key": key, "deleted": _iso(deleted_ms), "actor": actor.to_json()},
    }


def of_objects(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events about clients' objects: r2gate's own keys under ``api/`` (a tus partial
    upload's bytes) change with no event."""
    return [event for event in events if not is_internal(str(event["data"]["key"]))]


class Wants(Protocol):
    """What a webhook endpoint asks for (r2gate.webhooks.Endpoint)."""

    @property
    def url(self) -> str: ...

    def wants(self, event_type: str, key: str) -> bool: ...


def queue_messages(event: Mapping[str, Any], endpoints: Sequence[Wants]) -> list[str]:
    """The Queue messages of one event (JSON text): one for the object index, then one per
    endpoint whose events and prefixes take it. An event too large for a message (metadata
    near R2's limit) goes without its metadata."""
    text = json.dumps(event, separators=(",", ":"))
    if len(text) > MAX_MESSAGE_BYTES:
        lean = {**event, "data": {**event["data"], "metadata": {}, "metadata_omitted": True}}
        text = json.dumps(lean, separators=(",", ":"))
    key, kind = event["data"]["key"], event["type"]
    messages = [f'{{"to":"{TO_INDEX}","url":null,"event":{text}}}']
    for endpoint in endpoints:
        if endpoint.wants(kind, key):
            url = json.dumps(endpoint.url)
            messages.append(f'{{"to":"{TO_WEBHOOK}","url":{url},"event":{text}}}')
    return messages


@dataclass(frozen=True)
class Message:
    """A Queue message as the consumer reads it."""

    to: str
    url: str | None
    event: dict[str, Any]

    @property
    def event_id(self) -> str:
        return str(self.event["id"])


def parse_message(text: str) -> Message:
    """A message `queue_messages` wrote; ValueError for anything else."""
    try:
        raw = json.loads(text)
    except (TypeError, ValueError):
        raise ValueError("not JSON") from None
    if not isinstance(raw, dict) or raw.get("to") not in (TO_INDEX, TO_WEBHOOK):
        raise ValueError("not an r2gate event message")
    event = raw.get("event")
    if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
        raise ValueError("no event")
    if not isinstance(event.get("id"), str) or not isinstance(event.get("data"), dict):
        raise ValueError("no event id or data")
    url = raw.get("url")
    if raw["to"] == TO_WEBHOOK and not isinstance(url, str):
        raise ValueError("a webhook message without its endpoint")
    return Message(raw["to"], url, event)


# --- the object index -------------------------------------------------------------------------


def top_level_type(content_type: str | None) -> str:
    """The top-level media type (``model`` of ``model/gltf-binary``), lower case; ``other``
    when there is none."""
    if not content_type:
        return "other"
    top = content_type.split("/", 1)[0].strip().lower()
    return top if top and all(c in _TYPE_CHARS for c in top) else "other"


@dataclass(frozen=True)
class IndexChange:
    """What an event does to the index row of its key. `changed` (unix ms) orders the changes
    of one key: a change applies only when it is newer than the row's, so a replayed or late
    event never overwrites a newer state; on the same millisecond the larger etag wins, the
    same on every replay (a delete has none, so it never beats an upload of its millisecond)."""

    key: str
    deleted: bool
    changed: int
    size: int = 0
    type: str = "other"
    content_type: str = ""
    etag: str = ""
    owner: str = ""


def _millis(iso: str) -> int:
    moment = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return int(round(moment.timestamp() * 1000))


def index_change(event: Mapping[str, Any]) -> IndexChange:
    """The index change an event makes (ValueError for an event that does not parse)."""
    data = event["data"]
    try:
        actor = data["actor"]["owner"]
        if event["type"] == CREATED:
            return IndexChange(
                key=str(data["key"]),
                deleted=False,
                changed=_millis(data["uploaded"]),
                size=int(data["size"]),
                type=top_level_type(data.get("content_type")),
                content_type=str(data.get("content_type") or ""),
                etag=str(data["etag"]),
                owner=str(actor),
            )
        return IndexChange(
            key=str(data["key"]), deleted=True, changed=_millis(data["deleted"]), owner=str(actor)
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"event without {error}") from None


def applies(change: IndexChange, row: Mapping[str, Any] | None) -> bool:
    """The ordering rule of the index (the same as the SQL of handlers/object_index.py):
    does `change` replace `row` (its ``changed`` and ``etag``; None: no row)?"""
    if row is None:
        return True
    if change.changed != row["changed"]:
        return change.changed > int(row["changed"])
    return change.etag > str(row["etag"] or "")
