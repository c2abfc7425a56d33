"""An object's custom metadata as the x-amz-meta-* headers of an S3 answer
(r2gate.s3.metadata): always valid HTTP, whatever was stored."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.s3.metadata import metadata_headers


def test_ascii_values_are_sent_as_they_are() -> None:
    assert metadata_headers({"owner": "u1", "note": "a b, \"c\" 'd'"}) == {
        "x-amz-meta-owner": "u1",
        "x-amz-meta-note": "a b, \"c\" 'd'",
    }
    assert metadata_headers({}) == {}


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("café", "=?UTF-8?B?Y2Fmw6k=?="),
        ("x\x01y", "=?UTF-8?B?eAF5?="),
        ("a\r\nx-evil: 1", "=?UTF-8?B?" + base64.b64encode(b"a\r\nx-evil: 1").decode() + "?="),
        ("tab\there", "=?UTF-8?B?" + base64.b64encode(b"tab\there").decode() + "?="),
        ("\x7f", "=?UTF-8?B?fw==?="),
    ],
)
def test_other_values_are_rfc_2047_encoded(value: str, sent: str) -> None:
    assert metadata_headers({"a": value}) == {"x-amz-meta-a": sent}


@pytest.mark.parametrize("name", ["bad name", "a:b", "x\r\ny", "é", ""])
def test_names_that_are_not_tokens_are_left_out_and_counted(name: str) -> None:
    assert metadata_headers({name: "v", "ok": "1"}) == {
        "x-amz-meta-ok": "1",
        "x-amz-missing-meta": "1",
    }


def test_every_missing_entry_is_counted() -> None:
    assert metadata_headers({"a b": "1", "c d": "2"}) == {"x-amz-missing-meta": "2"}


@given(st.dictionaries(st.text(max_size=12), st.text(max_size=20), max_size=6))
def test_any_metadata_gives_valid_header_lines(metadata: dict[str, str]) -> None:
    headers = metadata_headers(metadata)
    for name, value in headers.items():
        assert name.isascii() and name.isprintable() and " " not in name and ":" not in name
        assert value.isascii() and all(" " <= c <= "~" for c in value)
    sent = sum(1 for name in headers if name.startswith("x-amz-meta-"))
    assert sent + int(headers.get("x-amz-missing-meta", "0")) == len(metadata)
