"""`wrangler dev` on the real workerd, with Cloudflare's Pyodide bundle or the local one.

workerd downloads the Pyodide bundle of a dated Python release (the one wrangler.toml selects,
exactly what deploys) from Cloudflare's bundle host at every start. Without that host, the local
mode runs the experimental dev release instead, from the bundle scripts/pyodide_bundle.py
assembles, through the workerd wrapper that points workerd at it. The local-only compatibility
flags go on the command line, never into wrangler.toml.

    python scripts/wrangler_dev.py [--port 8787] [wrangler dev options...]

`make dev` runs this. PYODIDE_BUNDLE=local|cloudflare forces a mode; by default it is
`cloudflare` when the bundle host answers within 3 s, else `local`. wrangler's output is shown
through scripts/dev_output.py (no offline stack trace, credentials redacted, r2gate's block
with the URL and the local keys once it is ready), and the Worker is told it runs behind
wrangler dev's proxy (DEV_PROXY_ARG).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "src"))

from r2gate.unread_bodies import DEV_PROXY_VAR  # noqa: E402
from scripts.dev_output import DevOutput, ready_block  # noqa: E402
from scripts.dev_vars import PATH as DEV_VARS  # noqa: E402
from scripts.dev_vars import read as read_dev_vars  # noqa: E402
from scripts.pyodide_bundle import (  # noqa: E402
    COUNTING_CACHE_DIR,
    DATED_RELEASE_OFF_FLAGS,
    DEV_RELEASE_FLAG,
    RecipeMismatch,
    ensure_bundle,
)

CONFIG = ROOT / "wrangler.toml"
NODE_BIN = ROOT / "node_modules" / ".bin"
WORKERD_WRAPPER = ROOT / "scripts" / "workerd-local-bundle"
BUNDLE_HOST = "pyodide-capnp-bin.edgeworker.net"
# Tells the Worker it runs behind wrangler dev's proxy: it then reads every unread request body
# to its end before answering, so that the proxy passes early answers on (r2gate.unread_bodies).
DEV_PROXY_ARG = f"--var={DEV_PROXY_VAR}:on"
# Flags that select a dated (downloaded, integrity-checked) Python release: off in local mode.
DATED_RELEASE_FLAGS = tuple(flag.removeprefix("no_") for flag in DATED_RELEASE_OFF_FLAGS)


def compatibility_flags(config: Path = CONFIG) -> list[str]:
    return list(tomllib.loads(config.read_text()).get("compatibility_flags", []))


def local_flags(config: Path = CONFIG) -> list[str]:
    """The config's flags with the dev release in place of the dated ones (Python Workers only)."""
    flags = compatibility_flags(config)
    if "python_workers" not in flags:
        return flags
    added = (DEV_RELEASE_FLAG, *DATED_RELEASE_OFF_FLAGS)
    kept = [flag for flag in flags if flag not in DATED_RELEASE_FLAGS and flag not in added]
    return [*kept, DEV_RELEASE_FLAG, *DATED_RELEASE_OFF_FLAGS]


