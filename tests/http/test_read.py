"""The read path over HTTP: RFC 9110 preconditions and ranges, cache policy, download names.

Each case id cites the RFC 9110 section it checks.
"""

from __future__ import annotations

import email.utils
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.client import Client, Reply
from tests.support.data import random_bytes

SIZE = 1000


@dataclass
class Stored:
    path: str
    data: bytes
    etag: str  # quoted
    last_modified: str

    def fill(self, template: str) -> str:
        lm = email.utils.parsedate_to_datetime(self.last_modified)
        return template.format(
            etag=self.etag,
            bare=self.etag.strip('"'),
            lm=self.last_modified,
            past=email.utils.format_datetime(lm - timedelta(days=1), usegmt=True),
            future=email.utils.format_datetime(lm + timedelta(days=1), usegmt=True),
            lm_plus_1s=email.utils.format_datetime(lm + timedelta(seconds=1), usegmt=True),
            now=email.utils.format_datetime(datetime.now(UTC), usegmt=True),
        )


@pytest.fixture(scope="module")
def stored(server, api_key) -> Stored:  # type: ignore[no-untyped-def]
    client = Client(server.url, api_key)
    path = f"/t-{uuid.uuid4().hex[:12]}/object.bin"
    data = random_bytes(SIZE)
    assert client.put(path, data).status == 201
    got = client.get(path, headers={"Cache-Control": "no-cache"})
    return Stored(path, data, got.headers["etag"], got.headers["last-modified"])


def fetch(client: Client, stored: Stored, method: str, headers: dict[str, str]) -> Reply:
    filled = {name: stored.fill(value) for name, value in headers.items()}
    # no-cache: these cases test the R2 path; the edge-cache tests below repeat them on a hit
    return client.request(method, stored.path, headers={"Cache-Control": "no-cache", **filled})


PRECONDITIONS = [
    ("rfc9110-13.1.2-if-none-match-same-etag-304", "GET", {"If-None-Match": "{etag}"}, 304),
    ("rfc9110-13.1.2-if-none-match-weak-compare-304", "GET", {"If-None-Match": "W/{etag}"}, 304),
    ("rfc9110-13.1.2-if-none-match-star-304", "GET", {"If-None-Match": "*"}, 304),
    ("rfc9110-13.1.2-if-none-match-list-304", "GET", {"If-None-Match": '"x", {etag}'}, 304),
    ("rfc9110-13.1.2-if-none-match-other-200", "GET", {"If-None-Match": '"other"'}, 200),
    ("rfc9110-13.1.2-if-none-match-unquoted-ignored-200", "GET", {"If-None-Match": "{bare}"}, 200),
    ("rfc9110-13.1.2-if-none-match-head-304", "HEAD", {"If-None-Match": "{etag}"}, 304),
    ("rfc9110-13.1.1-if-match-same-200", "GET", {"If-Match": "{etag}"}, 200),
    ("rfc9110-13.1.1-if-match-star-200", "GET", {"If-Match": "*"}, 200),
    ("rfc9110-13.1.1-if-match-other-412", "GET", {"If-Match": '"other"'}, 412),
    ("rfc9110-13.1.1-if-match-weak-never-matches-412", "GET", {"If-Match": "W/{etag}"}, 412),
    ("rfc9110-13.1.1-if-match-list-200", "GET", {"If-Match": '"a", {etag}, "b"'}, 200),
    ("rfc9110-13.1.4-if-unmodified-since-past-412", "GET", {"If-Unmodified-Since": "{past}"}, 412),
    (
        "rfc9110-13.1.4-if-unmodified-since-future-200",
        "GET",
        {"If-Unmodified-Since": "{future}"},
        200,
    ),
    ("rfc9110-13.1.4-if-unmodified-since-equal-200", "GET", {"If-Unmodified-Since": "{lm}"}, 200),
    (
        "rfc9110-13.1.4-if-unmodified-since-bad-date-ignored-200",
        "GET",
        {"If-Unmodified-Since": "yesterday"},
        200,
    ),
    (
        "rfc9110-13.2.2-if-match-overrides-if-unmodified-since-200",
        "GET",
        {"If-Match": "{etag}", "If-Unmodified-Since": "{past}"},
        200,
    ),
    ("rfc9110-13.1.3-if-modified-since-equal-304", "GET", {"If-Modified-Since": "{lm}"}, 304),
    (
        "rfc9110-13.1.3-if-modified-since-later-304",
        "GET",
        {"If-Modified-Since": "{lm_plus_1s}"},
        304,
    ),
    ("rfc9110-13.1.3-if-modified-since-past-200", "GET", {"If-Modified-Since": "{past}"}, 200),
    (
        "rfc9110-13.1.3-if-modified-since-bad-date-ignored-200",
        "GET",
        {"If-Modified-Since": "Sat, 99 Foo 2026"},
        200,
    ),
    (
        "rfc9110-13.2.2-if-none-match-overrides-if-modified-since-200",
        "GET",
        {"If-None-Match": '"other"', "If-Modified-Since": "{future}"},
        200,
    ),
    (
        "rfc9110-13.2.2-if-match-fails-before-if-none-match-412",
        "GET",
        {"If-Match": '"other"', "If-None-Match": "{etag}"},
        412,
    ),
    ("rfc9110-13.1.3-if-modified-since-head-304", "HEAD", {"If-Modified-Since": "{lm}"}, 304),
]


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [case[1:] for case in PRECONDITIONS],
    ids=[case[0] for case in PRECONDITIONS],
)
def test_preconditions(
    client: Client, stored: Stored, method: str, headers: dict[str, str], status: int
) -> None:
    reply = fetch(client, stored, method, headers)
    assert reply.status == status, reply.body
    if status == 200 and method == "GET":
        assert reply.body == stored.data
    if status == 304:
        assert reply.body == b""
        assert reply.headers["etag"] == stored.etag
        assert reply.headers["last-modified"] == stored.last_modified
        assert "max-age" in reply.headers["cache-control"]
    if status == 412:
        assert reply.error_code == "precondition_failed"


