"""tus 1.0.0 at /api/v1/tus, request by request: the core protocol, the extensions, the
grant's token, and hostile input (a clear 4xx with a code, nothing stored, the server still
answering). Real clients: tests/http/test_tus_clients.py."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time

import pytest

from tests.support.client import Client
from tests.support.tokens import token
from tests.support.tus import OCTETS, TUS, create, location, metadata, patch

MIB = 1024 * 1024


def alive(client: Client) -> None:
    assert client.get("/").status == 200


def test_options_lists_version_extensions_size_and_checksums(client: Client) -> None:
    reply = client.request("OPTIONS", "/api/v1/tus")
    assert reply.status == 204
    assert reply.headers["tus-version"] == "1.0.0"
    extensions = set(reply.headers["tus-extension"].split(","))
    assert {"creation", "creation-with-upload", "creation-defer-length", "expiration"} <= extensions
    assert {"termination", "checksum", "concatenation"} <= extensions
    assert int(reply.headers["tus-max-size"]) >= 10_000 * 5 * MIB
    assert reply.headers["tus-checksum-algorithm"] == "sha1,sha256"


def test_cors_preflight_allows_and_exposes_the_tus_headers(client: Client) -> None:
    origin = "https://app.example.com"
    asked = "tus-resumable, upload-offset, upload-length, upload-metadata, content-type"
    preflight = client.request(
        "OPTIONS",
        "/api/v1/tus/" + "0" * 64,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": asked,
        },
    )
    assert preflight.status == 204
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    created = create(client, None, 3, Origin=origin, **{"Upload-Metadata": metadata(filename="x")})
    exposed = created.headers["access-control-expose-headers"].lower()
    assert {"location", "upload-offset", "r2gate-key", "upload-expires"} <= set(
        exposed.replace(" ", "").split(",")
    )


def test_upload_in_chunks_then_head_then_read(client: Client, prefix: str) -> None:
    key = f"{prefix}a.txt"
    created = create(client, key, 11)
    assert created.headers["r2gate-key"] == key
    assert "upload-expires" in created.headers
    path = location(created)
    first = patch(client, path, 0, b"hello")
    assert (first.status, first.headers["upload-offset"]) == (204, "5")
    head = client.request("HEAD", path, headers=TUS)
    assert head.status == 200
    assert head.headers["upload-offset"] == "5"
    assert head.headers["upload-length"] == "11"
    assert head.headers["cache-control"] == "no-store"
    assert head.headers["r2gate-key"] == key
    assert patch(client, path, 5, b" world").headers["upload-offset"] == "11"
    stored = client.get(f"/{key}")
    assert (stored.status, stored.body) == (200, b"hello world")
    assert stored.headers["content-type"].startswith("text/plain")


def test_creation_with_upload_and_deferred_length(client: Client, prefix: str) -> None:
    key = f"{prefix}deferred.bin"
    body = b"x" * (5 * MIB + 7)
    created = client.request(
        "POST",
        "/api/v1/tus",
        body=body[: 3 * MIB],
        headers={**OCTETS, "Upload-Defer-Length": "1", "Upload-Metadata": metadata(key=key)},
        auth=True,
    )
    assert created.headers["upload-offset"] == str(3 * MIB)
    path = location(created)
    assert client.request("HEAD", path, headers=TUS).headers["upload-defer-length"] == "1"
    rest = patch(client, path, 3 * MIB, body[3 * MIB :], **{"Upload-Length": str(len(body))})
    assert rest.headers["upload-offset"] == str(len(body))
    assert hashlib.sha256(client.get(f"/{key}").body).digest() == hashlib.sha256(body).digest()


def test_x_http_method_override(client: Client, prefix: str) -> None:
    path = location(create(client, f"{prefix}o.bin", 2))
    sent = {**OCTETS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"}
    assert client.request("POST", path, body=b"ab", headers=sent).status == 204
    assert client.get(f"/{prefix}o.bin").body == b"ab"


@pytest.mark.parametrize(
    ("algorithm", "digest"), [("sha1", hashlib.sha1), ("sha256", hashlib.sha256)]
)
def test_checksum_good_is_kept_and_bad_is_460_and_dropped(
    client: Client, prefix: str, algorithm: str, digest: type
) -> None:
    path = location(create(client, f"{prefix}c.bin", 8))
    good = f"{algorithm} {base64.b64encode(digest(b'abcd').digest()).decode()}"
    assert patch(client, path, 0, b"abcd", **{"Upload-Checksum": good}).status == 204
    bad = f"{algorithm} {base64.b64encode(digest(b'zzzz').digest()).decode()}"
    refused = patch(client, path, 4, b"efgh", **{"Upload-Checksum": bad})
    assert (refused.status, refused.error_code) == (460, "checksum_mismatch")
    assert client.request("HEAD", path, headers=TUS).headers["upload-offset"] == "4"
    assert client.get(f"/{prefix}c.bin").status == 404
    assert patch(client, path, 4, b"efgh").status == 204
    assert client.get(f"/{prefix}c.bin").body == b"abcdefgh"


def test_a_bad_checksum_over_several_parts_keeps_none_of_them(client: Client, prefix: str) -> None:
    key = f"{prefix}parts.bin"
    body = bytes(range(256)) * (11 * MIB // 256)
    path = location(create(client, key, len(body)))
    wrong = f"sha256 {base64.b64encode(hashlib.sha256(body[:-1]).digest()).decode()}"
    refused = patch(client, path, 0, body, **{"Upload-Checksum": wrong})
    assert (refused.status, refused.error_code) == (460, "checksum_mismatch")
    assert client.request("HEAD", path, headers=TUS).headers["upload-offset"] == "0"
    right = f"sha256 {base64.b64encode(hashlib.sha256(body).digest()).decode()}"
    assert patch(client, path, 0, body, **{"Upload-Checksum": right}).status == 204
    assert hashlib.sha256(client.get(f"/{key}").body).digest() == hashlib.sha256(body).digest()


def test_termination(client: Client, prefix: str) -> None:
    path = location(create(client, f"{prefix}t.bin", 10))
    assert patch(client, path, 0, b"12345").status == 204
    assert client.request("DELETE", path, headers=TUS).status == 204
    for method in ("HEAD", "DELETE"):
        gone = client.request(method, path, headers=TUS)
        assert gone.status == 404
    assert patch(client, path, 5, b"67890").status == 404
    assert client.get(f"/{prefix}t.bin").status == 404


# --- the grant's token -----------------------------------------------------------------------


def grant(client: Client, key: str, **extra: object) -> dict[str, str]:
    body = {"key": key, "content_type": "image/png", "multipart": True, **extra}
    reply = client.request(
        "POST",
        "/api/v1/uploads",
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        auth=True,
    )
    assert reply.status == 201, reply.body
    multipart: dict[str, str] = reply.json()["multipart"]
    return multipart


def test_a_grant_token_creates_at_its_tus_endpoint(client: Client, prefix: str) -> None:
    key = f"{prefix}token.png"
    multipart = grant(client, key)
    assert multipart["tus_endpoint"].endswith("/api/v1/tus")
    bearer = {"Authorization": f"Bearer {multipart['token']}"}
    created = client.request("POST", "/api/v1/tus", headers={**TUS, "Upload-Length": "3", **bearer})
    assert created.headers["r2gate-key"] == key
    assert patch(client, location(created), 0, b"png").status == 204
    stored = client.get(f"/{key}")
    assert (stored.body, stored.headers["content-type"]) == (b"png", "image/png")


def test_the_upload_url_outlives_the_token_that_created_it(client: Client, prefix: str) -> None:
    key = f"{prefix}long.png"
    # Expired a minute ago less 2 s: within the verifier's 60 s leeway for 2 s more.
    now = int(time.time())
    claims = {"op": "mpu", "key": key, "ct": ["image/png"], "max": 100}
    bearer = {"Authorization": f"Bearer {token(claims, iat=now - 600, exp=now - 58)}"}
    path = location(
        client.request("POST", "/api/v1/tus", headers={**TUS, "Upload-Length": "4", **bearer})
    )
    time.sleep(3)
    late = client.request("POST", "/api/v1/tus", headers={**TUS, "Upload-Length": "4", **bearer})
    assert (late.status, late.error_code) == (401, "token_expired")
    assert patch(client, path, 0, b"long").status == 204
    assert client.get(f"/{key}").body == b"long"


def test_a_token_for_another_key_or_type_or_size_is_refused(client: Client, prefix: str) -> None:
    multipart = grant(client, f"{prefix}mine.png", max_bytes=100)
    bearer = {"Authorization": f"Bearer {multipart['token']}"}
    cases = [
        ({"Upload-Metadata": metadata(key=f"{prefix}other.png")}, 403, "token_scope"),
        ({"Upload-Metadata": metadata(filetype="text/html")}, 415, "unsupported_media_type"),
        ({"Upload-Length": "101"}, 413, "too_large"),
    ]
    for extra, status, code in cases:
        sent = {**TUS, "Upload-Length": "3", **bearer, **extra}
        reply = client.request("POST", "/api/v1/tus", headers=sent)
        assert (reply.status, reply.error_code) == (status, code), extra
    deferred = client.request(
        "POST", "/api/v1/tus", headers={**TUS, "Upload-Defer-Length": "1", **bearer}
    )
    beyond = patch(client, location(deferred), 0, b"x" * 101)
    assert (beyond.status, beyond.error_code) == (413, "too_large")
    assert client.get(f"/{prefix}mine.png").status == 404
    alive(client)


# --- hostile input ---------------------------------------------------------------------------


def test_wrong_version_is_412_with_tus_version(client: Client) -> None:
    reply = client.request("POST", "/api/v1/tus", headers={"Tus-Resumable": "0.2.2"}, auth=True)
    assert (reply.status, reply.headers["tus-version"]) == (412, "1.0.0")


def test_wrong_offset_is_409(client: Client, prefix: str) -> None:
    path = location(create(client, f"{prefix}w.bin", 4))
    reply = patch(client, path, 1, b"abc")
    assert (reply.status, reply.error_code) == (409, "offset_mismatch")
    alive(client)


def test_a_body_beyond_upload_length_is_413_and_not_stored(client: Client, prefix: str) -> None:
    path = location(create(client, f"{prefix}b.bin", 4))
    reply = patch(client, path, 0, b"abcdef")
    assert (reply.status, reply.error_code) == (413, "upload_length_exceeded")
    assert client.get(f"/{prefix}b.bin").status == 404
    assert client.request("HEAD", path, headers=TUS).headers["upload-offset"] == "0"
    with_body = client.request(
        "POST",
        "/api/v1/tus",
        body=b"abcdef",
        headers={**OCTETS, "Upload-Length": "4", "Upload-Metadata": metadata(key=f"{prefix}b")},
        auth=True,
    )
    assert (with_body.status, with_body.error_code) == (413, "upload_length_exceeded")
    assert "location" not in with_body.headers


def test_a_patch_without_tus_headers_is_refused(client: Client, prefix: str) -> None:
    path = location(create(client, f"{prefix}h.bin", 4))
    no_type = client.request("PATCH", path, body=b"ab", headers={**TUS, "Upload-Offset": "0"})
    assert (no_type.status, no_type.error_code) == (415, "unsupported_media_type")
    no_offset = client.request("PATCH", path, body=b"ab", headers=OCTETS)
    assert (no_offset.status, no_offset.error_code) == (400, "invalid_upload_offset")
    no_version = client.request(
        "PATCH",
        path,
        body=b"ab",
        headers={"Content-Type": OCTETS["Content-Type"], "Upload-Offset": "0"},
    )
    assert no_version.status == 412
    assert client.request("HEAD", path, headers=TUS).headers["upload-offset"] == "0"


def test_a_forged_or_altered_url_is_404(client: Client, prefix: str) -> None:
    path = location(create(client, f"{prefix}f.bin", 4))
    upload_id = path.rsplit("/", 1)[1]
    altered = upload_id[:-1] + ("0" if upload_id[-1] != "0" else "1")
    for forged in (altered, "f" * 64, "0" * 63, upload_id.upper(), "../" + upload_id):
        reply = patch(client, f"/api/v1/tus/{forged}", 0, b"ab")
        assert reply.status == 404, forged
    assert patch(client, path, 0, b"abcd").status == 204


def test_metadata_deep_or_huge_is_refused(client: Client) -> None:
    huge = metadata(filename="x" * 5000)
    many = ",".join(f"k{i} eA==" for i in range(40))
    cases = [
        (huge, 413, "metadata_too_large"),
        (many, 413, "metadata_too_large"),
        ("key not-base64!", 400, "invalid_upload_metadata"),
        ("key eA==,key eA==", 400, "invalid_upload_metadata"),
        ("k{y} eA==", 400, "invalid_upload_metadata"),
        (metadata(key="api/tus/x"), 400, "invalid_key"),
    ]
    for value, status, code in cases:
        reply = create(client, None, 3, **{"Upload-Metadata": value})
        assert (reply.status, reply.error_code) == (status, code), value[:40]
    alive(client)


def test_a_final_upload_of_a_terminated_partial_is_refused(client: Client, prefix: str) -> None:
    path = location(create(client, f"{prefix}e.bin", 4, **{"Upload-Concat": "partial"}))
    assert client.request("DELETE", path, headers=TUS).status == 204
    final = create(client, f"{prefix}e.bin", None, **{"Upload-Concat": f"final;{path}"})
    assert (final.status, final.error_code) == (400, "invalid_upload_concat")
    assert client.request("HEAD", path, headers=TUS).status == 404


def test_two_patches_at_once_never_interleave(client: Client, prefix: str) -> None:
    key = f"{prefix}race.bin"
    path = location(create(client, key, 6 * MIB))
    results: list[int] = []
    slow_started = threading.Event()

    def slow() -> None:
        conn = client.connection()
        conn.putrequest("PATCH", path)
        for name, value in {**OCTETS, "Upload-Offset": "0", "Content-Length": str(6 * MIB)}.items():
            conn.putheader(name, value)
        conn.endheaders()
        conn.send(b"a" * MIB)
        slow_started.set()
        time.sleep(1.5)
        conn.send(b"a" * (5 * MIB))
        results.append(conn.getresponse().status)
        conn.close()

    thread = threading.Thread(target=slow)
    thread.start()
    slow_started.wait(10)
    time.sleep(0.5)
    second = patch(client, path, 0, b"b" * MIB)
    thread.join(30)
    assert second.status in (409, 423), second.body
    assert results == [204]
    assert client.get(f"/{key}").body == b"a" * (6 * MIB)


def test_a_final_upload_takes_only_this_callers_partials_of_its_key(
    client: Client, prefix: str
) -> None:
    partial = {"Upload-Concat": "partial"}
    other = location(create(client, f"{prefix}other.bin", 2, **partial))
    assert patch(client, other, 0, b"ab").status == 204
    mine = location(create(client, f"{prefix}mine.bin", 2, **partial))
    assert patch(client, mine, 0, b"cd").status == 204
    unfinished = location(create(client, f"{prefix}mine.bin", 2, **partial))
    for named in (f"{mine} {other}", f"{mine} {unfinished}"):
        final = create(client, f"{prefix}mine.bin", None, **{"Upload-Concat": f"final;{named}"})
        assert (final.status, final.error_code) == (400, "invalid_upload_concat"), named
    final = create(client, f"{prefix}mine.bin", None, **{"Upload-Concat": f"final;{mine}"})
    assert final.status == 201
    assert final.headers["upload-offset"] == final.headers["upload-length"] == "2"
    assert client.get(f"/{prefix}mine.bin").body == b"cd"
    assert client.request("HEAD", mine, headers=TUS).status == 404  # consumed
    assert patch(client, location(final), 2, b"x").status == 403  # a final takes no PATCH
