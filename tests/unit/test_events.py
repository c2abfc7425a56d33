"""The core of upload events (r2gate.events, r2gate.webhooks): payloads, Queue messages,
WEBHOOKS parsing, Standard Webhooks signing (checked with the `standardwebhooks` package), the
retry backoff, and the object index's ordering rule under replays and reordering."""

from __future__ import annotations

import base64
import json
import random
import re
import time
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from r2gate.events import (
    Actor,
    IndexChange,
    applies,
    created_event,
    deleted_event,
    index_change,
    new_event_id,
    new_event_ids,
    of_objects,
    parse_message,
    queue_messages,
    top_level_type,
)
from r2gate.webhooks import backoff, find_endpoint, parse_webhooks, signed_headers

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()


def created(
    key: str = "a/b.glb", uploaded: int = 1_800_000_000_123, etag: str = "e1", **extra: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "event_id": new_event_id(),
        "key": key,
        "size": 10,
        "etag": etag,
        "content_type": "model/gltf-binary",
        "uploaded_ms": uploaded,
        "metadata": {"owner": "u1"},
        "actor": Actor("key:backend"),
    }
    values.update(extra)
    return created_event(**values)


def deleted(key: str = "a/b.glb", when: int = 1_800_000_000_500) -> dict[str, Any]:
    return deleted_event(
        event_id=new_event_id(), key=key, deleted_ms=when, actor=Actor("jti:t1", "user-7")
    )


def test_payloads_name_the_change_and_the_actor_never_a_secret() -> None:
    event = created()
    assert event["type"] == "object.created" and event["id"].startswith("evt_")
    assert len(event["id"]) == 36 and event["id"] != created()["id"]
    assert event["data"] == {
        "key": "a/b.glb",
        "size": 10,
        "etag": "e1",
        "content_type": "model/gltf-binary",
        "uploaded": "2027-01-15T08:00:00.123Z",
        "metadata": {"owner": "u1"},
        "actor": {"owner": "key:backend", "kind": "api_key", "name": "backend"},
    }
    gone = deleted()["data"]
    assert gone["actor"] == {"owner": "jti:t1", "kind": "token", "jti": "t1", "sub": "user-7"}
    assert Actor("s3:pair").to_json()["kind"] == "s3_key"
    assert Actor("grant:abc").to_json() == {
        "owner": "grant:abc",
        "kind": "token",
        "jti": None,
        "sub": None,
    }


def test_top_level_types() -> None:
    assert top_level_type("model/gltf-binary") == "model"
    assert top_level_type("Video/MP4; codecs=avc1") == "video"
    assert top_level_type("") == top_level_type(None) == top_level_type("é/x") == "other"


def endpoints(*entries: dict[str, Any]) -> Any:
    return parse_webhooks(json.dumps(list(entries)))


def test_messages_go_to_the_index_and_each_endpoint_that_wants_the_event() -> None:
    hooks = endpoints(
        {"url": "https://a.example/h", "secret": SECRET},
        {"url": "https://b.example/h", "secret": SECRET, "prefixes": ["img/"]},
        {"url": "https://c.example/h", "secret": SECRET, "events": ["object.deleted"]},
    )
    event = created(key="img/x.png")
    messages = [parse_message(text) for text in queue_messages(event, hooks)]
    assert [(m.to, m.url) for m in messages] == [
        ("index", None),
        ("webhook", "https://a.example/h"),
        ("webhook", "https://b.example/h"),
    ]
    assert all(m.event == event and m.event_id == event["id"] for m in messages)
    gone = [parse_message(t).url for t in queue_messages(deleted("other/y"), hooks)]
    assert gone == [None, "https://a.example/h", "https://c.example/h"]


def test_an_event_too_large_for_a_message_goes_without_its_metadata() -> None:
    big = created(metadata={f"m{i}": "x" * 1000 for i in range(130)})
    [message] = queue_messages(big, ())
    assert len(message) < 128_000
    assert parse_message(message).event["data"]["metadata_omitted"] is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        "{}",
        '{"to": "index"}',
        '{"to": "webhook", "event": {"id": "e", "type": "object.created", "data": {}}}',
    ],
)
def test_foreign_messages_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_message(text)


def test_webhooks_parse_strictly_and_never_echo_a_secret() -> None:
    [hook] = endpoints({"url": "https://h.example/x", "secret": f"{SECRET} {OTHER}"})
    assert len(hook.keys) == 2 and hook.prefixes == ("",) and "k" * 8 not in repr(hook)
    assert find_endpoint([hook], "https://h.example/x") is hook
    assert find_endpoint([hook], "https://h.example/y") is None
    assert parse_webhooks(None) == parse_webhooks("  ") == ()
    assert endpoints({"url": "http://127.0.0.1:9/x", "secret": SECRET})  # a local receiver
    bad = [
        {"url": "http://h.example/x", "secret": SECRET},  # http off loopback
        {"url": "ftp://h.example/x", "secret": SECRET},
        {"url": "https://user:pw@h.example/x", "secret": SECRET},
        {"url": "https://h.example/a b", "secret": SECRET},
        {"url": "https://h.example/x", "secret": "not-whsec"},
        {"url": "https://h.example/x", "secret": "whsec_%%%"},
        {"url": "https://h.example/x", "secret": "whsec_" + base64.b64encode(b"s").decode()},
        {"url": "https://h.example/x", "secret": SECRET, "events": ["object.updated"]},
        {"url": "https://h.example/x", "secret": SECRET, "prefixes": ["no-slash"]},
        {"url": "https://h.example/x", "secret": SECRET, "extra": 1},
        {"url": "https://h.example/x"},
    ]
    for entry in bad:
        with pytest.raises(ValueError) as caught:
            endpoints(entry)
        assert "whsec_" + "%" not in str(caught.value) and SECRET not in str(caught.value)
    for raw in ["{", "{}", json.dumps([{"url": "https://h/x", "secret": SECRET}] * 2)]:
        with pytest.raises(ValueError):
            parse_webhooks(raw)


