"""One change to Pyodide's event loop: futures without its in-progress count.

Pyodide's WebLoop gives every future it creates a done-callback that counts the futures in
progress, for an idle handler that only Pyodide's Node console sets; workerd never reads the
count. Each such callback is one more turn of the loop when the future completes, and every
await of a JS promise (each R2 call, each body read) creates a future: on workerd an await
costs 225 µs of CPU with the callback and 162 µs without (bench/probe phases
await_js_promise and await_js_promise_lean). Tasks keep their count.
"""

from __future__ import annotations

from typing import Any

__all__ = ["lighten_futures"]


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
