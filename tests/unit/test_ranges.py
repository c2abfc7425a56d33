"""Range requests (RFC 9110 14.1-14.6) and multipart/byteranges plans."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from r2gate.ranges import (
    MAX_HEADER_CHARS,
    ByteRange,
    RangeDecision,
    RangeKind,
    batched_parts,
    content_range,
    multipart_byteranges,
    parse_range,
    unsatisfied_content_range,
)

FULL = RangeDecision(RangeKind.FULL)
UNSAT = RangeDecision(RangeKind.UNSATISFIABLE)


def single(offset: int, length: int) -> RangeDecision:
    return RangeDecision(RangeKind.SINGLE, (ByteRange(offset, length),))


def multi(*ranges: tuple[int, int]) -> RangeDecision:
    return RangeDecision(RangeKind.MULTIPLE, tuple(ByteRange(*r) for r in ranges))


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        # RFC 9110 14.1.2 examples on a 10000-byte representation
        pytest.param("bytes=0-499", 10000, single(0, 500), id="rfc9110-14.1.2-first-500"),
        pytest.param("bytes=500-999", 10000, single(500, 500), id="rfc9110-14.1.2-second-500"),
        pytest.param("bytes=-500", 10000, single(9500, 500), id="rfc9110-14.1.2-suffix-500"),
        pytest.param("bytes=9500-", 10000, single(9500, 500), id="rfc9110-14.1.2-open-ended"),
        pytest.param(
            "bytes=0-0,-1", 10000, multi((0, 1), (9999, 1)), id="rfc9110-14.1.2-first-and-last"
        ),
        pytest.param(
            "bytes= 0-999, 4500-5499, -1000",
            10000,
            multi((0, 1000), (4500, 1000), (9000, 1000)),
            id="rfc9110-5.6.1-lenient-ows-after-equals",
        ),
        pytest.param(
            "bytes=0-999, 4500-5499,\t-1000",
            10000,
            multi((0, 1000), (4500, 1000), (9000, 1000)),
            id="rfc9110-5.6.1-ows-around-commas",
        ),
        pytest.param(
            "bytes=500-600,601-999",
            10000,
            multi((500, 101), (601, 399)),
            id="rfc9110-14.2-adjacent-kept",
        ),
        pytest.param("bytes=500-700,601-999", 10000, FULL, id="rfc9110-14.2-overlapping-ignored"),
        pytest.param("bytes=0-1,0-1", 10000, FULL, id="rfc9110-14.2-duplicate-ignored"),
        pytest.param(
            "bytes=9000-,0-99",
            10000,
            multi((9000, 1000), (0, 100)),
            id="rfc9110-14.6-request-order-kept",
        ),
        # Clamping and suffixes (RFC 9110 14.1.1, 14.1.3)
        pytest.param("bytes=0-1", 1000, single(0, 2), id="rfc9110-14.1.3-ios-probe-0-1"),
        pytest.param("bytes=0-99999", 1000, single(0, 1000), id="rfc9110-14.1.1-last-pos-clamped"),
        pytest.param("bytes=999-999", 1000, single(999, 1), id="rfc9110-14.1.1-last-byte"),
        pytest.param(
            "bytes=-5000", 1000, single(0, 1000), id="rfc9110-14.1.2-suffix-longer-than-object"
        ),
        pytest.param("bytes=0-", 1, single(0, 1), id="rfc9110-14.1.1-open-ended-1-byte"),
        pytest.param("bytes=00-01", 10, single(0, 2), id="rfc9110-14.1.1-leading-zeros"),
        pytest.param("BYTES=0-1", 10, single(0, 2), id="rfc9110-14.1-unit-case-insensitive"),
        pytest.param(" bytes=0-1 ", 10, single(0, 2), id="rfc9110-5.5-field-ows"),
        # Unsatisfiable (RFC 9110 14.1.1, 15.5.17)
        pytest.param("bytes=1000-", 1000, UNSAT, id="rfc9110-14.1.1-first-pos-at-size"),
        pytest.param("bytes=5000-6000", 1000, UNSAT, id="rfc9110-14.1.1-first-pos-beyond"),
        pytest.param("bytes=-0", 1000, UNSAT, id="rfc9110-14.1.1-zero-suffix"),
        pytest.param("bytes=1000-,2000-", 1000, UNSAT, id="rfc9110-15.5.17-none-satisfiable"),
        pytest.param("bytes=0-0", 0, UNSAT, id="rfc9110-15.5.17-empty-object"),
        pytest.param("bytes=-1", 0, UNSAT, id="rfc9110-15.5.17-empty-object-suffix"),
        pytest.param(f"bytes={'9' * 30}-", 10, UNSAT, id="rfc9110-14.1.1-huge-first-pos"),
        # Any satisfiable range makes the set satisfiable
        pytest.param("bytes=5000-,0-9", 1000, single(0, 10), id="rfc9110-14.1.1-any-satisfiable"),
        pytest.param(
            "bytes=-0,-10", 1000, single(990, 10), id="rfc9110-14.1.1-zero-suffix-dropped"
        ),
        # Ignored: 200 (RFC 9110 14.2)
        pytest.param(None, 1000, FULL, id="rfc9110-14.2-absent"),
        pytest.param("items=0-1", 1000, FULL, id="rfc9110-14.2-unknown-unit"),
        pytest.param("bytes 0-1", 1000, FULL, id="rfc9110-14.2-no-equals"),
        pytest.param("bytes=", 1000, FULL, id="rfc9110-14.1.1-empty-range-set"),
        pytest.param("bytes=,", 1000, FULL, id="rfc9110-14.1.1-only-empty-elements"),
        pytest.param("bytes=-", 1000, FULL, id="rfc9110-14.1.1-dash-only"),
        pytest.param("bytes=5-3", 1000, FULL, id="rfc9110-14.1.1-last-before-first-invalid"),
        pytest.param("bytes=0-1,5-3", 1000, FULL, id="rfc9110-14.1.1-one-invalid-spec"),
        pytest.param("bytes=0 - 1", 1000, FULL, id="rfc9110-14.1.1-space-inside-spec"),
        pytest.param("bytes=0-1,\n2-3", 1000, FULL, id="rfc9110-5.6.3-ows-is-sp-htab-only"),
        pytest.param("bytes=0-1,\u00a02-3", 1000, FULL, id="rfc9110-5.6.3-nbsp-not-ows"),
        pytest.param("bytes=a-b", 1000, FULL, id="rfc9110-14.1.1-not-digits"),
        pytest.param("bytes=1_0-20", 1000, FULL, id="rfc9110-14.1.1-underscore-not-digit"),
        pytest.param("bytes=\u0661-2", 1000, FULL, id="rfc9110-14.1.1-non-ascii-digit"),
        pytest.param("bytes=0-1;x", 1000, FULL, id="rfc9110-14.1.1-trailing-garbage"),
        pytest.param("by tes=0-1", 1000, FULL, id="rfc9110-14.1-unit-not-token"),
        pytest.param(f"bytes=0-{'9' * 65}", 1000, FULL, id="r2gate-number-over-64-digits"),
        pytest.param("bytes=x-y", 0, FULL, id="rfc9110-14.2-malformed-beats-empty-object"),
        pytest.param("bytes=-1", 10**13, single(10**13 - 1, 1), id="rfc9110-14.1.2-large-object"),
    ],
)
def test_parse_range(header, size, expected):
    assert parse_range(header, size) == expected


def test_too_many_ranges_is_full():
    ranges = ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(17))
    assert parse_range(f"bytes={ranges}", 1000) == FULL
    assert parse_range(f"bytes={ranges}", 1000, max_ranges=17).kind is RangeKind.MULTIPLE
    sixteen = ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(16))
    assert len(parse_range(f"bytes={sixteen}", 1000).ranges) == 16


def test_header_length_is_bounded():
    """Empty list elements are allowed, but not without end: a long header is ignored."""
    padded = "bytes=0-1" + "," * (MAX_HEADER_CHARS - len("bytes=0-1"))
    assert parse_range(padded, 1000) == single(0, 2)
    assert parse_range(padded + ",", 1000) == FULL
    assert parse_range("bytes=" + "," * 1_000_000 + "0-1", 1000) == FULL
    assert parse_range("bytes=0-" + "9" * 1_000_000, 1000) == FULL


def test_negative_size_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_range("bytes=0-1", -1)


@pytest.mark.parametrize(
    ("offset", "length", "size", "expected"),
    [
        pytest.param(0, 500, 10000, "bytes 0-499/10000", id="rfc9110-14.4-first-500"),
        pytest.param(9999, 1, 10000, "bytes 9999-9999/10000", id="rfc9110-14.4-last-byte"),
    ],
)
def test_content_range(offset, length, size, expected):
    assert content_range(offset, length, size) == expected


def test_unsatisfied_content_range():
    assert unsatisfied_content_range(1234) == "bytes */1234"  # RFC 9110 14.4


def _render(plan, data: bytes) -> bytes:
    return b"".join(
        p if isinstance(p, bytes) else data[p.offset : p.offset + p.length] for p in plan.parts
    )


def test_multipart_plan_matches_rfc9110_14_6_layout():
    data = bytes(range(256)) * 4
    plan = multipart_byteranges([(0, 2), (500, 3)], "video/mp4", len(data), "THIS_STRING_SEPARATES")
    assert plan.content_type == "multipart/byteranges; boundary=THIS_STRING_SEPARATES"
    body = _render(plan, data)
    assert body == (
        b"--THIS_STRING_SEPARATES\r\nContent-Type: video/mp4\r\n"
        b"Content-Range: bytes 0-1/1024\r\n\r\n" + data[0:2] + b"\r\n"
        b"--THIS_STRING_SEPARATES\r\nContent-Type: video/mp4\r\n"
        b"Content-Range: bytes 500-502/1024\r\n\r\n" + data[500:503] + b"\r\n"
        b"--THIS_STRING_SEPARATES--\r\n"
    )
    assert plan.content_length == len(body)
    assert [p for p in plan.parts if isinstance(p, ByteRange)] == [
        ByteRange(0, 2),
        ByteRange(500, 3),
    ]


def test_multipart_plan_quotes_non_token_boundary_and_omits_empty_type():
    plan = multipart_byteranges([(0, 1), (2, 1)], "", 3, "a:b")
    assert plan.content_type == 'multipart/byteranges; boundary="a:b"'
    assert b"Content-Type" not in plan.parts[0]


def test_multipart_plan_strips_header_injection():
    plan = multipart_byteranges([(0, 1), (2, 1)], "text/plain\r\nX-Evil: 1", 3, "b")
    assert b"\r\nX-Evil" not in plan.parts[0]


@pytest.mark.parametrize(
    ("ranges", "boundary"),
    [
        pytest.param([(0, 1)], "", id="rfc2046-5.1.1-empty-boundary"),
        pytest.param([(0, 1)], "x" * 71, id="rfc2046-5.1.1-boundary-too-long"),
        pytest.param([(0, 1)], "ends in space ", id="rfc2046-5.1.1-trailing-space"),
        pytest.param([(0, 1)], "new\r\nline", id="rfc2046-5.1.1-crlf"),
        pytest.param([], "b", id="no-ranges"),
        pytest.param([(0, 11)], "b", id="range-beyond-object"),
        pytest.param([(0, 0)], "b", id="empty-range"),
    ],
)
def test_multipart_plan_rejects_bad_arguments(ranges, boundary):
    with pytest.raises(ValueError):
        multipart_byteranges(ranges, "text/plain", 10, boundary)


# ---------------------------------------------------------------------------
# Property tests against an independent reference built on Python slicing.

_SPEC = re.compile(r"(?:([0-9]+)-([0-9]*)|-([0-9]+))", re.ASCII)


def reference(header: str | None, size: int, max_ranges: int = 16):
    """(kind, [expected bytes per range]) following RFC 9110 and r2gate's stated policy."""
    if header is None or len(header) > MAX_HEADER_CHARS:
        return RangeKind.FULL, []
    m = re.fullmatch(r"[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=(.*?)[ \t]*", header, re.S)
    if not m or m.group(1).lower() != "bytes":
        return RangeKind.FULL, []
    elements = [e.strip(" \t") for e in m.group(2).split(",")]
    elements = [e for e in elements if e]
    if not elements or len(elements) > max_ranges:
        return RangeKind.FULL, []
    wanted = []  # (start, stop) pairs as Python slice bounds on the object
    for element in elements:
        spec = _SPEC.fullmatch(element)
        if not spec or any(g and len(g) > 64 for g in spec.groups()):
            return RangeKind.FULL, []
        first, last, suffix = spec.groups()
        if suffix is not None:
            n = int(suffix)
            wanted.append((size - n, size) if 0 < n <= size else (0, size) if n else (size, size))
        else:
            if last and int(last) < int(first):
                return RangeKind.FULL, []
            wanted.append((int(first), int(last) + 1 if last else size))
    data = list(range(size))
    picked = [(a, b) for a, b in wanted if len(data[a:b]) > 0 and a < size]
    if not picked:
        return RangeKind.UNSATISFIABLE, []
    if len(picked) > 1:
        covered = [i for a, b in picked for i in data[a:b]]
        if len(covered) != len(set(covered)):
            return RangeKind.FULL, []
        return RangeKind.MULTIPLE, [bytes(i % 251 for i in data[a:b]) for a, b in picked]
    a, b = picked[0]
    return RangeKind.SINGLE, [bytes(i % 251 for i in data[a:b])]


