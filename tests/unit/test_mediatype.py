"""Strict media types (RFC 9110 8.3.1): parsing, canonical form, patterns, active types."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.mediatype import (
    MAX_CHARS,
    MAX_PARAMETERS,
    MediaRange,
    MediaType,
    MediaTypeError,
    allows,
    is_active,
    is_generic,
    multipart_boundary,
    parse_media_range,
    parse_media_ranges,
    parse_media_type,
    single_media_type,
)


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("image/png", "image/png"),
        ("Image/PNG", "image/png"),
        ("  image/png \t", "image/png"),
        ("text/plain; Charset=UTF-8", "text/plain; charset=UTF-8"),
        ("text/plain ;charset=utf-8", "text/plain; charset=utf-8"),
        ('text/plain; charset="utf-8"', "text/plain; charset=utf-8"),
        ('text/plain; name="a b"', 'text/plain; name="a b"'),
        ('text/plain; name="a\\"b\\\\c"', 'text/plain; name="a\\"b\\\\c"'),
        ('text/plain; name="\\a"', "text/plain; name=a"),
        ('text/plain; name=""', 'text/plain; name=""'),
        ("image/png;", "image/png"),
        ("image/png; ;a=1;;b=2", "image/png; a=1; b=2"),
        ("model/vnd.usdz+zip", "model/vnd.usdz+zip"),
        ("application/vnd.apple.mpegurl", "application/vnd.apple.mpegurl"),
    ],
)
def test_valid_media_types_have_one_canonical_form(value: str, canonical: str) -> None:
    parsed = parse_media_type(value)
    assert parsed.canonical == canonical == str(parsed)
    assert parse_media_type(canonical) == parsed


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("image/png;,text/html", id="issue-comma-after-semicolon"),
        pytest.param("image/png; x=y, text/html", id="issue-comma-list"),
        pytest.param("image/png, text/html", id="joined-fields"),
        pytest.param('image/png; x="a,b"', id="comma-even-quoted"),
        pytest.param("image/png; x = y", id="space-around-equals"),
        pytest.param("image/png; x", id="parameter-without-value"),
        pytest.param("image/png; x=", id="empty-value"),
        pytest.param('image/png; x="open', id="unterminated-quote"),
        pytest.param('image/png; x="a"b', id="garbage-after-quote"),
        pytest.param("image/png x=y", id="no-semicolon"),
        pytest.param("image/ png", id="space-after-slash"),
        pytest.param("image /png", id="space-before-slash"),
        pytest.param("image", id="no-subtype"),
        pytest.param("image/", id="empty-subtype"),
        pytest.param("/png", id="empty-type"),
        pytest.param("image/png/x", id="two-slashes"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("image/png\x00", id="nul"),
        pytest.param("image/png;\nx=y", id="newline"),
        pytest.param("im\u00e1ge/png", id="non-ascii-type"),
        pytest.param('text/plain; x="\u00e9"', id="obs-text-in-quotes"),
        pytest.param("*/*", id="wildcard-is-not-a-type"),
        pytest.param("image/*", id="subtype-wildcard-is-not-a-type"),
        pytest.param("text/html; charset=utf-8; Charset=utf-7", id="duplicate-parameter"),
        pytest.param("a" * 128 + "/png", id="type-over-127"),
        pytest.param("image/" + "p" * 128, id="subtype-over-127"),
        pytest.param("text/plain;x=" + "a" * MAX_CHARS, id="too-long"),
        pytest.param(
            "text/plain" + "".join(f";p{i}=1" for i in range(MAX_PARAMETERS + 1)),
            id="too-many-parameters",
        ),
    ],
)
def test_malformed_media_types_are_refused(value: str) -> None:
    with pytest.raises(MediaTypeError):
        parse_media_type(value)


def test_errors_never_echo_the_value() -> None:
    with pytest.raises(MediaTypeError) as info:
        parse_media_type("image/png; <script>=1, text/html")
    assert "script" not in str(info.value)


def test_parameters_are_read_case_insensitively() -> None:
    parsed = parse_media_type('multipart/form-data; Boundary="x y"')
    assert parsed.parameter("BOUNDARY") == "x y"
    assert parsed.parameter("charset") is None
    assert parsed.essence == "multipart/form-data"


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(["image/png", "text/html"], id="two-fields"),
        pytest.param(("image/png", "image/png"), id="two-identical-fields"),
        pytest.param("image/png, text/html", id="joined-by-fetch"),
        pytest.param("", id="present-but-empty"),
        pytest.param([""], id="one-empty-field"),
    ],
)
def test_a_request_carries_exactly_one_content_type(values: object) -> None:
    with pytest.raises(MediaTypeError):
        single_media_type(values)  # type: ignore[arg-type]


def test_single_media_type_absent_and_present() -> None:
    assert single_media_type(None) is None
    assert single_media_type([]) is None
    assert single_media_type(["Image/PNG"]) == MediaType("image", "png")
    assert single_media_type("image/png") == MediaType("image", "png")


# --- patterns ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("*/*", "image/png", True),
        ("image/*", "image/png", True),
        ("image/*", "IMAGE/WEBP; q=1", True),
        ("image/*", "video/mp4", False),
        ("image/png", "image/png; x=1", True),
        ("Image/PNG", "image/png", True),
        ("image/png", "image/pngx", False),
        ("text/plain; charset=utf-8", "text/plain; charset=UTF-8", True),
        ("text/plain; charset=utf-8", "text/plain", False),
        ("text/plain; charset=utf-8", "text/plain; charset=latin1", False),
        ("text/*; charset=utf-8", "text/csv; charset=utf-8", True),
        ("text/plain; format=flowed", "text/plain; format=Flowed", False),
    ],
)
def test_pattern_matching(pattern: str, value: str, matches: bool) -> None:
    assert parse_media_range(pattern).matches(parse_media_type(value)) is matches


@pytest.mark.parametrize(
    "pattern", ["*/png", "image/png*", "im*/png", "*", "image/**", "image/*, text/*", ""]
)
def test_bad_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(MediaTypeError):
        parse_media_range(pattern)


def test_pattern_lists() -> None:
    ranges = parse_media_ranges(["image/*", "IMAGE/*", "model/gltf-binary"])
    assert [str(r) for r in ranges] == ["image/*", "model/gltf-binary"]
    for bad in ([], "image/*", ["image/*"] * 33):
        with pytest.raises(MediaTypeError):
            parse_media_ranges(bad)  # type: ignore[arg-type]


ACTIVE = [
    "text/html",
    "text/html; charset=utf-8",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/mathml+xml",
    "application/xslt+xml",
    "text/xsl",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "text/ecmascript",
    "application/ecmascript",
    "text/jscript",
    "text/javascript1.5",
    "multipart/x-mixed-replace; boundary=x",
    "multipart/related; boundary=x",
    "application/x-shockwave-flash",
]
PASSIVE = [
    "image/png",
    "image/jpeg",
    "model/gltf-binary",
    "model/gltf+json",
    "model/vnd.usdz+zip",
    "video/mp4",
    "application/pdf",
    "application/json",
    "text/plain",
    "text/css",
    "text/csv",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/wasm",
]


@pytest.mark.parametrize("value", ACTIVE)
def test_active_types(value: str) -> None:
    assert is_active(parse_media_type(value))


@pytest.mark.parametrize("value", PASSIVE)
def test_passive_types(value: str) -> None:
    assert not is_active(parse_media_type(value))


@pytest.mark.parametrize("value", ACTIVE)
@pytest.mark.parametrize("wildcard", ["*/*", "text/*", "image/*", "application/*", "multipart/*"])
def test_wildcards_never_allow_an_active_type(value: str, wildcard: str) -> None:
    media = parse_media_type(value)
    assert not allows([parse_media_range(wildcard)], media)
    assert allows([parse_media_range(wildcard), parse_media_range(media.essence)], media)


@pytest.mark.parametrize("value", PASSIVE)
def test_star_allows_every_passive_type(value: str) -> None:
    assert allows([parse_media_range("*/*")], parse_media_type(value))


def test_allows_needs_a_matching_pattern() -> None:
    png = parse_media_type("image/png")
    assert not allows([], png)
    assert not allows([parse_media_range("video/*")], png)
    assert allows([parse_media_range("video/*"), parse_media_range("image/png")], png)


def test_wildcard_patterns_are_not_active() -> None:
    assert not is_active(MediaRange("*", "*"))
    assert not is_active(MediaRange("text", "*"))
    assert is_active(MediaRange("text", "html"))


@pytest.mark.parametrize(
    ("value", "generic"),
    [
        ("application/x-www-form-urlencoded", True),
        ("application/octet-stream", True),
        ("binary/octet-stream", True),
        ("Application/Octet-Stream; x=1", True),
        ("application/unknown", True),
        ("model/gltf-binary", False),
        ("text/plain", False),
        ("multipart/form-data; boundary=x", False),
    ],
)
def test_generic_types(value: str, generic: bool) -> None:
    assert is_generic(parse_media_type(value)) is generic


# --- multipart boundary --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "boundary"),
    [
        ("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", None),
        ('multipart/form-data; boundary="a b"', "a b"),
        ("Multipart/Form-Data; BOUNDARY=x", "x"),
        ("multipart/form-data; boundary=" + "b" * 70, None),
        ('multipart/form-data; boundary="\'()+_./:=?-"', "'()+_./:=?-"),
    ],
)
def test_multipart_boundary(value: str, boundary: str | None) -> None:
    expected = boundary or value.rsplit("=", 1)[1]
    assert multipart_boundary(parse_media_type(value)) == expected


@pytest.mark.parametrize(
    "value",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=" + "b" * 71,
        'multipart/form-data; boundary="ends with space "',
        'multipart/form-data; boundary=""',
        'multipart/form-data; boundary="a;b"',
        "multipart/form-data; boundary=a&b",
        "multipart/mixed; boundary=x",
        "text/plain; boundary=x",
    ],
)
def test_bad_multipart_boundaries(value: str) -> None:
    with pytest.raises(MediaTypeError):
        multipart_boundary(parse_media_type(value))


def test_other_multipart_subtypes_on_request() -> None:
    media = parse_media_type("multipart/byteranges; boundary=abc")
    assert multipart_boundary(media, "byteranges") == "abc"


# --- properties ----------------------------------------------------------------------------

_TCHAR = "!#$%&'+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
tokens = st.text(alphabet=_TCHAR, min_size=1, max_size=20)
values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters=","),
    max_size=20,
)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def media_types(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    params = draw(st.dictionaries(tokens.map(str.lower), values, max_size=4))
    text = f"{draw(tokens)}/{draw(tokens)}" + "".join(
        f"; {name}={_quoted(value)}" for name, value in params.items()
    )
    return text, params


@given(media_types())
def test_canonical_form_is_a_fixed_point(case: tuple[str, dict[str, str]]) -> None:
    value, params = case
    parsed = parse_media_type(value)
    assert dict(parsed.parameters) == params
    assert parse_media_type(parsed.canonical) == parsed
    assert parse_media_type(parsed.canonical).canonical == parsed.canonical


@given(st.text(max_size=80))
def test_any_text_parses_or_raises_media_type_error(value: str) -> None:
    try:
        parsed = parse_media_type(value)
    except MediaTypeError:
        return
    assert "," not in value
    assert value.isascii()
    assert parse_media_type(parsed.canonical) == parsed


@given(media_types(), st.text(max_size=10))
def test_a_comma_anywhere_is_refused(case: tuple[str, dict[str, str]], tail: str) -> None:
    with pytest.raises(MediaTypeError):
        parse_media_type(case[0] + "," + tail)


@pytest.mark.parametrize("value", [["image/png"], {"type": "image"}, 7, None, b"image/png"])
def test_a_value_that_is_not_a_string_is_a_media_type_error(value: object) -> None:
    # JSON bodies reach these parsers; an unhashable value must not escape as a TypeError.
    with pytest.raises(MediaTypeError):
        parse_media_type(value)  # type: ignore[arg-type]
    with pytest.raises(MediaTypeError):
        parse_media_range(value)  # type: ignore[arg-type]
    with pytest.raises(MediaTypeError):
        parse_media_ranges([value])  # type: ignore[list-item]


def test_a_value_parsed_again_gives_the_same_answer_and_errors_stay_errors() -> None:
    first = parse_media_type("Text/Plain; Charset=UTF-8")
    assert parse_media_type("Text/Plain; Charset=UTF-8") == first
    assert first.canonical == "text/plain; charset=UTF-8"
    for _ in range(2):
        with pytest.raises(MediaTypeError):
            parse_media_type("text/html, image/png")
