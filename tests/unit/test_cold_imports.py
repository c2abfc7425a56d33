"""What a cold start imports: the modules the entry module pulls in at import time, followed
through src/ by the import statements at module level (not those inside functions).

The OpenAPI document and the S3 surface are imported on their first request: together they
were a third of the modules a cold start imported (`make bench` shows the cold start CPU)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def _module_file(name: str) -> Path | None:
    base = SRC.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_at_load(name: str, path: Path) -> set[str]:
    """Modules named by the module-level imports of `path` (relative ones resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def cold_start_modules() -> set[str]:
    """Every module of src/ that importing `entry` loads."""
    seen: set[str] = set()
    pending = ["entry"]
    while pending:
        name = pending.pop()
        path = _module_file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        parts = name.split(".")
        pending.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages
        pending.extend(_imported_at_load(name, path))
    return seen


def test_the_cold_start_imports_the_read_path() -> None:
    modules = cold_start_modules()
    assert {"handlers.routes", "handlers.read", "r2gate.read_plan", "r2gate.auth"} <= modules


def test_the_openapi_document_and_the_s3_surface_wait_for_their_first_request() -> None:
    modules = cold_start_modules()
    assert "r2gate.openapi" not in modules
    assert not {m for m in modules if m.startswith("handlers.s3")}
    assert not {m for m in modules if m in ("r2gate.s3.xml", "r2gate.s3.post_policy")}
