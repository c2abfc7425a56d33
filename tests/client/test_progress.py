"""The progress bar and the CLI's size parser (no server)."""

from __future__ import annotations

import argparse
import io

import pytest
from r2gate_client import ProgressBar
from r2gate_client.cli import parse_size


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_shows_percent_rate_and_eta() -> None:
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar(stream, "scene.splat", clock=clock)
    bar(0, 10_000_000)
    clock.now += 2.0
    bar(4_000_000, 10_000_000)
    assert bar.last_line == "scene.splat   40.0%  4.0 MB / 10.0 MB  2.0 MB/s  ETA 0:03"
    clock.now += 3.0
    bar(10_000_000, 10_000_000)
    bar.close()
    assert bar.last_line.endswith("100.0%  10.0 MB / 10.0 MB  2.0 MB/s  done")
    assert stream.getvalue().endswith("\n")  # the finished bar keeps its line
    assert stream.getvalue().split("\r")[-1].rstrip().endswith("done")
    assert stream.getvalue().count("\r") == 3


def test_the_rate_counts_only_bytes_moved_since_the_start_of_a_resume() -> None:
    clock = Clock()
    bar = ProgressBar(io.StringIO(), clock=clock)
    bar(6_000_000, 10_000_000)  # 6 MB were already there
    clock.now += 1.0
    bar(7_000_000, 10_000_000)
    assert bar.last_line == " 70.0%  7.0 MB / 10.0 MB  1.0 MB/s  ETA 0:03"


def test_redraws_are_throttled_but_the_end_is_always_drawn() -> None:
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar(stream, clock=clock, interval=0.5)
    for done in range(0, 100, 10):
        bar(done, 100)
    bar(100, 100)
    assert stream.getvalue().count("\r") == 2


@pytest.mark.parametrize(
    ("text", "size"),
    [("123", 123), ("64M", 64 * 2**20), ("64MiB", 64 * 2**20), ("5mb", 5_000_000), ("1g", 2**30)],
)
def test_sizes_on_the_command_line(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_a_bad_size_is_a_usage_error() -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_size("lots")
