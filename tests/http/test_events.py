"""Upload events on the real server: every write path sends one signed webhook delivery
through Miniflare's Queue, retries and the dead-letter queue behave, and a failed write sends
nothing. The receiver (tests/support/webhooks.py) verifies every delivery with the
`standardwebhooks` package."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
import requests

from tests.support.client import Client
from tests.support.multipart import Mpu
from tests.support.s3 import s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET
from tests.support.tokens import mint_upload, path_of
from tests.support.tus import create, location, patch
from tests.support.webhooks import FLAKY_FAILURES, Delivery, Receiver

ATTEMPTS = 9  # wrangler.toml: max_retries = 8
PARTIAL = {"Upload-Concat": "partial"}
QUIET = 1.5  # seconds to wait for a delivery that must not come (a batch leaves within ~1 s)


@pytest.fixture()
def receiver(webhooks: Receiver | None, server: RunningServer) -> Receiver:
    if webhooks is None:
        pytest.skip("webhook deliveries need the suite's own server and receiver")
    return webhooks


def unique(top: str) -> str:
    return f"{top}{uuid.uuid4().hex[:12]}/"


def token_put(client: Client, grant: dict[str, Any], body: bytes, content_type: str) -> int:
    path = path_of(grant["upload_url"])  # carries ?token=
    return client.request("PUT", path, body=body, headers={"Content-Type": content_type}).status


def by_key(deliveries: list[Delivery]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for delivery in deliveries:
        found.setdefault(delivery.key, []).append(delivery.event["type"])
    return found


def test_every_write_path_sends_one_verified_delivery(
    receiver: Receiver, client: Client, server: RunningServer
) -> None:
    base = unique("ev/")
    s3 = s3_client(server.url)
    assert client.put(f"/{base}native.txt", b"native").status == 201
    grant = mint_upload(client, key=f"{base}token.png", content_type="image/png", sub="user-7")
    assert token_put(client, grant, b"png", "image/png") == 201
    mpu = Mpu(client, f"{base}multipart.bin")
    upload_id = mpu.start()
    assert mpu.complete(upload_id, [(1, mpu.send(upload_id, 1, b"parts"))]).status == 201
    s3.put_object(Bucket=S3_BUCKET, Key=f"{base}s3-put.txt", Body=b"s3", ContentType="text/plain")
    post = s3.generate_presigned_post(S3_BUCKET, f"{base}s3-post.txt", ExpiresIn=300)
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("a.txt", b"form")})
    assert reply.status_code == 204, reply.text
    created = s3.create_multipart_upload(Bucket=S3_BUCKET, Key=f"{base}s3-mpu.bin")
    part = s3.upload_part(
        Bucket=S3_BUCKET,
        Key=f"{base}s3-mpu.bin",
        UploadId=created["UploadId"],
        PartNumber=1,
        Body=b"s3 part",
    )
    s3.complete_multipart_upload(
        Bucket=S3_BUCKET,
        Key=f"{base}s3-mpu.bin",
        UploadId=created["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    s3.copy_object(
        Bucket=S3_BUCKET,
        Key=f"{base}s3-copy.txt",
        CopySource={"Bucket": S3_BUCKET, "Key": f"{base}s3-put.txt"},
    )
    tus_path = location(create(client, f"{base}tus.bin", 3))
    assert patch(client, tus_path, 0, b"tus").status == 204
    partials = [location(create(client, f"{base}tus-final.bin", 2, **PARTIAL)) for _ in "ab"]
    for path, body in zip(partials, (b"ab", b"cd"), strict=True):
        assert patch(client, path, 0, body).status == 204
    final = create(
        client, f"{base}tus-final.bin", None, **{"Upload-Concat": "final;" + " ".join(partials)}
    )
    assert final.status == 201  # its partial uploads' bytes (under api/) send no event
    assert client.delete(f"/{base}native.txt").status == 204
    s3.delete_object(Bucket=S3_BUCKET, Key=f"{base}s3-put.txt")
    s3.delete_objects(
        Bucket=S3_BUCKET,
        Delete={"Objects": [{"Key": f"{base}s3-post.txt"}, {"Key": f"{base}s3-copy.txt"}]},
    )
    expected = {
        "native.txt": ["object.created", "object.deleted"],
        "token.png": ["object.created"],
        "multipart.bin": ["object.created"],
        "s3-put.txt": ["object.created", "object.deleted"],
        "s3-post.txt": ["object.created", "object.deleted"],
        "s3-mpu.bin": ["object.created"],
        "s3-copy.txt": ["object.created", "object.deleted"],
        "tus.bin": ["object.created"],
        "tus-final.bin": ["object.created"],
    }
    total = sum(len(types) for types in expected.values())
    receiver.wait_for(receiver.under(base), total)
    time.sleep(QUIET)
    deliveries = receiver.matching(receiver.under(base))
    assert all(d.verified == {"s": True} and d.status == 200 for d in deliveries)
    found = {key.removeprefix(base): sorted(types) for key, types in by_key(deliveries).items()}
    assert found == expected
    assert len({d.webhook_id for d in deliveries}) == total
    events = {(d.key.removeprefix(base), d.event["type"]): d.event for d in deliveries}
    native = events[("native.txt", "object.created")]
    assert native["data"]["size"] == 6 and native["data"]["content_type"].startswith("text/plain")
    assert native["data"]["actor"] == {"owner": "key:default", "kind": "api_key", "name": "default"}
    assert native["id"] == next(d.webhook_id for d in deliveries if d.event is native)
    token = events[("token.png", "object.created")]["data"]["actor"]
    assert token["kind"] == "token" and token["sub"] == "user-7" and token["jti"]
    assert events[("s3-put.txt", "object.created")]["data"]["actor"]["kind"] == "s3_key"
    assert events[("multipart.bin", "object.created")]["data"]["size"] == 5
    assert events[("tus.bin", "object.created")]["data"]["size"] == 3
    assert events[("tus-final.bin", "object.created")]["data"]["actor"]["kind"] == "api_key"
    assert not receiver.matching(lambda d: d.key.startswith("api/"))
    for event in events.values():  # no credential in any payload
        assert "secret" not in str(event).lower() and client.api_key not in str(event)


def test_a_failed_write_sends_nothing(receiver: Receiver, client: Client) -> None:
    base = unique("ev/")
    assert client.put(f"/{base}kept.txt", b"v1").status == 201
    refused = client.put(f"/{base}kept.txt", b"v2", headers={"If-Match": '"nope"'})
    assert refused.status == 412
    grant = mint_upload(client, key=f"{base}typed.png", content_type="image/png")
    assert token_put(client, grant, b"<html>", "text/html") == 415
    assert client.delete(f"/{base}kept.txt", headers={"If-Match": '"nope"'}).status == 412
    assert client.put(f"/{base}marker.txt", b"after").status == 201
    receiver.wait_for(receiver.under(f"{base}marker.txt"), 1)
    time.sleep(QUIET)
    assert by_key(receiver.matching(receiver.under(base))) == {
        f"{base}kept.txt": ["object.created"],
        f"{base}marker.txt": ["object.created"],
    }


def test_a_failing_receiver_gets_the_same_webhook_id_until_it_answers(
    receiver: Receiver, client: Client
) -> None:
    key = f"{unique('ev-flaky/')}a.txt"
    assert client.put(f"/{key}", b"retry me").status == 201
    attempts = receiver.wait_for(receiver.under(key, "/flaky"), FLAKY_FAILURES + 1)
    assert [d.status for d in attempts] == [500, 500, 200]
    assert len({d.webhook_id for d in attempts}) == 1
    assert all(d.verified == {"s": True} for d in attempts)
    assert receiver.processed["/flaky"].count(attempts[0].webhook_id) == 1
    time.sleep(QUIET)
    assert len(receiver.matching(receiver.under(key, "/flaky"))) == FLAKY_FAILURES + 1


def test_an_unreachable_receiver_lands_in_the_dead_letter_queue(
    receiver: Receiver, client: Client, server: RunningServer
) -> None:
    key = f"{unique('ev-down/')}a.txt"
    assert client.put(f"/{key}", b"nobody listens").status == 201
    log = server.wait_for_log("dead-lettered for 127.0.0.1", timeout=60)
    [event_id] = re.findall(r"event (evt_[0-9a-f]{32}) dead-lettered for 127\.0\.0\.1", log)
    assert log.count(f"webhook {event_id} to 127.0.0.1 failed") == ATTEMPTS
    assert f'to dead letter queue "r2gate-events-dlq" after {ATTEMPTS} failed attempts' in log
    assert "whsec_" not in log and "webhook-signature" not in log


def test_a_rotated_secret_signs_with_both(receiver: Receiver, client: Client) -> None:
    key = f"{unique('ev-rot/')}a.txt"
    assert client.put(f"/{key}", b"rotating").status == 201
    [delivery] = receiver.wait_for(receiver.under(key, "/rotated"), 1)
    assert delivery.verified == {"old": True, "new": True}
    assert delivery.status == 200


def test_prefixes_and_events_filter_an_endpoint(receiver: Receiver, client: Client) -> None:
    run = uuid.uuid4().hex[:12]
    image, other = f"ev-img/images/{run}/a.png", f"ev-img/other/{run}/b.png"
    assert client.put(f"/{image}", b"png", headers={"Content-Type": "image/png"}).status == 201
    assert client.put(f"/{other}", b"png", headers={"Content-Type": "image/png"}).status == 201
    assert client.delete(f"/{image}").status == 204
    receiver.wait_for(receiver.under(image, "/images"), 1)
    time.sleep(QUIET)
    got = receiver.matching(lambda d: d.path == "/images" and run in d.key)
    assert [(d.key, d.event["type"]) for d in got] == [(image, "object.created")]
    assert got[0].status == 204  # acknowledged: never sent again
