"""Tenant quotas on the real server: the quota42 tenant (an API key and an S3 pair, each with
quota_bytes 1000 on quota-42/) at its quota is refused on every write path, 413
quota_exceeded (S3: 403 QuotaExceeded), another tenant is not, and a delete frees the bytes
once the index has it (the quota is as fresh as the index)."""

from __future__ import annotations

import time
import uuid
from urllib.parse import quote

import pytest
import requests
from botocore.exceptions import ClientError

from tests.support.client import Client, Reply
from tests.support.multipart import Mpu
from tests.support.s3 import error_code, s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET, TEST_QUOTAS
from tests.support.tokens import mint_upload, path_of, post_json, scoped
from tests.support.tus import create

LIMIT = TEST_QUOTAS["quota42"]


def indexed_bytes(tenant: Client, prefix: str, want: int, timeout: float = 20.0) -> None:
    """Wait until the index holds `want` bytes under `prefix`."""
    deadline = time.monotonic() + timeout
    while True:
        got = tenant.get(f"/api/v1/stats?prefix={quote(prefix)}", auth=True).json()["bytes"]
        if got == want:
            return
        assert time.monotonic() < deadline, f"the index holds {got} bytes, not {want}"
        time.sleep(0.3)


def refused(reply: Reply) -> bool:
    return reply.status == 413 and reply.json()["error"]["code"] == "quota_exceeded"


def s3_refused(call) -> bool:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as caught:
        call()
    return error_code(caught.value) == (403, "QuotaExceeded")


def test_a_tenant_at_its_quota_is_refused_on_every_write_path(
    client: Client, server: RunningServer
) -> None:
    tenant = scoped(client, "quota42")
    s3 = s3_client(server.url, "quota42-s3")
    base = f"quota-42/{uuid.uuid4().hex[:12]}/"
    early = mint_upload(
        tenant, key=f"{base}later.bin", content_type="application/octet-stream", max_bytes=10
    )  # minted while there is room
    assert tenant.put(f"/{base}fill.bin", b"x" * LIMIT).status == 201
    indexed_bytes(tenant, "quota-42/", LIMIT)

    assert refused(tenant.put(f"/{base}more.bin", b"y"))  # API-key PUT
    path = path_of(early["upload_url"])
    assert refused(tenant.request("PUT", path, body=b"z"))  # token PUT
    mint = post_json(
        tenant,
        "/api/v1/uploads",
        {"key": f"{base}t.bin", "content_type": "image/png", "max_bytes": 5},
    )
    assert refused(mint)  # minting with a declared size
    unknown = post_json(
        tenant,
        "/api/v1/uploads",
        {"filename": "a.png", "prefix": base, "content_type": "image/png"},
    )
    assert refused(unknown)  # minting at the quota, size unknown
    assert refused(Mpu(tenant, f"{base}big.bin").create())  # multipart creation
    assert refused(create(tenant, f"{base}tus.bin", 1))  # tus creation
    assert s3_refused(lambda: s3.put_object(Bucket=S3_BUCKET, Key=f"{base}s3.bin", Body=b"s"))
    assert s3_refused(lambda: s3.create_multipart_upload(Bucket=S3_BUCKET, Key=f"{base}m.bin"))
    assert s3_refused(
        lambda: s3.copy_object(
            Bucket=S3_BUCKET,
            Key=f"{base}copy.bin",
            CopySource={"Bucket": S3_BUCKET, "Key": f"{base}fill.bin"},
        )
    )
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": S3_BUCKET, "Key": f"{base}pre.bin"}, ExpiresIn=300
    )
    presigned = requests.put(url, data=b"p", timeout=30)
    assert presigned.status_code == 403 and "<Code>QuotaExceeded</Code>" in presigned.text
    post = s3.generate_presigned_post(S3_BUCKET, f"{base}form.bin", ExpiresIn=300)
    form = requests.post(post["url"], data=post["fields"], files={"file": ("f", b"f")}, timeout=30)
    assert form.status_code == 403 and "<Code>QuotaExceeded</Code>" in form.text
    listed = tenant.get(f"/api/v1/objects?prefix={quote(base)}", auth=True).json()["objects"]
    assert [o["key"] for o in listed] == [f"{base}fill.bin"]  # nothing else was stored

    # another tenant is unaffected
    other = scoped(client, "tenant42")
    assert other.put(f"/tenant-42/{uuid.uuid4().hex}.bin", b"o" * (2 * LIMIT)).status == 201
    s3_client(server.url, "tenant42-s3").put_object(
        Bucket=S3_BUCKET, Key=f"tenant-42/{uuid.uuid4().hex}.bin", Body=b"o" * (2 * LIMIT)
    )

    # a delete frees the bytes once the index has it
    assert tenant.delete(f"/{base}fill.bin").status == 204
    indexed_bytes(tenant, "quota-42/", 0)
    assert tenant.put(f"/{base}more.bin", b"y" * 10).status == 201
    assert tenant.request("PUT", path, body=b"z" * 10).status == 201
