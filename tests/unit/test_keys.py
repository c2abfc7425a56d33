"""Object key rules, and above all: a key displays as what it is."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.errors import ApiError
from r2gate.keys import MAX_KEY_BYTES, invisible_character, key_from_path, validate_key


@pytest.mark.parametrize(
    "key",
    [
        "models/chair.glb",
        "a b/c d.png",
        "images/caf\u00e9.jpg",
        "images/\u65e5\u672c.png",
        "emoji/\u2764\ufe0f.png",  # heart + variation selector 16
        "emoji/\U0001f600.png",
        "pua/\ue000.bin",  # private use: a visible glyph or box
        "new/\U000323b0.bin",  # unassigned in Unicode 14: allowed, see keys.py
        "x" * MAX_KEY_BYTES,
    ],
)
def test_valid_keys(key: str) -> None:
    assert validate_key(key) == key


INVISIBLE = [
    pytest.param("\u202e", id="U+202E-right-to-left-override"),
    pytest.param("\u202d", id="U+202D-left-to-right-override"),
    pytest.param("\u202a", id="U+202A-left-to-right-embedding"),
    pytest.param("\u200e", id="U+200E-left-to-right-mark"),
    pytest.param("\u200f", id="U+200F-right-to-left-mark"),
    pytest.param("\u061c", id="U+061C-arabic-letter-mark"),
    pytest.param("\u2066", id="U+2066-left-to-right-isolate"),
    pytest.param("\u2067", id="U+2067-right-to-left-isolate"),
    pytest.param("\u2068", id="U+2068-first-strong-isolate"),
    pytest.param("\u2069", id="U+2069-pop-directional-isolate"),
    pytest.param("\u200b", id="U+200B-zero-width-space"),
    pytest.param("\u200c", id="U+200C-zero-width-non-joiner"),
    pytest.param("\u200d", id="U+200D-zero-width-joiner"),
    pytest.param("\u2060", id="U+2060-word-joiner"),
    pytest.param("\ufeff", id="U+FEFF-byte-order-mark"),
    pytest.param("\u00ad", id="U+00AD-soft-hyphen"),
    pytest.param("\u180e", id="U+180E-mongolian-vowel-separator"),
    pytest.param("\U000e0041", id="U+E0041-tag-latin-capital-a"),
    pytest.param("\u2028", id="U+2028-line-separator"),
    pytest.param("\u2029", id="U+2029-paragraph-separator"),
    pytest.param("\ufdd0", id="U+FDD0-noncharacter"),
    pytest.param("\uffff", id="U+FFFF-noncharacter"),
    pytest.param("\U0001fffe", id="U+1FFFE-noncharacter"),
    pytest.param("\u3164", id="U+3164-hangul-filler"),
    pytest.param("\u115f", id="U+115F-hangul-choseong-filler"),
    pytest.param("\u034f", id="U+034F-combining-grapheme-joiner"),
]


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_and_format_characters_are_refused(char: str) -> None:
    key = f"downloads/invoice{char}gpj.exe"
    with pytest.raises(ApiError) as info:
        validate_key(key)
    assert (info.value.status, info.value.code) == (400, "invalid_key")
    assert f"U+{ord(char):04X}" in info.value.message


def test_percent_encoded_override_in_a_path_is_refused() -> None:
    with pytest.raises(ApiError) as info:
        key_from_path("/docs/report%E2%80%AEfdp.exe")
    assert info.value.code == "invalid_key"
    assert "U+202E" in info.value.message


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "empty"),
        ("x" * (MAX_KEY_BYTES + 1), "longer than"),
        ("a\x00b", "control character"),
        ("a\x85b", "control character"),
        ("a\ud800b", "not valid UTF-8"),
        ("a\\b", "backslash"),
        ("/a", "empty path segment"),
        ("a//b", "empty path segment"),
        ("a/", "empty path segment"),
        ("a/../b", "'..'"),
        ("./a", "'.'"),
        ("api/x", "reserved"),
        ("api", "reserved"),
    ],
)
def test_other_rules(key: str, message: str) -> None:
    with pytest.raises(ApiError) as info:
        validate_key(key)
    assert message in info.value.message


def test_key_from_path_decodes_percent_encoding() -> None:
    assert key_from_path("/models/a%20b.glb") == "models/a b.glb"
    assert key_from_path("/images/caf%C3%A9.jpg") == "images/caf\u00e9.jpg"
    with pytest.raises(ApiError):
        key_from_path("/bad%FF")


@given(st.text(min_size=1, max_size=40))
def test_no_accepted_key_holds_a_format_or_separator_character(key: str) -> None:
    try:
        validate_key(key)
    except ApiError as error:
        assert error.code == "invalid_key"
        return
    assert not any(unicodedata.category(c) in ("Cf", "Zl", "Zp", "Cc", "Cs") for c in key)
    assert invisible_character(key) is None


# --- the rules as one pattern (the OpenAPI document states them) ------------------------------

import re as _re  # noqa: E402

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from r2gate.keys import KEY_PATTERN, PREFIX_PATTERN  # noqa: E402

_KEY = _re.compile(KEY_PATTERN)
_PREFIX = _re.compile(PREFIX_PATTERN)
_PARTS = st.sampled_from(["a", ".", "..", "api", "/", "\\", "\u202e", "\x7f", "é", "\U000e0001"])


def _accepted(key: str) -> bool:
    try:
        validate_key(key)
    except Exception:
        return False
    return True


@settings(max_examples=400)
@given(st.one_of(st.text(max_size=40), st.lists(_PARTS, max_size=8).map("".join)))
@example("a/./b")
@example("api")
@example("apix/y")
@example("\U0001fffe")
def test_the_key_pattern_is_the_key_rules(key: str) -> None:
    assert bool(_KEY.search(key)) is _accepted(key), key


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=30), st.lists(_PARTS, max_size=8).map("".join)))
def test_the_prefix_pattern_is_a_usable_prefix(prefix: str) -> None:
    usable = prefix == "" or (prefix.endswith("/") and _accepted(prefix + "x"))
    assert bool(_PREFIX.search(prefix)) is usable, prefix
