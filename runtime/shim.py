"""Python side of the offline runtime: workerd's calling contract for entrypoint methods.

Mirrors workerd's introspection module: entrypoint classes are collected as workerd does, and
every handler call converts its arguments with `python_from_rpc`, calls the method (relaxed
for fetch, so surplus arguments are dropped), awaits an awaitable result and converts it with
`python_to_rpc`.
"""

import inspect

from pyodide.code import relaxed_call
from pyodide.ffi import to_js
from workers import WorkerEntrypoint, python_from_rpc, python_to_rpc


def entrypoint_classes(module):
    """Names of the WorkerEntrypoint subclasses the module exports (honours __all__)."""
    if hasattr(module, "__all__"):
        names = list(module.__all__)
    else:
        names = [name for name in dir(module) if not name.startswith("_")]

    def is_entrypoint(name):
        value = getattr(module, name)
        return (
            inspect.isclass(value)
            and issubclass(value, WorkerEntrypoint)
            and value is not WorkerEntrypoint
        )

    return to_js([name for name in names if is_entrypoint(name)])


async def invoke(instance, name, js_args, relaxed):
    """Call `instance.<name>` the way workerd's Python entrypoint wrapper does."""
    method = getattr(instance, name, None)
    if method is None:
        raise TypeError(f"Method {name} does not exist")
    args = [python_from_rpc(arg) for arg in js_args]
    result = relaxed_call(method, *args) if relaxed else method(*args)
    if inspect.isawaitable(result):
        result = await result
    return python_to_rpc(result)
