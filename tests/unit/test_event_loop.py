"""handlers.event_loop: futures of Pyodide's WebLoop without the in-progress done-callback, and
its call_soon through one queue."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyodide.webloop import PyodideFuture, WebLoop

from handlers.event_loop import ReadyQueue, lighten_call_soon, lighten_futures


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


# --- call_soon: a queue run by one scheduled call per batch ---------------------------------


class Scheduler:
    """What the JS side would run later: the scheduled calls, in order."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def __call__(self, run: Callable[[], None]) -> None:
        self.pending.append(run)

    def run_next(self) -> None:
        self.pending.pop(0)()


def copy_of_webloop_call_soon() -> type:
    """A WebLoop subclass with its own copy of call_soon, so the real one stays as is."""
    return type("Loop", (WebLoop,), {"call_soon": WebLoop.call_soon})


def test_callbacks_run_in_order_from_one_scheduled_call(loop: asyncio.AbstractEventLoop) -> None:
    scheduler, ran = Scheduler(), []
    lightened = copy_of_webloop_call_soon()
    assert lighten_call_soon(lightened, scheduler)
    for n in range(3):
        lightened.call_soon(loop, ran.append, n)
    assert len(scheduler.pending) == 1 and ran == []  # nothing runs inside call_soon
    scheduler.run_next()
    assert ran == [0, 1, 2] and scheduler.pending == []
    assert lighten_call_soon(lightened, scheduler)  # a second call changes nothing


def test_a_callback_queued_while_running_runs_in_the_same_call(
    loop: asyncio.AbstractEventLoop,
) -> None:
    scheduler, ran = Scheduler(), []
    queue = ReadyQueue(scheduler)

    def first() -> None:
        ran.append("first")
        queue.add(loop, asyncio.Handle(ran.append, ("later",), loop))

    queue.add(loop, asyncio.Handle(first, (), loop))
    queue.add(loop, asyncio.Handle(ran.append, ("second",), loop))
    scheduler.run_next()
    assert ran == ["first", "second", "later"] and scheduler.pending == []
    queue.add(loop, asyncio.Handle(ran.append, ("next",), loop))  # a new call once it is done
    assert len(scheduler.pending) == 1


def test_cancelled_callbacks_are_skipped(loop: asyncio.AbstractEventLoop) -> None:
    scheduler, ran = Scheduler(), []
    queue = ReadyQueue(scheduler)
    skipped = asyncio.Handle(ran.append, ("skipped",), loop)
    queue.add(loop, skipped)
    queue.add(loop, asyncio.Handle(ran.append, ("kept",), loop))
    skipped.cancel()
    scheduler.run_next()
    assert ran == ["kept"]


def test_a_failing_callback_is_reported_and_the_batch_goes_on(
    loop: asyncio.AbstractEventLoop,
) -> None:
    scheduler, ran, reported = Scheduler(), [], []
    loop.set_exception_handler(lambda _loop, context: reported.append(context["exception"]))
    queue = ReadyQueue(scheduler)

    def failing() -> None:
        raise ValueError("boom")

    queue.add(loop, asyncio.Handle(failing, (), loop))
    queue.add(loop, asyncio.Handle(ran.append, ("after",), loop))
    scheduler.run_next()
    assert ran == ["after"] and [type(e) for e in reported] == [ValueError]


def test_system_exit_propagates_and_the_rest_is_scheduled_again(
    loop: asyncio.AbstractEventLoop,
) -> None:
    scheduler, ran = Scheduler(), []
    queue = ReadyQueue(scheduler)

    def leaving() -> None:
        raise SystemExit(3)

    queue.add(loop, asyncio.Handle(leaving, (), loop))
    queue.add(loop, asyncio.Handle(ran.append, ("rest",), loop))
    with pytest.raises(SystemExit):
        scheduler.run_next()
    assert ran == [] and len(scheduler.pending) == 1  # nothing lost
    scheduler.run_next()
    assert ran == ["rest"]


def test_a_task_runs_to_completion_through_the_queue(loop: asyncio.AbstractEventLoop) -> None:
    """A real task and future on a loop whose call_soon is the lightened one."""
    scheduler = Scheduler()
    lightened_loop_class = type("QueueLoop", (CountingLoop,), {"call_soon": CountingLoop.call_soon})
    assert lighten_call_soon(lightened_loop_class, scheduler)
    queue_loop = lightened_loop_class()
    try:
        waited: asyncio.Future[int] = queue_loop.create_future()

        async def work() -> int:
            return await waited + 1

        task = queue_loop.create_task(work())
        while scheduler.pending:
            scheduler.run_next()
        assert not task.done()  # waiting on the future
        waited.set_result(41)
        while scheduler.pending:
            scheduler.run_next()
        assert task.result() == 42
    finally:
        queue_loop.close()


def test_a_loop_without_its_own_call_soon_is_left_alone() -> None:
    assert not lighten_call_soon(type("Sub", (WebLoop,), {}), Scheduler())


def test_the_worker_applies_both_changes_when_it_is_imported() -> None:
    """A regression guard: src/entry.py calls both at its top level, as the probe and `make
    bench` measured them (docs/performance.md), so every isolate runs with them."""
    entry = Path(__file__).resolve().parents[2] / "src" / "entry.py"
    called = {
        node.value.func.id
        for node in ast.parse(entry.read_text()).body
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
    }
    assert {"lighten_futures", "lighten_call_soon"} <= called


class HooksOnlyLoop(CountingLoop):
    """Pyodide 314.0.4's WebLoop (production's): the running loop is set once when the loop is
    made; its handles install only the async generator hooks."""

    def __init__(self) -> None:
        super().__init__()
        self.installed: list[str] = []

    def _install_asyncgen_hooks(self) -> None:
        self.installed.append("asyncgen hooks")


class InstallingLoop(HooksOnlyLoop):
    """Pyodide 314.0.6's WebLoop (the local dev bundle): its handles also claim the running
    loop on the thread state, on every run."""

    def _install_running_loop(self) -> None:
        self.installed.append("running loop")


@pytest.mark.parametrize(
    ("loop_class", "expected"),
    [
        (InstallingLoop, ["running loop", "asyncgen hooks"]),
        (HooksOnlyLoop, ["asyncgen hooks"]),
    ],
)
def test_each_run_installs_what_the_loops_own_handles_install(
    loop_class: type, expected: list[str]
) -> None:
    """Whatever the Pyodide version, a run of the queue prepares the thread state as that
    version's own handles do: without the async generator hooks, an async generator left
    unfinished (a multipart answer's later batches) would never be closed by the loop."""
    scheduler, ran = Scheduler(), []
    shaped = loop_class()
    try:
        queue = ReadyQueue(scheduler)
        queue.add(shaped, asyncio.Handle(ran.append, ("ran",), shaped))
        scheduler.run_next()
        assert ran == ["ran"] and shaped.installed == expected
    finally:
        shaped.close()