def test_rfc9110_13_1_1_missing_object_with_if_match_star_is_404(
    client: Client, stored: Stored
) -> None:
    reply = client.get(stored.path + ".missing", headers={"If-Match": "*"})
    assert reply.status == 404


RANGES = [
    ("rfc9110-14.1.2-first-bytes", "bytes=0-99", 0, 100),
    ("rfc9110-14.1.2-middle", "bytes=100-199", 100, 100),
    ("rfc9110-14.1.2-open-ended", "bytes=900-", 900, 100),
    ("rfc9110-14.1.2-suffix", "bytes=-100", 900, 100),
    ("rfc9110-14.1.2-suffix-longer-than-object-is-whole", "bytes=-5000", 0, SIZE),
    ("rfc9110-14.1.2-last-pos-clamped", "bytes=990-5000", 990, 10),
    ("rfc9110-14.1.2-ios-probe-two-bytes", "bytes=0-1", 0, 2),
    ("rfc9110-14.1.2-single-last-byte", "bytes=999-999", 999, 1),
    ("rfc9110-14.1.1-unit-case-insensitive", "Bytes=0-9", 0, 10),
    ("rfc9110-14.1.1-whitespace-around-comma", "bytes=0-9 , 2000-3000", 0, 10),
]


@pytest.mark.parametrize(
    ("header", "offset", "length"),
    [case[1:] for case in RANGES],
    ids=[case[0] for case in RANGES],
)
def test_single_ranges(
    client: Client, stored: Stored, header: str, offset: int, length: int
) -> None:
    reply = fetch(client, stored, "GET", {"Range": header})
    assert reply.status == 206, reply.body
    assert reply.body == stored.data[offset : offset + length]
    assert reply.headers["content-range"] == f"bytes {offset}-{offset + length - 1}/{SIZE}"
    assert reply.headers["content-length"] == str(length)
    assert reply.headers["etag"] == stored.etag
    assert "cache-control" in reply.headers


IGNORED_RANGES = [
    ("rfc9110-14.1-unknown-unit-ignored", "items=0-5"),
    ("rfc9110-14.1-malformed-ignored", "bytes=abc"),
    ("rfc9110-14.1-backwards-ignored", "bytes=50-10"),
    ("rfc9110-14.3-overlapping-set-answered-whole", "bytes=0-50,40-60"),
    (
        "rfc9110-14.3-too-many-ranges-answered-whole",
        "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(17)),
    ),
]


