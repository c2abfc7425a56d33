"""Assemble workerd's Pyodide "dev" bundle from npm `pyodide`, so `wrangler dev` runs offline.

workerd reads the bundle of its experimental `python_workers_development` release from the
directory given by `--pyodide-bundle-disk-cache-dir` (scripts/workerd-local-bundle passes it) under
the name `pyodide_dev.capnp.bin`. That release is never downloaded and has no integrity check,
so it can be built here: a Cap'n Proto `jsg::Bundle` (workerd's src/workerd/jsg/modules.capnp)
holding three internal modules,

    pyodideRuntime-internal:pyodide.asm         the npm package's Emscripten glue, adjusted
    pyodideRuntime-internal:pyodide.asm.wasm    the npm package's wasm, unchanged
    pyodideRuntime-internal:python_stdlib.zip   the npm package's stdlib, unchanged

The glue is adjusted as workerd's own build does it (src/pyodide/helpers.bzl, `_python_bundle`):
it takes its platform hooks from workerd's `pyodide-internal:builtin_wrappers` module instead of
globals, never reaches `eval`, and exports `_createPyodideModule` by name too.

Everything this recipe assumes about the binary is checked first (the Pyodide version workerd
expects, the module names it imports, the hooks `builtin_wrappers` exports, the flags), and each
rewrite must match exactly as often as it did when the recipe was written: when wrangler, workerd
or Pyodide is upgraded and the recipe no longer fits, this fails at once and says what changed.
The bundle is rebuilt only when an input (the binary, the npm files, this script) changes.

    python scripts/pyodide_bundle.py     # build if needed, print the bundle's path
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYODIDE_PACKAGE = ROOT / "node_modules" / "pyodide-dev"  # "pyodide-dev": "npm:pyodide@..."
WORKERD_BINARY = ROOT / "node_modules" / "workerd" / "bin" / "workerd"
CACHE_DIR = ROOT / ".wrangler" / "pyodide"
# The counting variant (measurement only, never for `make dev`): see COUNTING below.
COUNTING_CACHE_DIR = ROOT / ".wrangler" / "pyodide-counting"
BUNDLE_NAME = "pyodide_dev.capnp.bin"

# The versions this recipe was written and checked against (tests/local pins them, so an
# upgrade of wrangler or workerd fails there first and asks for the recipe to be re-checked).
WRITTEN_FOR = {"wrangler": "4.164.0", "workerd": "1.20261117.1", "pyodide-dev": "314.0.6"}

# --- What the pinned workerd binary must contain for this recipe to fit --------------------

# The compatibility flag of the dev release, and the flags that turn off the dated releases
# (which would otherwise win, being downloaded from Cloudflare's bundle host).
DEV_RELEASE_FLAG = "python_workers_development"
DATED_RELEASE_OFF_FLAGS = ("no_python_workers_20250116", "no_python_workers_20260610")
# The dev release's entry in the binary's table of Python releases (capnp texts, NUL-terminated
# and padded to words): pyodide "dev" (so the bundle file is pyodide_dev.capnp.bin), revision
# "dev", a baseline snapshot hash, the flag's field name, then the Pyodide version workerd checks
# at startup (`realPyodideVersion`) and an integrity hash.
DEV_RELEASE = re.compile(
    rb"\0dev\0+dev\0+[0-9a-f]{64}\0+pythonWorkersDevPyodide\0+(\d+\.\d+\.\d+)\0+sha256-"
)
VERSION_CHECK = b"Pyodide version mismatch, expected '"
BUNDLE_FILE_PARTS = (b"pyodide_", b".capnp.bin")
# The bundle's modules, as workerd imports them (the binary mentions no other).
GLUE_MODULE = "pyodideRuntime-internal:pyodide.asm"
WASM_MODULE = "pyodideRuntime-internal:pyodide.asm.wasm"
STDLIB_MODULE = "pyodideRuntime-internal:python_stdlib.zip"
BUNDLE_MODULE_PREFIX = b"pyodideRuntime-internal:"
# The hooks module the glue imports from, and everything it exports in the pinned binary.
WRAPPERS_MODULE = "pyodide-internal:builtin_wrappers"
WRAPPERS_EXPORTS = frozenset(
    {
        "addEventListener",
        "finishSetup",
        "getRandomValues",
        "location",
        "monotonicDateNow",
        "newWasmModule",
        "patchedApplyFunc",
        "patchedLoadLibData",
        "patched_PyEM_CountFuncParams",
        "setGetRandomValues",
        "setSetTimeout",
        "wasmInstantiate",
    }
)
# The hooks the adjusted glue uses (`location` and `addEventListener` shadow the globals).
GLUE_IMPORTS = (
    "addEventListener",
    "getRandomValues",
    "location",
    "monotonicDateNow",
    "newWasmModule",
    "patchedLoadLibData",
    "wasmInstantiate",
)

# --- The rewrites of the glue (pyodide.asm.mjs of the pinned npm package) -------------------

NO_EVAL = (
    "(() => { throw new Error('Pyodide tried to eval a string; workerd does not allow that') })()"
)
LOAD_LIB_DATA = (
    # Shared libraries come from workerd's read-only file system, compiled by workerd.
    "function loadLibData(){"
    "var libData=patchedLoadLibData(Module,libName,flags.rpath);"
    "return flags.loadAsync?Promise.resolve(libData):libData}"
    "function emscriptenLoadLibData(){"
)


@dataclass(frozen=True)
class Rewrite:
    """Replace `old` by `new`, which must occur exactly `count` times in the glue."""

    old: str
    new: str
    count: int
    why: str


REWRITES = (
    Rewrite("new WebAssembly.Module(", "newWasmModule(", 4, "wasm compiles go through workerd"),
    Rewrite("WebAssembly.instantiate(", "wasmInstantiate(", 2, "so do wasm instantiations"),
    Rewrite("Date.now", "monotonicDateNow", 22, "file times must always advance"),
    Rewrite("crypto.getRandomValues(", "getRandomValues(Module,", 1, "entropy from workerd"),
    Rewrite("eval(func)", NO_EVAL, 2, "workerd forbids eval"),
    Rewrite("eval(data)", NO_EVAL, 1, "workerd forbids eval"),
    Rewrite("eval(UTF8ToString(ptr))", NO_EVAL, 3, "workerd forbids eval"),
    Rewrite("function loadLibData(){", LOAD_LIB_DATA, 1, "libraries from workerd's file system"),
    Rewrite("getMemory(", "Module.getMemoryPatched(Module,libName,", 1, "stable library bases"),
    Rewrite(
        "export default _createPyodideModule;",
        "export default _createPyodideModule;export{_createPyodideModule};",
        1,
        "workerd imports it by name",
    ),
)
# The counting variant (`make bench`'s crossings table and tests/local/test_crossings.py): every
# function the wasm module imports from JS (the FFI's JsProxy operations, conversions, promise
# plumbing, clocks, syscalls) is wrapped so that each call from Python into JS increments
# `globalThis.__pyodideCrossings.total` and a per-name counter. A Worker reads the counters to
# count the crossings of a request. Counting costs CPU: never measure CPU with this bundle.
COUNTING_PRELUDE = """\
const __pyodideCrossings = { total: 0, byName: Object.create(null) };
globalThis.__pyodideCrossings = __pyodideCrossings;
function __countedImports(imports) {
  const counted = {};
  for (const [name, value] of Object.entries(imports)) {
    if (typeof value !== "function") { counted[name] = value; continue; }
    const slot = { calls: 0 };
    __pyodideCrossings.byName[name] = slot;
    counted[name] = function (...args) {
      __pyodideCrossings.total++;
      slot.calls++;
      return value.apply(this, args);
    };
  }
  return counted;
}
"""
COUNTING = Rewrite(
    "var imports={env:wasmImports,wasi_snapshot_preview1:wasmImports,",
    "var __counted=__countedImports(wasmImports);"
    "var imports={env:__counted,wasi_snapshot_preview1:__counted,",
    1,
    "the counting variant wraps the main module's imports",
)
# Left as they are, but they must still be there: a fatal error reaches workerd's `on_fatal`
# (which aborts the isolate), and no other `eval(` may remain.
MUST_REMAIN = (("API.on_fatal&&API.on_fatal(", 1),)
EVAL_CALL = re.compile(r"(?<![\w.$])eval\(")


class RecipeMismatch(Exception):
    """The pinned workerd or Pyodide no longer fits this recipe; the message says what changed."""


# --- Reading the binary -----------------------------------------------------------------------


def expected_pyodide_version(binary: bytes) -> str:
    """The Pyodide version the binary's dev release requires (its startup check)."""
    if VERSION_CHECK not in binary:
        raise RecipeMismatch(
            f"the workerd binary no longer contains {VERSION_CHECK.decode()!r}: "
            "it checks the Pyodide version differently now"
        )
    found = DEV_RELEASE.findall(binary)
    if len(found) != 1:
        raise RecipeMismatch(
            f"the workerd binary has {len(found)} entries for a dev release named 'dev' with a "
            "Pyodide version (expected 1): its table of Python releases changed"
        )
    return found[0].decode()


