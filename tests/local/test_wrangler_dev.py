"""`make dev` runs `wrangler dev`: the local-only flags stay on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

from scripts import wrangler_dev

LOCAL_ONLY = {
    "python_workers_development",
    "no_python_workers_20250116",
    "no_python_workers_20260610",
}


def test_production_runs_python_3_14_and_wrangler_toml_has_no_local_only_flag() -> None:
    flags = tomllib.loads(wrangler_dev.CONFIG.read_text())["compatibility_flags"]
    assert "python_workers_20260610" in flags  # Pyodide 314.0.4, CPython 3.14.2
    assert not LOCAL_ONLY & set(flags)


def test_local_mode_swaps_the_dated_release_for_the_dev_release() -> None:
    flags = wrangler_dev.local_flags()
    assert "python_workers" in flags and set(flags) >= LOCAL_ONLY
    assert "python_workers_20260610" not in flags


def test_make_dev_says_which_bundle_it_runs_and_wrangler_accepts_the_flags() -> None:
    done = subprocess.run(
        [sys.executable, str(wrangler_dev.ROOT / "scripts" / "wrangler_dev.py"), "--help"],
        env={**os.environ, "PYODIDE_BUNDLE": "local"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("r2gate: wrangler dev with the local Pyodide dev bundle")
    assert "python_workers_development" in first
    assert "--compatibility-flags" in done.stdout  # wrangler dev's own help followed
