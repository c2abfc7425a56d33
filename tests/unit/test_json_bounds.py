"""Bounded JSON: hostile documents are refused before json.loads could recurse or allocate."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.json_bounds import (
    JsonInvalid,
    JsonRejected,
    JsonTooDeep,
    JsonTooLarge,
    JsonTooManyValues,
    check_json_shape,
    load_json_object,
)

LIMIT = 16 * 1024


def load(data: bytes | str, **bounds: int) -> dict[str, Any]:
    return load_json_object(data, max_bytes=bounds.pop("max_bytes", LIMIT), **bounds)


def nested(depth: int) -> str:
    """An object whose innermost value is `depth` levels down (arrays and objects mixed)."""
    text = "0"
    for level in range(depth - 1):
        text = f'{{"a":{text}}}' if level % 2 else f"[{text}]"
    return f'{{"x":{text}}}'


def test_a_plain_object_loads_as_plain_values() -> None:
    document = load(b'{"key": "a/b.glb", "n": 5, "f": 1.5, "ok": true, "z": null, "l": [1, {}]}')
    assert document == {"key": "a/b.glb", "n": 5, "f": 1.5, "ok": True, "z": None, "l": [1, {}]}
    assert type(document) is dict
    assert type(document["l"][1]) is dict


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("[" * 6000, id="issue-6000-brackets"),
        pytest.param('{"a":' * 6000, id="6000-objects-unclosed"),
        pytest.param("[" * 6000 + "]" * 6000, id="6000-balanced"),
        pytest.param('{"a":' + "[" * 100_000 + "]" * 100_000 + "}", id="100k-balanced"),
        pytest.param(nested(33), id="one-level-too-deep"),
    ],
)
def test_deep_nesting_is_refused_before_parsing(body: str) -> None:
    with pytest.raises(JsonInvalid):
        load(body, max_bytes=1_000_000)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 6000,
        b'{"a":' * 6000,
        b"[" * 6000 + b"]" * 6000,
        b"]" * 6000 + b"[" * 6000,
        b'{"a": [' + b"[]," * 200_000 + b"0]}",
        b'{"a": "open' + b"[" * 6000,
    ],
)
def test_hostile_shapes_never_reach_json_loads(
    body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("json.loads was called")

    monkeypatch.setattr("r2gate.json_bounds.json.loads", refuse)
    with pytest.raises(JsonInvalid):
        load(body, max_bytes=10**7)


def test_deep_balanced_nesting_is_named_too_deep() -> None:
    with pytest.raises(JsonTooDeep, match="deeper than 32 levels"):
        load(nested(33))
    with pytest.raises(JsonTooDeep):
        load("[" * 6000 + "]" * 6000)


def test_the_depth_limit_is_exact() -> None:
    assert load(nested(32))["x"]
    with pytest.raises(JsonTooDeep):
        load(nested(3), max_depth=2)
    assert load(nested(2), max_depth=2) == {"x": [0]}


@pytest.mark.parametrize(
    "body",
    [
        '{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
        '{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\""}',
        '{"a": "\\\\", "b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
        '{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[": "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{"}',
    ],
)
def test_brackets_inside_strings_do_not_count(body: str) -> None:
    assert load(body) == json.loads(body)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"a": [1', id="truncated"),
        pytest.param(b'{"a": "open', id="unterminated-string"),
        pytest.param(b'{"a": "\\"}', id="escaped-closing-quote"),
        pytest.param(b'{"a": [}', id="mismatched"),
        pytest.param(b'{"a": ]}[', id="close-before-open"),
        pytest.param(b'{"a": 1} x', id="trailing-garbage"),
        pytest.param(b'{"a": 1}{"b": 2}', id="two-objects"),
        pytest.param(b'{"a": 1, "a": 2}', id="duplicate-member"),
        pytest.param(b'{"a": {"b": 1, "b": 1}}', id="nested-duplicate-member"),
        pytest.param(b'{"a": NaN}', id="nan"),
        pytest.param(b'{"a": Infinity}', id="infinity"),
        pytest.param(b'{"a": -Infinity}', id="minus-infinity"),
        pytest.param(b'{"a": 1e400}', id="float-overflow"),
        pytest.param(b'{"a": ' + b"9" * 33 + b"}", id="int-33-digits"),
        pytest.param(b'{"a": 0.' + b"1" * 70 + b"}", id="float-literal-too-long"),
        pytest.param(b'{"a": "\\ud800"}', id="lone-high-surrogate"),
        pytest.param(b'{"a": "\\udc00x"}', id="lone-low-surrogate"),
        pytest.param(b'{"\\ud800": 1}', id="lone-surrogate-in-name"),
        pytest.param(b'{"a": ["\\ud83d"]}', id="lone-surrogate-in-list"),
        pytest.param(b'\xef\xbb\xbf{"a": 1}', id="utf8-bom"),
        pytest.param('{"a": 1}'.encode("utf-16"), id="utf-16"),
        pytest.param(b'{"a": "\xff"}', id="invalid-utf8"),
        pytest.param(b'{"a": "\x01"}', id="raw-control-character"),
        pytest.param(b"[]", id="array"),
        pytest.param(b'"a"', id="string"),
        pytest.param(b"1", id="number"),
        pytest.param(b"null", id="null"),
        pytest.param(b"", id="empty"),
        pytest.param(b"{\\}", id="backslash-outside-string"),
    ],
)
def test_invalid_documents(body: bytes) -> None:
    with pytest.raises(JsonInvalid):
        load(body)


def test_limits_that_are_met_exactly_pass() -> None:
    assert load(b'{"a": ' + b"9" * 32 + b"}") == {"a": int("9" * 32)}
    assert load(b'{"a": -' + b"9" * 32 + b"}") == {"a": -int("9" * 32)}
    assert load(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}
    assert load(b'{"a": "\\\\ud800"}') == {"a": "\\ud800"}
    assert load(b'{"a": 1e-400}') == {"a": 0.0}


def test_size_is_counted_in_bytes() -> None:
    assert load(b'{"a": 1}', max_bytes=8) == {"a": 1}
    with pytest.raises(JsonTooLarge):
        load(b'{"a": 12}', max_bytes=8)
    with pytest.raises(JsonTooLarge):
        load('{"a":"\u00e9"}', max_bytes=9)  # 9 characters, 10 bytes
    assert load('{"a":"\u00e9"}', max_bytes=10) == {"a": "\u00e9"}


def test_text_input_with_a_lone_surrogate_is_invalid() -> None:
    with pytest.raises(JsonInvalid):
        load('{"a": "\ud800"}')


def test_too_many_values() -> None:
    # the object, its member name, the list and 99 numbers: 102 values
    assert load(b'{"a": [' + b",".join([b"0"] * 99) + b"]}", max_values=102) is not None
    with pytest.raises(JsonTooManyValues):
        load(b'{"a": [' + b",".join([b"0"] * 100) + b"]}", max_values=102)
    with pytest.raises(JsonTooManyValues):
        load(b'{"a": [' + b",".join([b"[]"] * 3000) + b"]}", max_values=1000)
    with pytest.raises(JsonTooManyValues):
        load(b'{"a": [' + b",".join([b'""'] * 3000) + b"]}", max_values=1000)
    # escaped quotes are string content, not values
    assert load(b'{"a": "' + b'\\"' * 3000 + b'"}', max_values=3) == {"a": '"' * 3000}


def test_a_complete_body_of_10000_parts_fits_the_default_bounds() -> None:
    parts = [{"part_number": n, "etag": "e" * 32} for n in range(1, 10_001)]
    body = json.dumps({"parts": parts}).encode()
    assert load(body, max_bytes=6 * 1024 * 1024) == {"parts": parts}


def test_rejections_are_value_errors_without_the_input() -> None:
    with pytest.raises(ValueError) as info:
        load(b'{"secret-token-abc": 1, "secret-token-abc": 2}')
    assert isinstance(info.value, JsonRejected)
    assert "secret" not in str(info.value)


# --- properties ----------------------------------------------------------------------------


def reference_depth(text: str) -> int:
    """Nesting depth of a document json.loads accepted, by a plain character scan."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=30,
)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=4))
def test_every_bounded_object_round_trips(document: dict[str, Any]) -> None:
    for ensure_ascii in (True, False):
        text = json.dumps(document, ensure_ascii=ensure_ascii)
        if reference_depth(text) <= 32:
            assert load(text.encode(), max_bytes=10**6) == document


@given(json_values, st.integers(1, 6))
def test_shape_check_agrees_with_a_plain_scan(value: Any, max_depth: int) -> None:
    text = json.dumps(value)
    deep = reference_depth(text) > max_depth
    try:
        check_json_shape(text.encode(), max_depth, 10_000)
    except JsonTooDeep:
        assert deep
    else:
        assert not deep


@given(st.binary(max_size=200))
def test_any_bytes_load_or_raise_a_rejection(data: bytes) -> None:
    with contextlib.suppress(JsonRejected):
        assert isinstance(load(data, max_depth=4), dict)


@given(st.text(alphabet='[]{}"\\,:1aeu\u00e9 ', max_size=120))
def test_any_bracket_soup_loads_or_raises_a_rejection(text: str) -> None:
    with contextlib.suppress(JsonRejected):
        assert isinstance(load(text, max_depth=3), dict)
