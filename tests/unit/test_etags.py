"""Entity-tag parsing and comparison (RFC 9110 8.8.3, 13.1.1, 13.1.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.etags import (
    ANY,
    MAX_FIELD_CHARS,
    EntityTag,
    parse_entity_tag,
    parse_etag_list,
    strong_match,
    to_entity_tag,
    weak_match,
)

S = EntityTag(False, "abc")
W = EntityTag(True, "abc")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('"abc"', (S,), id="rfc9110-8.8.3-strong"),
        pytest.param('W/"abc"', (W,), id="rfc9110-8.8.3-weak"),
        pytest.param('""', (EntityTag(False, ""),), id="rfc9110-8.8.3-empty-opaque"),
        pytest.param("*", ANY, id="rfc9110-13.1.1-star"),
        pytest.param(" \t* ", ANY, id="rfc9110-5.6.3-ows-around-star"),
        pytest.param(
            '"a", W/"b",  "c"',
            (
                EntityTag(False, "a"),
                EntityTag(True, "b"),
                EntityTag(False, "c"),
            ),
            id="rfc9110-5.6.1-list",
        ),
        pytest.param(
            '"a",,"b",',
            (
                EntityTag(False, "a"),
                EntityTag(False, "b"),
            ),
            id="rfc9110-5.6.1-empty-elements",
        ),
        pytest.param('"a,b"', (EntityTag(False, "a,b"),), id="rfc9110-8.8.3-comma-inside-tag"),
        pytest.param('"caf\xe9"', (EntityTag(False, "caf\xe9"),), id="rfc9110-8.8.3-obs-text"),
        pytest.param("abc", None, id="rfc9110-8.8.3-unquoted-malformed"),
        pytest.param('"abc', None, id="rfc9110-8.8.3-unterminated"),
        pytest.param('w/"abc"', None, id="rfc9110-8.8.3-lowercase-weak-prefix"),
        pytest.param('W/ "abc"', None, id="rfc9110-8.8.3-space-after-W"),
        pytest.param('"a b"', None, id="rfc9110-8.8.3-space-not-etagc"),
        pytest.param('"a" "b"', None, id="rfc9110-5.6.1-missing-comma"),
        pytest.param('*, "a"', None, id="rfc9110-13.1.1-star-in-list"),
        pytest.param("", None, id="rfc9110-5.6.1-empty-value"),
        pytest.param(" , ,", None, id="rfc9110-5.6.1-only-empty-elements"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_parse_etag_list(value, expected):
    assert parse_etag_list(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('"x"', EntityTag(False, "x"), id="rfc9110-8.8.3-single"),
        pytest.param(' W/"x" ', EntityTag(True, "x"), id="rfc9110-8.8.3-single-weak-ows"),
        pytest.param('"x", "y"', None, id="rfc9110-13.1.5-list-not-single"),
        pytest.param('"x"y', None, id="rfc9110-8.8.3-trailing-garbage"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_parse_entity_tag(value, expected):
    assert parse_entity_tag(value) == expected


# RFC 9110 8.8.3.2, the comparison table.
@pytest.mark.parametrize(
    ("a", "b", "strong", "weak"),
    [
        pytest.param(W, EntityTag(True, "abc"), False, True, id="rfc9110-8.8.3.2-W1-W1"),
        pytest.param(W, EntityTag(True, "xyz"), False, False, id="rfc9110-8.8.3.2-W1-W2"),
        pytest.param(W, S, False, True, id="rfc9110-8.8.3.2-W1-1"),
        pytest.param(S, EntityTag(False, "abc"), True, True, id="rfc9110-8.8.3.2-1-1"),
        pytest.param(S, EntityTag(False, "ABC"), False, False, id="rfc9110-8.8.3.2-case-sensitive"),
    ],
)
def test_comparison(a, b, strong, weak):
    assert strong_match(a, b) is strong
    assert strong_match(b, a) is strong
    assert weak_match(a, b) is weak


def test_to_entity_tag_accepts_quoted_and_bare_r2_etags():
    assert to_entity_tag('"0123abc"') == EntityTag(False, "0123abc")
    assert to_entity_tag("0123abc") == EntityTag(False, "0123abc")


def test_str_round_trips():
    assert str(W) == 'W/"abc"'
    assert parse_entity_tag(str(W)) == W


_etagc = st.characters(
    codec="latin-1", exclude_characters='"', categories=("L", "N", "P", "S")
).filter(lambda c: c == "!" or "#" <= c <= "~" or c >= "\x80")


@given(st.lists(st.builds(EntityTag, st.booleans(), st.text(_etagc, max_size=8)), min_size=1))
def test_list_round_trip(tags):
    assert parse_etag_list(", ".join(str(t) for t in tags)) == tuple(tags)


@given(st.text())
def test_never_raises(text):
    result = parse_etag_list(text)
    assert result is None or result is ANY or (isinstance(result, tuple) and result)


@pytest.mark.parametrize(
    "value",
    ['"a", W/"b"', '"' + "x" * 300 + '"', '"a",' * (MAX_FIELD_CHARS // 4 + 1)],
    ids=["cached", "longer-than-cached", "over-the-limit"],
)
def test_a_value_parses_the_same_the_second_time(value):
    first = parse_etag_list(value)
    assert parse_etag_list(value) == first
    assert first is None or isinstance(first, tuple)