@pytest.mark.parametrize(
    "header", [case[1] for case in IGNORED_RANGES], ids=[case[0] for case in IGNORED_RANGES]
)
def test_ranges_answered_with_the_whole_object(client: Client, stored: Stored, header: str) -> None:
    reply = fetch(client, stored, "GET", {"Range": header})
    assert reply.status == 200
    assert reply.body == stored.data
    assert "content-range" not in reply.headers


@pytest.mark.parametrize(
    "header",
    ["bytes=1000-1100", "bytes=5000-", "bytes=-0", "bytes=2000-3000,4000-5000"],
    ids=["first-past-end", "open-past-end", "empty-suffix", "all-past-end"],
)
def test_rfc9110_15_5_17_unsatisfiable_range_is_416(
    client: Client, stored: Stored, header: str
) -> None:
    reply = fetch(client, stored, "GET", {"Range": header})
    assert reply.status == 416
    assert reply.headers["content-range"] == f"bytes */{SIZE}"
    assert reply.error_code == "range_not_satisfiable"


def test_rfc9110_14_2_range_is_ignored_on_head(client: Client, stored: Stored) -> None:
    reply = fetch(client, stored, "HEAD", {"Range": "bytes=0-9"})
    assert reply.status == 200
    assert reply.headers["content-length"] == str(SIZE)
    assert "content-range" not in reply.headers


def parse_multipart(reply: Reply) -> list[tuple[str, bytes]]:
    match = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", reply.headers["content-type"])
    assert match, reply.headers["content-type"]
    boundary = match.group(1).strip('"').encode()
    parts = []
    # RFC 2046 5.1.1: a delimiter is CRLF "--" boundary; the CRLF belongs to it, not to the
    # part before, so bytes of the body that look like line ends are kept.
    body = b"\r\n" + reply.body if reply.body.startswith(b"--") else reply.body
    for chunk in body.split(b"\r\n--" + boundary)[1:-1]:
        assert chunk.startswith(b"\r\n"), chunk[:20]
        head, _, body_part = chunk[2:].partition(b"\r\n\r\n")
        content_range = re.search(rb"Content-Range: (.+)", head)
        assert content_range
        parts.append((content_range.group(1).decode().strip(), body_part))
    assert reply.body.endswith(b"--" + boundary + b"--\r\n")
    return parts


def test_rfc9110_14_6_several_ranges_are_multipart_byteranges(
    client: Client, stored: Stored
) -> None:
    reply = fetch(client, stored, "GET", {"Range": "bytes=0-9,500-519,-5"})
    assert reply.status == 206
    assert reply.headers["content-length"] == str(len(reply.body))
    assert parse_multipart(reply) == [
        (f"bytes 0-9/{SIZE}", stored.data[0:10]),
        (f"bytes 500-519/{SIZE}", stored.data[500:520]),
        (f"bytes 995-999/{SIZE}", stored.data[995:]),
    ]


def test_many_ranges_are_read_a_few_at_a_time_and_all_arrive_in_order(
    client: Client, stored: Stored
) -> None:
    """Nine ranges: more than the R2 reads held open at once (handlers/read.MAX_OPEN_READS),
    so the later ones are read while the first are sent."""
    spans = [(i * 100, i * 100 + 9 + i) for i in range(9)]
    header = "bytes=" + ",".join(f"{first}-{last}" for first, last in spans)
    reply = fetch(client, stored, "GET", {"Range": header})
    assert reply.status == 206
    assert reply.headers["content-length"] == str(len(reply.body))
    assert parse_multipart(reply) == [
        (f"bytes {first}-{last}/{SIZE}", stored.data[first : last + 1]) for first, last in spans
    ]


def test_large_ranges_are_streamed_and_all_arrive_in_order(server, api_key) -> None:  # type: ignore[no-untyped-def]
    """Six ranges of 300 KB: more bytes than are sent from memory
    (handlers/read.BUFFERED_MULTIPART), so they are streamed from R2, four at a time."""
    client = Client(server.url, api_key)
    path = f"/t-{uuid.uuid4().hex[:12]}/large.bin"
    data = random_bytes(2_000_000)
    assert client.put(path, data).status == 201
    spans = [(i * 320_000, i * 320_000 + 299_999) for i in range(6)]
    header = "bytes=" + ",".join(f"{first}-{last}" for first, last in spans)
    reply = client.request("GET", path, headers={"Cache-Control": "no-cache", "Range": header})
    assert reply.status == 206
    assert reply.headers["content-length"] == str(len(reply.body))
    assert parse_multipart(reply) == [
        (f"bytes {first}-{last}/{len(data)}", data[first : last + 1]) for first, last in spans
    ]


