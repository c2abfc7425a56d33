"""A client that hangs up mid-upload is not r2gate's failure: a connection reset during a single
PUT (API key or token) or a multipart part stores nothing, logs no error of r2gate's, and the
same server goes on answering. (A body that merely stops short, with the client still
listening, is 400 body_length_mismatch: test_objects, test_tokens_upload, test_multipart_errors.)"""

from __future__ import annotations

from tests.support.client import Client
from tests.support.multipart import Mpu, mpu_path
from tests.support.server import RunningServer
from tests.support.short_body import put_then_reset
from tests.support.tokens import token


def test_a_reset_during_an_api_key_put_stores_nothing(
    server: RunningServer, client: Client, prefix: str
) -> None:
    auth = {"Authorization": f"Bearer {client.api_key}"}
    put_then_reset(server, client, f"/{prefix}reset.bin", auth)
    assert client.head(f"/{prefix}reset.bin").status == 404


def test_a_reset_during_a_token_put_stores_nothing(
    server: RunningServer, client: Client, prefix: str
) -> None:
    tok = token({"op": "put", "key": f"{prefix}reset.bin"})
    put_then_reset(server, client, f"/{prefix}reset.bin?token={tok}", {})
    assert client.head(f"/{prefix}reset.bin").status == 404
    again = client.request("PUT", f"/{prefix}reset.bin?token={tok}", body=b"whole")
    assert again.status == 201  # the create-only token was not used up


def test_a_reset_during_a_part_stores_no_part(
    server: RunningServer, client: Client, prefix: str
) -> None:
    mpu = Mpu(client, f"{prefix}reset-mpu.bin")
    upload_id = mpu.start()
    auth = {"Authorization": f"Bearer {client.api_key}"}
    put_then_reset(server, client, mpu_path(mpu.key, upload_id, 1), auth)
    assert mpu.status(upload_id).json()["parts"] == []
