"""JS functions and objects the request path uses on every request, looked up once per isolate.

`js.Object.fromEntries` is two attribute reads through Pyodide's `js` module, each making a
new proxy (several calls into JS apiece); the functions themselves never change in an
isolate. They are looked up on first use, never at import: the module top level runs when a
deployment's memory snapshot is taken, and a JS object in a module global cannot be saved
("Can't serialize top-level variable": the upload fails; tests/local/test_memory_snapshot.py
checks it, docs/local-runtime.md).
"""

from __future__ import annotations

import functools
from typing import Any

import js

__all__ = [
    "console_error",
    "default_cache",
    "from_entries",
    "json_parse",
    "new_response",
    "one_element",
    "text_message",
]


@functools.cache
def from_entries() -> Any:
    """`Object.fromEntries`: a plain JS object from a Python dict (to_js's dict_converter),
    or from JS Headers."""
    return js.Object.fromEntries


@functools.cache
def new_response() -> Any:
    """`new Response(body, init)`."""
    return js.Response.new


@functools.cache
def default_cache() -> Any:
    """`caches.default`, the Workers Cache API's cache (the same object for every request of
    an isolate, as a JS Worker keeps it in a module constant)."""
    return js.caches.default


@functools.cache
def one_element() -> Any:
    """`[0]`: `map` over it calls a function exactly once (edge_cache._in_background). A plain
    array, no I/O object, so one serves every request."""
    return js.Array.of(0)


@functools.cache
def text_message() -> Any:
    """`{contentType: "text"}`: the options of a Queue send whose body is text (JSON)."""
    return js.JSON.parse('{"contentType":"text"}')


@functools.cache
def json_parse() -> Any:
    """`JSON.parse`: JS values built in one call from JSON text."""
    return js.JSON.parse


@functools.cache
def console_error() -> Any:
    """`console.error`, to bind as a promise's failure handler (the failure is logged by JS,
    the promise never comes back to Python)."""
    return js.console.error
