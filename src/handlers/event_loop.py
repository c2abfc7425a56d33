"""Two changes to Pyodide's event loop (WebLoop), each measured on workerd.

1. Futures without the in-progress count. Pyodide's WebLoop gives every future it creates a
   done-callback that counts the futures in progress, for an idle handler that only Pyodide's
   Node console sets; workerd never reads the count. Each such callback is one more turn of the
   loop when the future completes, and every await of a JS promise (each R2 call, each body
   read) creates a future: on workerd an await costs 225 µs of CPU with the callback and 162 µs
   without (bench/probe phases await_js_promise and await_js_promise_lean). Tasks keep theirs.

2. `call_soon` without a new JS function per callback. WebLoop schedules every ready callback
   (a task's first step, each wake-up after an await, each done-callback) as a JS timer of its
   own, through a new once-callable made able to switch stacks (JSPI), which runs the callback
   on a Python thread state of its own. Here ready callbacks wait in a queue, in order, and one
   persistent JS function runs the queue empty from a microtask: the callbacks run in the same
   turn of the JS event loop, on the main thread state, and no JS function is made per
   callback. A microtask, not a timer: the queue serves every request of the isolate, and a
   microtask runs before the isolate returns to its event loop, so no callback waits on a
   timer set by another request, which could be cancelled with that request.
   A turn of the loop costs 125 µs of CPU as Pyodide does it and 40 µs this way, an await of
   a JS promise 156 and 95 µs (bench/probe phases asyncio_sleep0_pyodide and asyncio_sleep0,
   await_js_promise_pyodide and await_js_promise); a request took four or five turns.
   The cost: `pyodide.ffi.run_sync` cannot suspend a callback run from the queue (r2gate never
   calls it), and a task that polls with `asyncio.sleep(0)` would keep the JS loop from I/O
   (r2gate has none: every wait is on a JS promise).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["ReadyQueue", "lighten_call_soon", "lighten_futures"]


def lighten_futures(loop_class: Any = None, future_class: Any = None) -> bool:
    """Make `loop_class.create_future` (Pyodide's WebLoop) return a plain PyodideFuture.
    Only when the loop is the one this was measured on (it has `_decrement_in_progress`
    and `create_future` is its own): otherwise nothing changes. True when applied."""
    if loop_class is None or future_class is None:
        from pyodide.webloop import PyodideFuture, WebLoop

        loop_class, future_class = WebLoop, PyodideFuture
    original = loop_class.__dict__.get("create_future")
    if original is None or not hasattr(loop_class, "_decrement_in_progress"):
        return False
    if getattr(original, "lightened", False):
        return True

    def create_future(self: Any) -> Any:
        return future_class(loop=self)

    create_future.lightened = True  # type: ignore[attr-defined]
    create_future.__doc__ = "A future of this loop, not counted as in progress (r2gate)."
    loop_class.create_future = create_future
    return True


# What Pyodide's WebLoop does before it runs a handle: 314.0.6 (the local dev bundle) claims
# the running loop on the thread state and installs the async generator hooks there; 314.0.4
# (production's) set the running loop when the loop was made and installs only the hooks (on
# the first handle: without them no async generator would ever be closed by the loop).
_INSTALLERS = ("_install_running_loop", "_install_asyncgen_hooks")


class ReadyQueue:
    """Ready callbacks of one loop, run in order by one scheduled call of `run`.

    `schedule(run)` arranges for `run` to be called once, soon (on workerd: a microtask). `run`
    runs callbacks until none is left, those queued meanwhile included (a task's wake-up
    queues its next step's callbacks, a finished task its done-callbacks): one call into
    Python per JS turn, not one per callback."""

    def __init__(self, schedule: Callable[[Callable[[], None]], None]) -> None:
        self._schedule = schedule
        self._handles: deque[asyncio.Handle] = deque()
        self._scheduled = False
        self._loop: Any = None

    def add(self, loop: Any, handle: asyncio.Handle) -> None:
        self._handles.append(handle)
        self._loop = loop
        if not self._scheduled:
            self._scheduled = True
            self._schedule(self.run)

    def run(self) -> None:
        """Run the queue empty. A callback's exception goes to the loop's exception handler
        (as asyncio.Handle does it); SystemExit and KeyboardInterrupt propagate, after what
        is left is scheduled again."""
        for name in _INSTALLERS:  # what this WebLoop's own handles do before they run
            install = getattr(self._loop, name, None)
            if install is not None:
                install()
        handles = self._handles
        try:
            while handles:
                handle = handles.popleft()
                if not handle.cancelled():
                    handle._run()
        finally:
            self._scheduled = False
            if handles:
                self._scheduled = True
                self._schedule(self.run)


def lighten_call_soon(loop_class: Any = None, schedule: Any = None) -> bool:
    """Make `loop_class.call_soon` (Pyodide's WebLoop) queue its callbacks in a ReadyQueue run
    by `schedule` (by default: one persistent JS function, queued as a microtask). Only when
    `call_soon` is the loop's own method: otherwise nothing changes. True when applied."""
    if loop_class is None:
        from pyodide.webloop import WebLoop

        loop_class = WebLoop
    original = loop_class.__dict__.get("call_soon")
    if original is None:
        return False
    if getattr(original, "lightened", False):
        return True
    ready = ReadyQueue(schedule or _microtasks())

    def call_soon(
        self: Any, callback: Callable[..., Any], *args: Any, context: Any = None
    ) -> asyncio.Handle:
        handle = asyncio.Handle(callback, args, self, context=context)
        ready.add(self, handle)
        return handle

    call_soon.lightened = True  # type: ignore[attr-defined]
    call_soon.replaced = original  # type: ignore[attr-defined] # bench/probe measures both
    call_soon.__doc__ = "Run the callback soon: queued, run from one microtask (r2gate)."
    loop_class.call_soon = call_soon
    return True


def _microtasks() -> Callable[[Callable[[], None]], None]:
    """A `schedule` for one ReadyQueue: queueMicrotask(run) through one JS function made for
    its `run` on first use, never at import: a JS object made while the module is imported
    would be in the deployment's memory snapshot, which cannot hold one
    (handlers/js_functions.py)."""
    made: list[Any] = []  # [queueMicrotask, the JS function that calls run]

    def schedule(run: Callable[[], None]) -> None:
        if not made:
            import js
            from pyodide.ffi import create_proxy

            made.extend((js.queueMicrotask, create_proxy(run)))
        made[0](made[1])

    return schedule
