"""Vendor the pinned workers-runtime-sdk into python_modules/, as `pywrangler sync` would.

`pywrangler sync` needs network beyond the package registries, so `make` installs the same
pinned wheel with pip instead. The pin is read from pyproject.toml's Pyodide-only dependency.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "python_modules"


def pinned_sdk() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        match = re.match(r"\s*workers-runtime-sdk\s*==\s*([\w.]+)", requirement)
        if match:
            return match.group(1)
    raise SystemExit("pyproject.toml pins no workers-runtime-sdk==X in [project].dependencies")


def main() -> None:
    version = pinned_sdk()
    stamp = TARGET / f"workers_runtime_sdk-{version}.dist-info"
    if stamp.is_dir():
        return
    shutil.rmtree(TARGET, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-compile",
        "--target",
        str(TARGET),
        f"workers-runtime-sdk=={version}",
    ]
    subprocess.run(command, check=True)
    print(f"vendored workers-runtime-sdk {version} into python_modules/")


if __name__ == "__main__":
    main()
