"""Keys refuse invisible format characters (Unicode Cf such as U+202E RIGHT-TO-LEFT OVERRIDE,
U+200E, U+2066..U+2069, zero-width characters), which make a listed or downloaded name display
as something else: on every path that takes a key."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.client import Client
from tests.support.multipart import Mpu
from tests.support.tokens import post_json, token

INVISIBLE = ["\u202e", "\u200e", "\u2066", "\u2069", "\u200b", "\ufeff", "\u2028"]


def named(reply_body: dict, char: str) -> bool:
    return f"U+{ord(char):04X}" in reply_body["error"]["message"]


@pytest.mark.parametrize("char", INVISIBLE)
def test_a_put_refuses_an_invisible_character(client: Client, prefix: str, char: str) -> None:
    key = f"{prefix}invoice{char}fdp.exe"
    reply = client.put(f"/{quote(key)}", b"x")
    assert (reply.status, reply.error_code) == (400, "invalid_key")
    assert named(reply.json(), char)
    listed = client.get(f"/api/v1/objects?prefix={quote(prefix)}", auth=True).json()
    assert listed["objects"] == []


@pytest.mark.parametrize("char", ["\u202e", "\u2067"])
def test_every_path_that_takes_a_key_refuses_them(client: Client, prefix: str, char: str) -> None:
    key = f"{prefix}a{char}b.png"
    created = Mpu(client, key).create()
    assert (created.status, created.error_code) == (400, "invalid_key")
    for path in ("/api/v1/uploads", "/api/v1/downloads"):
        document = {"key": key, "content_type": "image/png"} if "uploads" in path else {"key": key}
        reply = post_json(client, path, document)
        assert (reply.status, reply.error_code) == (400, "invalid_key"), path
    tok = token({"op": "put", "prefix": prefix})
    reply = client.request("PUT", f"/{quote(key)}?token={tok}", body=b"x")
    assert (reply.status, reply.error_code) == (400, "invalid_key")
    assert client.get(f"/{quote(key)}").error_code == "invalid_key"


def test_visible_unicode_is_still_a_key(client: Client, prefix: str) -> None:
    key = f"{prefix}modèle-\u4e2d\u6587-\U0001f600.glb"
    assert client.put(f"/{quote(key)}", b"x").status == 201
    assert client.get(f"/{quote(key)}").body == b"x"
