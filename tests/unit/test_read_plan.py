"""The read plan: preconditions first, then ranges, then the headers each answer carries."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from r2gate.read_plan import ReadKind, download_name, plan_headers, plan_read

ETAG = '"abc"'
MODIFIED = datetime(2026, 11, 21, 8, 0, 0, 750_000, tzinfo=UTC)
REPRESENTATION = {
    "ETag": ETAG,
    "Last-Modified": "Sat, 21 Nov 2026 08:00:00 GMT",
    "Content-Type": "model/gltf-binary",
    "Cache-Control": "public, max-age=60",
    "Accept-Ranges": "bytes",
}


def test_rfc9110_13_2_2_preconditions_before_range() -> None:
    plan = plan_read("GET", {"If-None-Match": ETAG, "Range": "bytes=0-1"}, ETAG, MODIFIED, 10)
    assert (plan.kind, plan.status) == (ReadKind.NOT_MODIFIED, 304)


def test_rfc9110_15_4_5_not_modified_repeats_validators_only() -> None:
    plan = plan_read("GET", {"If-None-Match": ETAG}, ETAG, MODIFIED, 10)
    headers = plan_headers(plan, REPRESENTATION, 10)
    assert set(headers) == {"ETag", "Last-Modified", "Cache-Control"}


def test_rfc9110_14_4_partial_headers() -> None:
    plan = plan_read("GET", {"Range": "bytes=2-5"}, ETAG, MODIFIED, 10)
    assert plan.kind is ReadKind.PARTIAL
    headers = plan_headers(plan, REPRESENTATION, 10)
    assert (headers["Content-Range"], headers["Content-Length"]) == ("bytes 2-5/10", "4")


def test_rfc9110_15_5_17_unsatisfiable_headers() -> None:
    plan = plan_read("GET", {"Range": "bytes=10-"}, ETAG, MODIFIED, 10)
    assert plan_headers(plan, REPRESENTATION, 10) == {"Content-Range": "bytes */10"}


def test_head_never_plans_a_range() -> None:
    assert plan_read("HEAD", {"Range": "bytes=0-1"}, ETAG, MODIFIED, 10).kind is ReadKind.FULL


def test_download_name() -> None:
    assert download_name("download", "models/chair.glb") == "chair.glb"
    assert download_name("a=1&download=My%20Chair.glb", "models/chair.glb") == "My Chair.glb"
    assert download_name("downloads=1", "models/chair.glb") is None


@given(size=st.integers(0, 5000), header=st.text(max_size=40))
def test_any_range_header_gives_200_206_or_416(size: int, header: str) -> None:
    plan = plan_read("GET", {"Range": header}, ETAG, MODIFIED, size)
    assert plan.status in (200, 206, 416)
    headers = plan_headers(plan, REPRESENTATION, size)
    if plan.kind is ReadKind.PARTIAL:
        (only,) = plan.ranges
        assert only.offset >= 0 and only.offset + only.length <= size
        assert headers["Content-Range"] == f"bytes {only.offset}-{only.last}/{size}"
    assert all(value for value in headers.values())