def wrappers_exports(binary: bytes) -> set[str]:
    """The names exported by the binary's embedded `builtin_wrappers` module (its JS source)."""
    anchor = b"\0" + WRAPPERS_MODULE.encode() + b"\0"
    if binary.count(anchor) != 1:
        raise RecipeMismatch(f"the workerd binary no longer embeds {WRAPPERS_MODULE} once")
    start = binary.index(anchor) + len(anchor)
    while binary[start] == 0:  # capnp pads every text to a whole word
        start += 1
    source = binary[start : binary.index(b"\0", start)].decode("utf-8")
    names = set()
    for statement in re.findall(r"^export\b.*$", source, re.MULTILINE):
        match = re.match(r"export (?:async )?(?:function\*?|const|let|var|class) (\w+)", statement)
        if match is None:
            raise RecipeMismatch(f"{WRAPPERS_MODULE} has an unexpected export: {statement!r}")
        names.add(match.group(1))
    return names


def check_binary(binary: bytes, pyodide_version: str) -> None:
    """Every fact about the binary this recipe relies on, or RecipeMismatch naming the change."""
    expected = expected_pyodide_version(binary)
    if expected != pyodide_version:
        raise RecipeMismatch(
            f"the workerd binary expects Pyodide {expected} for its dev release, but "
            f"node_modules/pyodide-dev is Pyodide {pyodide_version}: set "
            f'"pyodide-dev": "npm:pyodide@{expected}" in package.json and re-check the rewrites'
        )
    exports = wrappers_exports(binary)
    if exports != WRAPPERS_EXPORTS:
        added = ", ".join(sorted(exports - WRAPPERS_EXPORTS)) or "none"
        missing = ", ".join(sorted(WRAPPERS_EXPORTS - exports)) or "none"
        raise RecipeMismatch(
            f"{WRAPPERS_MODULE} in the workerd binary changed its exports (added: {added}; "
            f"missing: {missing}): compare workerd's src/pyodide/helpers.bzl for this version"
        )
    modules = {
        m.decode() for m in re.findall(rb"pyodideRuntime-internal:[\w.]+(?=['\"\0])", binary)
    }
    if modules != {GLUE_MODULE, WASM_MODULE, STDLIB_MODULE}:
        raise RecipeMismatch(
            "the workerd binary expects other modules in the Pyodide bundle: "
            + ", ".join(sorted(modules))
        )
    for needed in (DEV_RELEASE_FLAG, *DATED_RELEASE_OFF_FLAGS):
        if b"\0" + needed.encode() + b"\0" not in binary:
            raise RecipeMismatch(f"the workerd binary has no compatibility flag {needed}")
    if not all(part in binary for part in BUNDLE_FILE_PARTS):
        raise RecipeMismatch("the workerd binary names its bundle files differently now")


