"""Single-request operations against wrangler dev: PUT/GET round trips, stat, list,
delete, upload URLs and the typed errors for 401/403/404/412/413."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from r2gate_client import (
    Client,
    Forbidden,
    InvalidRequest,
    NotFound,
    PreconditionFailed,
    TooLarge,
    Unauthorized,
)

from tests.support.data import write_file
from tests.support.pyclient import MAX_PUT_BYTES, READER_KEY, RecordingTransport
from tests.support.server import RunningServer


def test_small_file_round_trip(client: Client, prefix: str, tmp_path: Path) -> None:
    data = write_file(tmp_path / "chair.glb", 300_000)
    result = client.upload(tmp_path / "chair.glb", f"{prefix}chair.glb")
    assert (result.key, result.size, result.multipart) == (f"{prefix}chair.glb", 300_000, False)
    assert result.content_type == "model/gltf-binary"  # inferred by the server from the key

    got = client.download(f"{prefix}chair.glb", tmp_path / "out" / "chair.glb")
    assert (tmp_path / "out" / "chair.glb").read_bytes() == data
    assert (got.size, got.etag, got.resumed) == (300_000, result.etag, False)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["chair.glb"]


def test_upload_from_a_file_object_with_a_content_type(client: Client, prefix: str) -> None:
    stream = io.BytesIO(b"skip-me:" + b"x" * 1000)
    stream.seek(8)  # uploads from the current position
    result = client.upload(stream, f"{prefix}data", content_type="text/plain")
    assert result.size == 1000
    info = client.stat(f"{prefix}data")
    assert (info.size, info.etag, info.content_type) == (1000, result.etag, "text/plain")
    assert info.uploaded is not None


def test_an_empty_file(client: Client, prefix: str, tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    assert client.upload(tmp_path / "empty", f"{prefix}empty").size == 0
    client.download(f"{prefix}empty", tmp_path / "back")
    assert (tmp_path / "back").read_bytes() == b""


def test_keys_with_spaces_and_unicode(client: Client, prefix: str, tmp_path: Path) -> None:
    key = f"{prefix}scènes/a b#1?.ply"
    client.upload(io.BytesIO(b"ply"), key)
    assert client.stat(key).size == 3
    assert [o.key for o in client.iter_objects(prefix)] == [key]


def test_delete_then_stat_is_not_found(client: Client, prefix: str) -> None:
    client.upload(io.BytesIO(b"bye"), f"{prefix}gone.txt")
    client.delete(f"{prefix}gone.txt")
    with pytest.raises(NotFound) as caught:
        client.stat(f"{prefix}gone.txt")
    assert caught.value.status == 404
    assert not client.exists(f"{prefix}gone.txt")
    client.delete(f"{prefix}gone.txt")  # deleting a missing key is fine


def test_download_of_a_missing_key_leaves_no_file(
    client: Client, prefix: str, tmp_path: Path
) -> None:
    with pytest.raises(NotFound):
        client.download(f"{prefix}nothing", tmp_path / "nothing")
    assert list(tmp_path.iterdir()) == []


def test_list_pages_and_prefixes(client: Client, prefix: str) -> None:
    for name in ("a.txt", "b.txt", "c.txt", "sub/d.txt"):
        client.upload(io.BytesIO(name.encode()), f"{prefix}{name}")
    page = client.list(prefix, limit=2)
    assert len(page.objects) <= 2 and page.truncated and page.cursor
    everything = [o.key for o in client.iter_objects(prefix)]
    assert everything == [f"{prefix}{n}" for n in ("a.txt", "b.txt", "c.txt", "sub/d.txt")]
    grouped = client.list(prefix, delimiter="/")
    assert [o.key for o in grouped.objects] == [f"{prefix}{n}" for n in ("a.txt", "b.txt", "c.txt")]
    assert grouped.prefixes == [f"{prefix}sub/"]
    assert grouped.objects[0].size == 5 and grouped.objects[0].etag


def test_single_put_over_the_server_limit_is_too_large(
    make_client, server: RunningServer, prefix: str, tmp_path: Path
) -> None:
    write_file(tmp_path / "big.bin", MAX_PUT_BYTES + 1)
    transport = RecordingTransport()
    # The Worker answers 413 before reading the body; wrangler's dev proxy would turn that early
    # answer into its own 500, so this asks the Worker's workerd directly.
    client = make_client(
        url=server.worker_url, multipart_threshold=100 * 2**20, transport=transport
    )
    with pytest.raises(TooLarge) as caught:
        client.upload(tmp_path / "big.bin", f"{prefix}big.bin")
    assert caught.value.code == "too_large" and "multipart" in caught.value.message
    assert len(transport.requests) == 1  # answered early, not retried as a broken connection


def test_wrong_api_key_is_unauthorized(make_client, prefix: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        make_client(api_key="wrong-key-" + "w" * 20).upload(io.BytesIO(b"x"), f"{prefix}x")
    assert caught.value.code == "auth_invalid"


def test_no_credential_for_a_write_is_unauthorized(make_client, prefix: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        make_client(api_key=None).delete(f"{prefix}x")
    assert caught.value.code == "auth_required"


def test_a_key_without_write_is_forbidden(make_client, prefix: str) -> None:
    with pytest.raises(Forbidden) as caught:
        make_client(api_key=READER_KEY).upload(io.BytesIO(b"x"), f"{prefix}x")
    assert caught.value.code == "key_scope"


def test_private_objects_need_a_credential(make_client, client: Client, prefix: str) -> None:
    key = f"private/{prefix}secret.txt"
    client.upload(io.BytesIO(b"secret"), key)
    assert make_client(api_key=READER_KEY).stat(key).size == 6
    with pytest.raises(Unauthorized):
        make_client(api_key=None).stat(key)


def test_invalid_keys_are_refused_locally(client: Client) -> None:
    with pytest.raises(InvalidRequest) as caught:
        client.upload(io.BytesIO(b"x"), "api/v1/objects")
    assert caught.value.code == "invalid_key"


def test_mint_an_upload_url_and_upload_with_its_token(
    client: Client, make_client, prefix: str, tmp_path: Path
) -> None:
    minted = client.mint_upload_url(
        f"{prefix}photo.png", content_type="image/png", max_bytes=1000, expires_in=120
    )
    assert minted.key == f"{prefix}photo.png" and minted.method == "PUT"
    assert minted.upload_url.endswith("?token=" + minted.token)
    assert minted.max_bytes == 1000 and minted.expires_at is not None

    uploader = make_client(api_key=None, token=minted.token)
    data = write_file(tmp_path / "photo.png", 900)
    result = uploader.upload(tmp_path / "photo.png", minted.key)
    assert (result.size, result.content_type) == (900, "image/png")
    with pytest.raises(PreconditionFailed) as caught:  # create-only: no second upload
        uploader.upload(tmp_path / "photo.png", minted.key)
    assert caught.value.code == "already_exists"
    client.download(minted.key, tmp_path / "back.png")
    assert (tmp_path / "back.png").read_bytes() == data


def test_a_token_only_covers_its_size(client: Client, make_client, prefix: str) -> None:
    minted = client.mint_upload_url(f"{prefix}small.png", content_type="image/png", max_bytes=10)
    with pytest.raises(TooLarge):
        make_client(api_key=None, token=minted.token).upload(io.BytesIO(b"x" * 11), minted.key)
