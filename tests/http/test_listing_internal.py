"""Listing never shows r2gate's internal records under api/ (multipart manifests and part
records): neither their keys nor the api/ common prefix, on any page, for any caller; a page
of R2's holding only them is skipped with startAfter (which Miniflare must honour together
with prefix and delimiter)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.client import Client
from tests.support.multipart import Mpu
from tests.support.tokens import scoped


def pages(client: Client, query: str) -> list[dict[str, Any]]:
    """Every page of a listing, following cursors."""
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        extra = f"&cursor={quote(cursor, safe='')}" if cursor else ""
        reply = client.get(f"/api/v1/objects?{query}{extra}", auth=True)
        assert reply.status == 200, reply.body
        found.append(reply.json())
        cursor = found[-1]["cursor"]
        if cursor is None:
            return found
    raise AssertionError("the listing never ended")


def names(listed: list[dict[str, Any]]) -> list[str]:
    return [o["key"] for p in listed for o in p["objects"]] + [
        x for p in listed for x in p["prefixes"]
    ]


@pytest.fixture()
def around_api(client: Client) -> Iterator[tuple[str, str]]:
    """Root keys sorting just before and just after api/, and an upload in progress, so that
    internal records exist between them; removed afterwards, so that a server that keeps its
    bucket (`make dev`) does not list more pages under `ap` at every run."""
    tag = uuid.uuid4().hex[:10]
    before, after = f"apa-{tag}.txt", f"apz-{tag}.txt"
    for key in (before, after):
        assert client.put(f"/{key}", b"x").status == 201
    mpu = Mpu(client, f"apb-{tag}.bin")
    upload_id = mpu.start()
    mpu.send(upload_id, 1, b"part")
    yield before, after
    mpu.abort(upload_id)
    for key in (before, after):
        client.request("DELETE", f"/{key}", auth=True)


@pytest.mark.parametrize("delimiter", ["", "&delimiter=/"])
@pytest.mark.parametrize("limit", [1, 2, 1000])
def test_no_page_shows_internal_records(
    client: Client, around_api: tuple[str, str], limit: int, delimiter: str
) -> None:
    before, after = around_api
    listed = pages(client, f"prefix=ap&limit={limit}{delimiter}")
    shown = names(listed)
    assert not [name for name in shown if name.startswith("api/")], shown
    assert before in shown and after in shown
    assert shown.index(before) < shown.index(after)
    assert all(page["objects"] or page["prefixes"] for page in listed), listed


def test_a_prefix_under_api_lists_nothing(client: Client, around_api: tuple[str, str]) -> None:
    for prefix in ("api/", "api/uploads/", "api/upload-parts/"):
        (page,) = pages(client, f"prefix={quote(prefix)}")
        assert page == {"objects": [], "prefixes": [], "cursor": None, "truncated": False}


def test_the_root_listing_has_no_api_prefix(client: Client, around_api: tuple[str, str]) -> None:
    shown = names(pages(client, "delimiter=/&limit=1000"))
    assert "api/" not in shown
    list_key = scoped(client, "nosign")  # a key scoped to "" lists the root too
    reply = list_key.get("/api/v1/objects?delimiter=/&limit=1000", auth=True)
    assert "api/" not in reply.json()["prefixes"]


def test_a_cursor_page_from_r2_works(client: Client, around_api: tuple[str, str]) -> None:
    listed = pages(client, "prefix=ap&limit=1")
    assert len(listed) >= 2 and all(p["truncated"] for p in listed[:-1])