def _digits(max_value: int):
    return st.integers(0, max_value).map(str) | st.integers(0, 50).map(lambda n: "0" * 3 + str(n))


_spec = st.one_of(
    st.tuples(_digits(12_000), st.none() | _digits(12_000)).map(lambda t: f"{t[0]}-{t[1] or ''}"),
    _digits(12_000).map(lambda n: f"-{n}"),
)
_separator = st.sampled_from([",", ", ", " ,", ",\t", ",,", " , , "])


@st.composite
def well_formed(draw):
    unit = draw(st.sampled_from(["bytes", "BYTES", "Bytes"]))
    specs = draw(st.lists(_spec, min_size=1, max_size=20))
    seps = draw(st.lists(_separator, min_size=len(specs), max_size=len(specs)))
    body = "".join(s + p for s, p in zip(specs, seps, strict=True))[: -len(seps[-1])]
    return f"{unit}={body}"


_headers = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.text(alphabet="bytes=0123456789-, \t", max_size=40),
    st.from_regex(r"bytes=[0-9 ,\t-]{0,30}", fullmatch=True),
    well_formed(),
)


def _check(header, size):
    decision = parse_range(header, size)
    kind, expected = reference(header, size)
    data = bytes(i % 251 for i in range(size))
    assert decision.kind is kind
    assert [data[r.offset : r.offset + r.length] for r in decision.ranges] == expected
    for r in decision.ranges:
        assert r.offset >= 0 and r.length >= 1 and r.offset + r.length <= size


