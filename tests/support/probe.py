"""The probe (bench/probe): r2gate behind counters, assembled and started on `wrangler dev`.

wrangler collects a Python Worker's modules from the directory of its entry and does not follow
linked directories, so the probe is assembled in .wrangler/probe/: bench/probe's files, a copy
of src/handlers and src/r2gate, and the vendored SDK (python_modules).
"""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Mapping
from pathlib import Path

from .server import CONFIG, ROOT, RunningServer, start_wrangler_dev

SOURCE = ROOT / "bench" / "probe"
ASSEMBLED = ROOT / ".wrangler" / "probe"


def assemble_probe() -> Path:
    """The probe's wrangler.toml, in a freshly assembled directory."""
    shutil.rmtree(ASSEMBLED, ignore_errors=True)
    ASSEMBLED.mkdir(parents=True)
    for path in SOURCE.iterdir():
        if path.suffix in (".py", ".toml"):
            shutil.copy2(path, ASSEMBLED / path.name)
    for package in ("handlers", "r2gate"):
        shutil.copytree(
            ROOT / "src" / package,
            ASSEMBLED / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    (ASSEMBLED / "python_modules").symlink_to(ROOT / "python_modules")
    return ASSEMBLED / "wrangler.toml"


def start_probe(variables: Mapping[str, str], state_dir: Path, *, counting: bool) -> RunningServer:
    """`wrangler dev` serving the probe with r2gate's own vars (wrangler.toml) and these;
    `counting`: on the Pyodide bundle that counts crossings."""
    settings = {**tomllib.loads(CONFIG.read_text()).get("vars", {}), **variables}
    return start_wrangler_dev(settings, state_dir, config=assemble_probe(), counting=counting)
