"""handlers.event_loop: futures of Pyodide's WebLoop without the in-progress done-callback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pyodide.webloop import PyodideFuture, WebLoop

from handlers.event_loop import lighten_futures


class CountingLoop(asyncio.SelectorEventLoop):
    """An asyncio loop with WebLoop's in-progress count (a WebLoop needs the browser)."""

    _in_progress = 0
    _no_in_progress_handler = None
    _decrement_in_progress = WebLoop._decrement_in_progress


@pytest.fixture()
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    counting = CountingLoop()
    yield counting
    counting.close()


def callbacks(future: asyncio.Future[object]) -> int:
    return len(future._callbacks or [])  # type: ignore[attr-defined]


def copy_of_webloop() -> type:
    """A WebLoop subclass with its own copy of create_future, so the real one stays as is."""
    return type("Loop", (WebLoop,), {"create_future": WebLoop.create_future})


def test_pyodide_counts_every_future_with_a_done_callback(loop: asyncio.AbstractEventLoop) -> None:
    future = copy_of_webloop().create_future(loop)
    assert callbacks(future) == 1  # one more turn of the loop when it completes


def test_lightened_futures_carry_no_callback_and_still_work(
    loop: asyncio.AbstractEventLoop,
) -> None:
    lightened = copy_of_webloop()
    assert lighten_futures(lightened, PyodideFuture)
    future = lightened.create_future(loop)
    assert isinstance(future, PyodideFuture)
    assert callbacks(future) == 0
    future.set_result(7)
    assert future.done() and future.result() == 7
    assert lighten_futures(lightened, PyodideFuture)  # a second call changes nothing


def test_another_loop_is_left_alone() -> None:
    class OtherLoop:
        def create_future(self) -> None:
            return None

    assert not lighten_futures(OtherLoop, PyodideFuture)  # no in-progress count to skip
    assert OtherLoop.__dict__["create_future"].__name__ == "create_future"
    assert not lighten_futures(type("Sub", (WebLoop,), {}), PyodideFuture)  # not its own