def test_rfc9110_14_6_unsatisfiable_members_are_dropped(client: Client, stored: Stored) -> None:
    reply = fetch(client, stored, "GET", {"Range": "bytes=5000-6000,10-19"})
    assert reply.status == 206
    assert reply.headers["content-range"] == f"bytes 10-19/{SIZE}"
    assert reply.body == stored.data[10:20]


IF_RANGE = [
    ("rfc9110-13.1.5-if-range-same-etag-206", "{etag}", 206),
    ("rfc9110-13.1.5-if-range-other-etag-200", '"other"', 200),
    ("rfc9110-13.1.5-if-range-weak-etag-200", "W/{etag}", 200),
    ("rfc9110-13.1.5-if-range-same-date-206", "{lm}", 206),
    ("rfc9110-13.1.5-if-range-other-date-200", "{past}", 200),
    ("rfc9110-13.1.5-if-range-garbage-200", "not a validator", 200),
]


@pytest.mark.parametrize(
    ("if_range", "status"), [c[1:] for c in IF_RANGE], ids=[c[0] for c in IF_RANGE]
)
def test_if_range(client: Client, stored: Stored, if_range: str, status: int) -> None:
    reply = fetch(client, stored, "GET", {"Range": "bytes=0-9", "If-Range": if_range})
    assert reply.status == status
    assert reply.body == (stored.data[:10] if status == 206 else stored.data)


def test_rfc9110_13_2_2_preconditions_come_before_range(client: Client, stored: Stored) -> None:
    reply = fetch(client, stored, "GET", {"Range": "bytes=0-9", "If-None-Match": "{etag}"})
    assert reply.status == 304
    reply = fetch(client, stored, "GET", {"Range": "bytes=0-9", "If-Match": '"x"'})
    assert reply.status == 412


def test_head_has_exactly_the_headers_get_has(client: Client, stored: Stored) -> None:
    for extra in ({}, {"If-None-Match": "{etag}"}, {"Origin": "https://app.example.com"}):
        get = fetch(client, stored, "GET", extra)
        head = fetch(client, stored, "HEAD", extra)
        volatile = {"date", "server-timing", "connection", "keep-alive"}
        assert {k: v for k, v in get.headers.items() if k not in volatile} == {
            k: v for k, v in head.headers.items() if k not in volatile
        }, extra


def test_no_empty_header_values(client: Client, stored: Stored) -> None:
    cases = [{}, {"Range": "bytes=0-9"}, {"If-None-Match": "{etag}"}, {"Range": "bytes=9999-"}]
    for headers in cases:
        reply = fetch(client, stored, "GET", {**headers, "Origin": "https://app.example.com"})
        assert all(value.strip() for _, value in reply.header_list), reply.header_list


# --- download names (RFC 6266) ----------------------------------------------------------------


def test_download_uses_the_key_name(client: Client, stored: Stored) -> None:
    reply = client.get(stored.path + "?download")
    assert reply.status == 200
    assert reply.headers["content-disposition"] == 'attachment; filename="object.bin"'


def test_download_with_non_ascii_name_uses_filename_star(client: Client, stored: Stored) -> None:
    reply = client.get(stored.path + "?download=Caf%C3%A9%20model.glb")
    disposition = reply.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''Caf%C3%A9%20model.glb" in disposition
    assert 'filename="Caf' in disposition  # an ASCII fallback for old clients


def test_download_name_cannot_inject_headers_or_paths(client: Client, stored: Stored) -> None:
    injected = client.get(stored.path + "?download=evil%22%0D%0AX-Bad%3A%201.txt")
    assert (injected.status, injected.error_code) == (400, "invalid_request")
    assert "x-bad" not in injected.headers
    reply = client.get(stored.path + "?download=..%2F..%2Fevil%22.txt")
    assert reply.status == 200
    assert "/" not in reply.headers["content-disposition"].split("filename=")[1].split(";")[0]
