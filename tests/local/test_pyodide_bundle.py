"""The local Pyodide bundle recipe (scripts/pyodide_bundle.py) fits the pinned wrangler/workerd,
and says exactly what changed when an upgrade breaks it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scripts import pyodide_bundle as recipe
from scripts.pyodide_bundle import RecipeMismatch

NODE_MODULES = recipe.ROOT / "node_modules"


@pytest.fixture(scope="module")
def binary() -> bytes:
    return recipe.WORKERD_BINARY.read_bytes()


def installed_version(package: str) -> str:
    return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]


@pytest.mark.parametrize("package", sorted(recipe.WRITTEN_FOR))
def test_the_recipe_is_pinned_to_the_installed_versions(package: str) -> None:
    written_for = recipe.WRITTEN_FOR[package]
    installed = installed_version(package)
    assert installed == written_for, (
        f"{package} is {installed}, but scripts/pyodide_bundle.py was written for {written_for}: "
        "re-check the recipe against workerd's src/pyodide/helpers.bzl at the new version "
        "(the fit checks below say what changed), run `make test`, then update WRITTEN_FOR"
    )


def test_the_recipe_fits_the_pinned_binary(binary: bytes) -> None:
    recipe.check_binary(binary, recipe.pyodide_version())
    assert recipe.expected_pyodide_version(binary) == recipe.WRITTEN_FOR["pyodide-dev"]
    assert recipe.wrappers_exports(binary) == recipe.WRAPPERS_EXPORTS


def test_a_new_expected_pyodide_version_is_named(binary: bytes) -> None:
    entry = b"pythonWorkersDevPyodide\x00"
    moved = binary.replace(entry + b"314.0.6", entry + b"314.0.9")
    with pytest.raises(RecipeMismatch, match=r"expects Pyodide 314\.0\.9 .* is Pyodide 314\.0\.6"):
        recipe.check_binary(moved, "314.0.6")


def test_a_changed_builtin_wrappers_export_is_named(binary: bytes) -> None:
    renamed = binary.replace(b"export function wasmInstantiate(", b"export function wasmLoad(")
    with pytest.raises(RecipeMismatch, match="added: wasmLoad; missing: wasmInstantiate"):
        recipe.check_binary(renamed, "314.0.6")


def test_another_bundle_module_is_named(binary: bytes) -> None:
    more = binary.replace(
        b"'pyodideRuntime-internal:pyodide.asm'", b"'pyodideRuntime-internal:extra.so'"
    )
    with pytest.raises(RecipeMismatch, match="pyodideRuntime-internal:extra.so"):
        recipe.check_binary(more, "314.0.6")


def test_a_rewrite_that_no_longer_matches_is_named() -> None:
    glue = (recipe.PYODIDE_PACKAGE / "pyodide.asm.mjs").read_text()
    assert recipe.adjust_glue(glue, "314.0.6").count("Module.getMemoryPatched(") == 1
    with pytest.raises(RecipeMismatch, match=r"'getMemory\(' 0 times, the recipe expects 1"):
        recipe.adjust_glue(glue.replace("getMemory(", "allocateMemory("), "314.0.6")
    with pytest.raises(RecipeMismatch, match="another eval"):
        recipe.adjust_glue(glue + "eval(code)", "314.0.6")


def test_the_bundle_is_rebuilt_only_when_an_input_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pyodide-dev"
    shutil.copytree(recipe.PYODIDE_PACKAGE, package)
    monkeypatch.setattr(recipe, "PYODIDE_PACKAGE", package)
    bundle = recipe.ensure_bundle(tmp_path / "cache")
    assert bundle.name == "pyodide_dev.capnp.bin"
    built = bundle.stat().st_mtime_ns
    assert recipe.ensure_bundle(tmp_path / "cache").stat().st_mtime_ns == built
    with (package / "pyodide.asm.mjs").open("a") as glue:
        glue.write("\n// changed\n")
    rebuilt = recipe.ensure_bundle(tmp_path / "cache")
    assert rebuilt.stat().st_mtime_ns != built
    assert b"// changed" in rebuilt.read_bytes()


def test_the_counting_variant_wraps_the_main_modules_imports_and_nothing_else() -> None:
    glue = (recipe.PYODIDE_PACKAGE / "pyodide.asm.mjs").read_text()
    plain = recipe.adjust_glue(glue, "314.0.6")
    counting = recipe.adjust_glue(glue, "314.0.6", counting=True)
    assert "__pyodideCrossings" not in plain
    assert counting.count("env:__counted,wasi_snapshot_preview1:__counted,") == 1
    assert counting.count("globalThis.__pyodideCrossings = __pyodideCrossings;") == 1
    # Apart from the prelude and the one rewrite, the two glues are the same.
    unwrapped = counting.replace(recipe.COUNTING_PRELUDE, "").replace(
        recipe.COUNTING.new, recipe.COUNTING.old
    )
    assert unwrapped == plain