def bundle_host_reachable(timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((BUNDLE_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def environment(local: bool, *, counting: bool = False) -> dict[str, str]:
    """The environment wrangler runs in: Node 22 first on PATH, no metrics, and in local mode
    the workerd wrapper (Miniflare runs MINIFLARE_WORKERD_PATH instead of its workerd), given
    the counting bundle's directory with `counting` (measurements only)."""
    env = {**os.environ, "PATH": f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["WRANGLER_SEND_METRICS"] = "false"
    env.pop("R2GATE_PYODIDE_CACHE_DIR", None)
    if local:
        env["MINIFLARE_WORKERD_PATH"] = str(WORKERD_WRAPPER)
        if counting:
            env["R2GATE_PYODIDE_CACHE_DIR"] = str(COUNTING_CACHE_DIR)
    else:
        env.pop("MINIFLARE_WORKERD_PATH", None)
    return env


def apply_migrations(config: Path = CONFIG, persist_to: Path | None = None) -> None:
    """Apply the D1 migrations of `config`'s databases to their local copies (Miniflare's, under
    `persist_to` or wrangler's default `.wrangler/state`): offline, before `wrangler dev`
    starts. A config without D1 databases needs nothing."""
    databases = tomllib.loads(config.read_text()).get("d1_databases", [])
    for database in databases:
        if not (config.parent / database.get("migrations_dir", "migrations")).is_dir():
            continue
        line = [str(NODE_BIN / "wrangler"), "d1", "migrations", "apply", database["binding"]]
        line += ["--local", "--config", str(config)]
        if persist_to is not None:
            line.append(f"--persist-to={persist_to}")
        done = subprocess.run(
            line, cwd=config.parent, env=environment(local=False), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"D1 migrations of {database['binding']} failed:\n{done.stdout}")


def command(config: Path, *, local: bool, args: list[str], counting: bool = False) -> list[str]:
    """The `wrangler dev` command line; in local mode with the local-only flags (and the
    bundle built first: the counting variant with `counting`)."""
    line = [str(NODE_BIN / "wrangler"), "dev", "--config", str(config), *args]
    if local:
        ensure_bundle(counting=counting)
        for flag in local_flags(config):
            line += ["--compatibility-flag", flag]
    return line


def main() -> None:
    choice = os.environ.get("PYODIDE_BUNDLE", "auto")
    if choice == "auto":
        local = not bundle_host_reachable()
        why = f"{BUNDLE_HOST} {'unreachable' if local else 'reachable'}"
    elif choice in ("local", "cloudflare"):
        local, why = choice == "local", f"PYODIDE_BUNDLE={choice}"
    else:
        sys.exit(f"PYODIDE_BUNDLE must be local or cloudflare (got {choice!r})")
    try:
        line = command(CONFIG, local=local, args=[*sys.argv[1:], DEV_PROXY_ARG])
    except RecipeMismatch as error:
        sys.exit(f"pyodide bundle: the local recipe no longer fits: {error}")
    if local:
        print(
            f"r2gate: wrangler dev with the local Pyodide dev bundle ({why}); "
            f"flags added for this run only: {' '.join(local_flags(CONFIG)[-3:])}",
            flush=True,
        )
    else:
        print(f"r2gate: wrangler dev with Cloudflare's Pyodide bundle ({why})", flush=True)
    os.chdir(ROOT)
    apply_migrations(CONFIG, _persist_to(sys.argv[1:]))
    secrets = _option(sys.argv[1:], "--env-file")  # the file wrangler reads the secrets from
    sys.exit(run_filtered(line, environment(local), Path(secrets) if secrets else DEV_VARS))


def run_filtered(line: list[str], env: dict[str, str], secrets: Path = DEV_VARS) -> int:
    """Run wrangler with its output shown through scripts/dev_output.py; wrangler's exit status.
    Ctrl-C at the terminal reaches wrangler directly (one process group), so this process
    ignores it and shows wrangler's last lines; SIGTERM and SIGHUP are passed on."""
    if sys.stdout.isatty():
        env.setdefault("FORCE_COLOR", "1")  # wrangler writes to a pipe now, not the terminal
    name = ".dev.vars" if secrets == DEV_VARS else str(secrets)
    output = DevOutput(lambda url: ready_block(url, read_dev_vars(secrets), s3_bucket(), name))
    process = subprocess.Popen(line, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda received, _: process.send_signal(received))
    assert process.stdout is not None
    for raw in process.stdout:
        for shown in output.feed(raw.decode("utf-8", "replace").rstrip("\r\n")):
            sys.stdout.buffer.write(shown.encode() + b"\n")
        sys.stdout.flush()
    code = process.wait()
    return 128 - code if code < 0 else code


def s3_bucket(config: Path = CONFIG) -> str | None:
    """The bucket name S3 clients use: wrangler.toml's S3_BUCKET var."""
    value = tomllib.loads(config.read_text()).get("vars", {}).get("S3_BUCKET")
    return value if isinstance(value, str) else None


def _persist_to(args: list[str]) -> Path | None:
    """The `--persist-to` wrangler dev is given, if any."""
    value = _option(args, "--persist-to")
    return Path(value) if value else None


def _option(args: list[str], name: str) -> str | None:
    """The value of wrangler dev's option `name` (`name=value` or `name value`), if given."""
    for index, arg in enumerate(args):
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
        if arg == name and index + 1 < len(args):
            return args[index + 1]
    return None


if __name__ == "__main__":
    main()