def test_signatures_verify_with_the_standardwebhooks_package_during_rotation() -> None:
    [hook] = endpoints({"url": "https://h.example/x", "secret": f"{OTHER} {SECRET}"})
    body = json.dumps(created()).encode()
    now = int(time.time())
    headers = signed_headers(hook, "evt_1", now, body)
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (SECRET, OTHER):
        assert Webhook(secret).verify(body, headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + base64.b64encode(b"z" * 32).decode()).verify(body, headers)


def test_backoff_doubles_up_to_the_queue_limit() -> None:
    assert [backoff(n, 60) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(100, 60) == 43_200 and backoff(5, 0) == 0


def state_after(changes: list[IndexChange]) -> dict[str, dict[str, Any]]:
    """The index the consumer's rule keeps (r2gate.events.applies) after these changes."""
    rows: dict[str, dict[str, Any]] = {}
    for change in changes:
        if applies(change, rows.get(change.key)):
            rows[change.key] = {
                "changed": change.changed,
                "etag": change.etag,
                "deleted": change.deleted,
                "size": change.size,
            }
    return rows


def test_the_index_is_right_whatever_the_order_and_replays() -> None:
    rng = random.Random(22)
    keys = [f"k/{i}" for i in range(40)]
    history: list[IndexChange] = []
    clock = 1_800_000_000_000
    for _ in range(500):
        clock += rng.choice((0, 1, 7))
        key = rng.choice(keys)
        if rng.random() < 0.3:
            history.append(index_change(deleted(key, clock)))
        else:
            event = created(key, clock, etag=f"{rng.getrandbits(64):016x}", size=rng.randint(0, 99))
            history.append(index_change(event))
    truth = state_after(history)  # in order, once each
    for _ in range(5):
        shuffled = history + rng.sample(history, 100)  # 100 replays
        rng.shuffle(shuffled)
        assert state_after(shuffled) == truth
    live = {k: v for k, v in truth.items() if not v["deleted"]}
    assert live and len(live) < len(keys)


def test_a_late_older_event_never_wins() -> None:
    upload = index_change(created(uploaded=2000))
    older_delete = index_change(deleted(when=1000))
    newer_delete = index_change(deleted(when=3000))
    assert not applies(older_delete, {"changed": 2000, "etag": "e1"})
    assert applies(newer_delete, {"changed": 2000, "etag": "e1"})
    assert not applies(upload, {"changed": 3000, "etag": ""})
    assert not applies(upload, {"changed": 2000, "etag": "e1"})  # a replay


def test_a_token_names_its_subject() -> None:
    from r2gate.api_requests import parse_upload_request
    from r2gate.grants import upload_claims
    from r2gate.tokens.claims import parse_claims
    from r2gate.tokens.errors import InvalidClaimError

    request = parse_upload_request({"key": "u/1.png", "content_type": "image/png", "sub": "u-7"})
    claims = upload_claims(request, "u/1.png", 1000)
    assert claims["sub"] == "u-7"
    assert parse_claims(claims).subject == "u-7"
    assert "sub" not in upload_claims(
        parse_upload_request({"key": "u/1.png", "content_type": "image/png"}), "u/1.png", 1000
    )
    for bad in ("", "a\nb", "x" * 1025, 7):
        with pytest.raises(InvalidClaimError):
            parse_claims({"op": "put", "key": "k", "sub": bad})


def test_the_openapi_document_describes_the_events_as_webhooks() -> None:
    from r2gate.openapi import openapi_document

    document = openapi_document()
    hooks = document["webhooks"]
    assert set(hooks) == {"objectCreated", "objectDeleted"}
    schema = hooks["objectCreated"]["post"]["requestBody"]["content"]["application/json"]
    assert schema["schema"]["$ref"].endswith("/ObjectCreatedEvent")
    created_schema = document["components"]["schemas"]["ObjectCreatedEvent"]
    assert set(created_schema["properties"]["data"]["required"]) == set(created()["data"])
    assert "/api/v1/stats" in document["paths"]


def test_r2gates_own_keys_change_without_an_event() -> None:
    """A tus partial upload's bytes live under api/: no webhook, no index row."""
    actor = Actor("key:backend")
    staged = deleted_event(event_id="evt_1", key="api/tus/abc", deleted_ms=0, actor=actor)
    kept = deleted_event(event_id="evt_2", key="models/a.glb", deleted_ms=0, actor=actor)
    assert of_objects([staged, kept]) == [kept]


def test_event_ids_made_together_are_distinct_and_shaped_alike() -> None:
    ids = new_event_ids(1000)
    assert len(set(ids)) == 1000 and all(re.fullmatch(r"evt_[0-9a-f]{32}", i) for i in ids)
    assert new_event_ids(0) == []