# --- Adjusting the glue -------------------------------------------------------------------------


def adjust_glue(glue: str, pyodide_version: str, *, counting: bool = False) -> str:
    """The npm glue with workerd's hooks, or RecipeMismatch naming the pattern that moved.
    With `counting`, its calls into JS are counted too (COUNTING)."""
    for rewrite in (*REWRITES, COUNTING) if counting else REWRITES:
        found = glue.count(rewrite.old)
        if found != rewrite.count:
            raise RecipeMismatch(
                f"pyodide.asm.mjs of Pyodide {pyodide_version} has {rewrite.old!r} {found} "
                f"times, the recipe expects {rewrite.count} ({rewrite.why})"
            )
        glue = glue.replace(rewrite.old, rewrite.new)
    for text, count in MUST_REMAIN:
        if glue.count(text) != count:
            raise RecipeMismatch(
                f"pyodide.asm.mjs of Pyodide {pyodide_version} has {text!r} "
                f"{glue.count(text)} times, the recipe expects {count}"
            )
    if EVAL_CALL.search(glue):
        raise RecipeMismatch(f"pyodide.asm.mjs of Pyodide {pyodide_version} has another eval(")
    prelude = f"import {{ {', '.join(GLUE_IMPORTS)} }} from '{WRAPPERS_MODULE}';\n"
    return prelude + (COUNTING_PRELUDE if counting else "") + glue


# --- Cap'n Proto encoding of jsg::Bundle ------------------------------------------------------
# Bundle { modules @0 :List(Module) }: no data, 1 pointer.
# Module: 1 data word (type @2 in bits 0-15, the union tag in bits 16-31) and 4 pointers
# (name @0, the union member, tsDeclaration @3, compileCache @7); union tags: src 0, wasm 1, data 2.
# Texts (NUL-terminated) and blobs are byte lists padded to whole words.

