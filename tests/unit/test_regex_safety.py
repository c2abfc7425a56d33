"""No regular expression in the Worker can backtrack badly (tests/support/redos.py).

A Worker's isolate runs one request's CPU at a time: a pattern that backtracks on a crafted
header stalls every other request on it. Every pattern the Worker compiles is checked here:
the module-level patterns of the core (src/r2gate), the patterns the route table compiles
from its routes, and any pattern literal passed to a `re` function anywhere in src/. A
pattern compiled anywhere else (inside a function, from a computed string) would escape the
check, so that is refused too, except where this file checks what it compiles.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from r2gate.routing import _compile
from tests.support.redos import problems

SRC = Path(__file__).resolve().parents[2] / "src"
ROUTES = SRC / "handlers" / "routes.py"
# Functions that compile a pattern from a computed string, and how this file checks it.
COMPILED_IN_FUNCTIONS = {("r2gate/routing.py", "_compile"): "the route table's patterns"}
RE_FUNCTIONS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall"}


def _core_patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    for path in sorted((SRC / "r2gate").rglob("*.py")):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found[f"{name}.{attribute}"] = value
    return found


def _route_patterns() -> list[str]:
    """The literal path patterns of handlers/routes.py's `Route(...)` entries."""
    tree = ast.parse(ROUTES.read_text())
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "Route"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]


def _re_calls() -> list[tuple[str, str, ast.Call]]:
    """(file, enclosing function or "", call) for every `re.<function>(...)` in src/."""
    calls = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text())
        relative = str(path.relative_to(SRC))
        for function in [tree, *[n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]]:
            owner = "" if function is tree else function.name  # type: ignore[union-attr]
            body = function.body if function is tree else [function]
            for statement in body:
                for node in ast.walk(statement):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and getattr(node.func.value, "id", None) == "re"
                        and node.func.attr in RE_FUNCTIONS
                    ):
                        calls.append((relative, owner, node))
    return calls


CORE = _core_patterns()


def test_the_checker_finds_the_shapes_it_is_for() -> None:
    # The cubic pattern r2gate's form parser had, and the textbook ones.
    for bad in (
        rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*",
        r"(a+)+$",
        r"(\w+\s?)*$",
        r"(a|aa)*$",
        r"\s*\s*x",
        r"(.*a){12}",
    ):
        assert problems(bad), bad
    for good in (r"[a-z]+:[ \t]*", r"(?:/(?:[a-z]|%[0-9A-F]{2})*)+", r'"(?:[^"\\]|\\.)*+"'):
        assert problems(good) == [], good


def test_the_core_compiles_its_patterns_where_the_check_sees_them() -> None:
    assert len(CORE) > 50  # every module of src/r2gate was imported and read


@pytest.mark.parametrize("name", sorted(CORE))
def test_no_core_pattern_can_backtrack_badly(name: str) -> None:
    assert problems(CORE[name]) == []


@pytest.mark.parametrize("pattern", _route_patterns())
def test_no_route_pattern_can_backtrack_badly(pattern: str) -> None:
    assert problems(_compile(pattern)) == []


def test_patterns_elsewhere_are_literals_the_check_reads() -> None:
    calls = _re_calls()
    assert calls
    for file, owner, call in calls:
        if owner and call.func.attr == "compile":  # type: ignore[attr-defined]
            assert (file, owner) in COMPILED_IN_FUNCTIONS, f"{file}: {owner} compiles a pattern"
            continue
        if not owner and call.func.attr == "compile":  # type: ignore[attr-defined]
            continue  # module level: read from the imported module above (the core) or below
        first = call.args[0] if call.args else None
        assert isinstance(first, ast.Constant), f"{file}: {owner} passes a computed pattern"
        assert problems(first.value) == [], f"{file}: {owner}"


def test_the_handlers_compile_no_pattern_the_core_does_not_hold() -> None:
    for file, _owner, call in _re_calls():
        if call.func.attr == "compile":  # type: ignore[attr-defined]
            assert file.startswith("r2gate/"), f"{file} compiles a pattern outside the core"
