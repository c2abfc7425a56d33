"""`wrangler deploy --dry-run --outdir`: what a deploy would upload, built once per test run.

    bundle = dry_run()
    bundle.modules  # the Worker's modules, relative to the outdir ("handlers/routes.py", ...)
    bundle.assets   # the static assets wrangler read ("/api/v1/uploader.js", ...)

Run with WRANGLER_LOG=debug, the only way wrangler lists the asset files it read (one
"/<path>" line each after "Read N files from the assets directory"; directories included).
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import NODE_BIN, ROOT

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class DryRun:
    outdir: Path
    output: str
    modules: frozenset[str]
    assets: frozenset[str]
    ignored_assets: frozenset[str]


@functools.cache
def dry_run() -> DryRun:
    outdir = Path(tempfile.mkdtemp(prefix="r2gate-dry-run-"))
    env = {
        **os.environ,
        "PATH": f"{NODE_BIN}:{os.environ['PATH']}",
        "WRANGLER_SEND_METRICS": "false",
        "WRANGLER_LOG": "debug",
    }
    done = subprocess.run(
        ["wrangler", "deploy", "--dry-run", "--outdir", str(outdir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = ANSI.sub("", done.stdout + done.stderr)
    assert done.returncode == 0, output[-4000:]
    modules = frozenset(
        path.relative_to(outdir).as_posix() for path in outdir.rglob("*") if path.is_file()
    )
    return DryRun(outdir, output, modules, *_assets(output))


def _assets(output: str) -> tuple[frozenset[str], frozenset[str]]:
    """The asset paths listed after wrangler's "Read N files" line, and those it ignores."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "from the assets directory" in line)
    listed = []
    for line in lines[start + 1 :]:
        if not line.startswith("/"):
            break
        listed.append(line.strip())
    ignored = {m.group(1) for m in re.finditer(r"^Ignoring asset: (\S+)$", output, re.MULTILINE)}
    return frozenset(listed), frozenset(f"/{name}" for name in ignored)
