"""The client is its own distribution: the Worker's bundle carries none of it, and it imports
nothing of the Worker's package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support.dry_run import dry_run
from tests.support.server import ROOT

CLIENT = ROOT / "clients" / "python" / "src" / "r2gate_client"


def test_the_worker_bundle_has_no_client_module() -> None:
    bundle = dry_run()
    bundled = {path for path in bundle.modules if path.endswith(".py")}
    assert {"entry.py", "handlers/routes.py", "r2gate/auth.py", "r2gate/tokens/mint.py"} <= bundled
    assert not [p for p in bundled if "client" in p or p == "r2gate/cli.py"], sorted(bundled)
    for path in bundled:
        text = (bundle.outdir / path).read_text(errors="replace")
        assert "import r2gate_client" not in text and "from r2gate_client" not in text, path


def test_the_client_imports_only_the_standard_library_and_itself() -> None:
    for path in CLIENT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                # pyodide: the runtime's own module under Pyodide (its JsException), not a package
                allowed = top in sys.stdlib_module_names or top in ("r2gate_client", "pyodide")
                assert allowed, (path, name)


def test_the_client_runs_without_the_worker_package(tmp_path: Path) -> None:
    code = "import r2gate_client, r2gate_client.cli, sys; assert 'r2gate' not in sys.modules"
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(CLIENT.parent)!r}); {code}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