INTERNAL_MODULE = 2
UNION_TAG = {"src": 0, "wasm": 1, "data": 2}


def _words(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 8)


def _struct_pointer(offset: int, data_words: int, pointers: int) -> bytes:
    return struct.pack("<iHH", offset << 2, data_words, pointers)


def _list_pointer(offset: int, element_size: int, count: int) -> bytes:
    return struct.pack("<iI", offset << 2 | 1, count << 3 | element_size)


BYTE_ELEMENTS, COMPOSITE_ELEMENTS = 2, 7


def encode_bundle(modules: list[tuple[str, str, bytes]]) -> bytes:
    """A Cap'n Proto message of a Bundle of internal modules given as (name, kind, content)."""
    # Words: 0 the root pointer, 1 the Bundle (its one pointer), 2 the list's tag word, then the
    # Module structs (1 data word + 4 pointers each), then the texts and blobs they point to.
    # A pointer's offset counts words from the end of the pointer to its target.
    element_words = 1 + 4
    first_element = 3
    words = [
        _struct_pointer(0, 0, 1),
        _list_pointer(0, COMPOSITE_ELEMENTS, element_words * len(modules)),
        _struct_pointer(len(modules), 1, 4),  # the tag: element count and each one's size
    ]
    blobs: list[bytes] = []
    position = first_element + element_words * len(modules)
    for index, (name, kind, content) in enumerate(modules):
        pointer_at = first_element + element_words * index + 1  # after the data word
        words.append(struct.pack("<HHI", INTERNAL_MODULE, UNION_TAG[kind], 0))
        for slot, blob in enumerate((name.encode() + b"\0", content)):  # name, union member
            words.append(
                _list_pointer(position - (pointer_at + slot + 1), BYTE_ELEMENTS, len(blob))
            )
            blobs.append(_words(blob))
            position += len(blobs[-1]) // 8
        words += [b"\0" * 8, b"\0" * 8]  # tsDeclaration, compileCache: null
    segment = b"".join(words) + b"".join(blobs)
    return struct.pack("<II", 0, len(segment) // 8) + segment  # one segment, its size in words


# --- Building and caching -----------------------------------------------------------------------


def pyodide_version() -> str:
    package = PYODIDE_PACKAGE / "package.json"
    if not package.exists():
        raise RecipeMismatch("node_modules/pyodide-dev is missing: run `make install`")
    return json.loads(package.read_text())["version"]


def inputs_fingerprint(counting: bool = False) -> str:
    """Changes when the binary, the npm files or this script change."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(b"counting" if counting else b"plain")
    for path in (
        WORKERD_BINARY,
        PYODIDE_PACKAGE / "package.json",
        PYODIDE_PACKAGE / "pyodide.asm.mjs",
        PYODIDE_PACKAGE / "pyodide.asm.wasm",
        PYODIDE_PACKAGE / "python_stdlib.zip",
    ):
        stat = path.resolve().stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def build(counting: bool = False) -> bytes:
    version = pyodide_version()
    check_binary(WORKERD_BINARY.read_bytes(), version)
    source = (PYODIDE_PACKAGE / "pyodide.asm.mjs").read_text("utf-8")
    glue = adjust_glue(source, version, counting=counting)
    return encode_bundle(
        [
            (GLUE_MODULE, "src", glue.encode("utf-8")),
            (WASM_MODULE, "wasm", (PYODIDE_PACKAGE / "pyodide.asm.wasm").read_bytes()),
            (STDLIB_MODULE, "data", (PYODIDE_PACKAGE / "python_stdlib.zip").read_bytes()),
        ]
    )


def ensure_bundle(cache_dir: Path | None = None, *, counting: bool = False) -> Path:
    """The bundle in `cache_dir` (by default CACHE_DIR, or COUNTING_CACHE_DIR for the counting
    variant), built first if it is missing or its inputs changed."""
    if cache_dir is None:
        cache_dir = COUNTING_CACHE_DIR if counting else CACHE_DIR
    bundle = cache_dir / BUNDLE_NAME
    stamp = cache_dir / "inputs.sha256"
    fingerprint = inputs_fingerprint(counting)
    if bundle.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return bundle
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = cache_dir / f".{BUNDLE_NAME}.{os.getpid()}"
    temporary.write_bytes(build(counting))
    temporary.replace(bundle)  # atomic: a workerd starting now sees the old or the new file
    stamp.write_text(fingerprint)
    return bundle


def main() -> None:
    try:
        print(ensure_bundle())
    except RecipeMismatch as error:
        sys.exit(f"pyodide bundle: the local recipe no longer fits: {error}")


if __name__ == "__main__":
    main()
