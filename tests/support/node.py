"""Node test scripts (tests/node/*.test.mjs) run under node:test with Node 22 from
node_modules, as a real JS client is run against the server."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping

from tests.support.server import ROOT

NODE = ROOT / "node_modules" / ".bin" / "node"


def run_node_tests(script: str, env: Mapping[str, str], passes: int, timeout: float) -> None:
    """Run tests/node/`script` with `env` added to the environment; every one of its
    `passes` tests must pass (node:test's spec reporter counts them)."""
    run = subprocess.run(
        [str(NODE), "--test", "--test-reporter=spec", str(ROOT / "tests" / "node" / script)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"ℹ pass {passes}" in run.stdout and "ℹ fail 0" in run.stdout, run.stdout