@given(st.integers(0, 10_000), _headers)
@example(0, "bytes=-0")
@example(10, "bytes=-10")
@example(10, "bytes=0-4,5-9")
@example(10, "bytes=0-4,4-9")
@example(10, "bytes=0-4,\x0b5-9")
def test_matches_reference(size, header):
    _check(header, size)


@given(st.integers(0, 10_000), st.text())
def test_arbitrary_text_never_raises(size, header):
    decision = parse_range(header, size)
    if decision.kind in (RangeKind.FULL, RangeKind.UNSATISFIABLE):
        assert decision.ranges == ()
    elif decision.kind is RangeKind.SINGLE:
        assert len(decision.ranges) == 1
    else:
        assert decision.kind is RangeKind.MULTIPLE and len(decision.ranges) >= 2
    _check(header, size)


@given(
    st.integers(1, 10_000),
    st.lists(st.tuples(st.integers(0, 9_999), st.integers(1, 500)), min_size=1, max_size=16),
)
def test_multipart_length_is_exact(size, raw):
    ranges = [(o % size, min(n, size - o % size)) for o, n in raw]
    plan = multipart_byteranges(ranges, "model/gltf-binary", size, "r2gate-boundary-0123")
    data = bytes(i % 251 for i in range(size))
    body = _render(plan, data)
    assert len(body) == plan.content_length
    assert body.endswith(b"\r\n--r2gate-boundary-0123--\r\n")
    assert body.count(b"Content-Range: ") == len(ranges)


def test_multipart_parts_are_batched_in_order_with_at_most_n_ranges() -> None:
    a, b, c = ByteRange(0, 10), ByteRange(20, 10), ByteRange(40, 10)
    parts = [b"h1", a, b"h2", b, b"h3", c, b"end"]
    assert batched_parts(parts, 2) == [[b"h1", a, b"h2", b, b"h3"], [c, b"end"]]
    assert batched_parts(parts, 3) == [parts]
    assert batched_parts(parts, 1) == [[b"h1", a, b"h2"], [b, b"h3"], [c, b"end"]]
    batches = batched_parts(parts, 1)
    assert [part for batch in batches for part in batch] == parts  # nothing lost or reordered


def test_a_batch_holds_at_least_one_range() -> None:
    with pytest.raises(ValueError):
        batched_parts([b"x", ByteRange(0, 1)], 0)
