"""Which bodies a handler left unread are read to their end before the answer."""

from __future__ import annotations

import pytest

from r2gate.unread_bodies import DRAIN_LIMIT_BYTES, drain_unread_body, drains_every_body


@pytest.mark.parametrize("length", ["1", "65536", str(DRAIN_LIMIT_BYTES)])
def test_a_small_announced_body_is_drained(length: str) -> None:
    assert drain_unread_body({"content-length": length})


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no body announced
        {"content-length": "0"},
        {"content-length": str(DRAIN_LIMIT_BYTES + 1)},  # too large to read for nothing
        {"content-length": "10000000000000000000000"},
        {"transfer-encoding": "chunked"},  # size unknown in advance
        {"content-length": "12, 12"},  # not one number: the request was refused for it
        {"content-length": "-1"},
        {"content-length": "0x10"},
    ],
)
def test_no_body_a_large_body_or_an_unsized_body_is_left_alone(headers: dict[str, str]) -> None:
    assert not drain_unread_body(headers)


def test_the_limit_can_be_lowered() -> None:
    assert not drain_unread_body({"content-length": "2048"}, limit=1024)
    assert drain_unread_body({"content-length": "1024"}, limit=1024)


@pytest.mark.parametrize(
    ("value", "every"), [("on", True), (None, False), ("", False), ("off", False)]
)
def test_only_wrangler_dev_drains_every_body(value: str | None, every: bool) -> None:
    assert drains_every_body(value) is every
