"""Real servers for the tests and the benchmark: `wrangler dev` on workerd, on a free port.

    server = start_wrangler_dev({"API_KEY": "..."}, state_dir)
    server.url, server.log(), server.wait_for_log("text"), server.workerd_pid(), server.stop()
    server.worker_url  # the Worker's workerd itself, without wrangler's dev proxy in front

Each server runs the real workerd with the local Pyodide dev bundle (scripts/wrangler_dev.py),
its own throw-away state (`--persist-to`: local R2 and cache) and the given settings as vars
(never the developer's .dev.vars). `GET /cdn-cgi/local/scheduled?cron=...` runs the cron
handler. `RunningServer(url)` stands for an external server (R2GATE_TEST_URL).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scripts.wrangler_dev import CONFIG, DEV_PROXY_ARG, apply_migrations, command, environment

ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "node_modules" / ".bin"
START_TIMEOUT = 120.0
RUNTIME_FAILED = "The Workers runtime failed to start"
PORT_TAKEN = "Address already in use"
PORT_ATTEMPTS = 3  # wrangler's words when workerd exits
WORKERD = "workerd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    """A `wrangler dev` process (or an external server) and everything it printed."""

    url: str
    process: subprocess.Popen[str] | None = None
    output: list[str] = field(default_factory=list)
    # The Worker's own workerd (Miniflare's entry socket), without wrangler's dev proxy in front:
    # the proxy answers 500 itself where the Worker answers before reading a whole request body.
    worker_url: str | None = None
    state_dir: Path | None = None  # `--persist-to`: the local R2 bucket, cache, ...

    def log(self) -> str:
        return "".join(self.output)

    def wait_for_log(self, text: str, timeout: float = 10.0) -> str:
        """The log once it contains `text` (output arrives through a pipe, a little late)."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared in the log:\n{self.log()}")
            time.sleep(0.05)
        return self.log()

    def workerd_pid(self) -> int:
        """The workerd process that runs the Worker (wrangler also runs a second workerd, its
        dev proxy, which owns the public port)."""
        if self.process is None or self.worker_url is None:
            raise RuntimeError("an external server has no local workerd")
        entry = "--socket-addr=entry=" + self.worker_url.removeprefix("http://")
        for pid in descendants(self.process.pid):
            arguments = process_arguments(pid)
            if arguments and Path(arguments[0]).name == WORKERD and entry in arguments:
                return pid
        raise RuntimeError(f"no workerd runs the Worker under wrangler (pid {self.process.pid})")

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM to wrangler and its workerd processes; returns wrangler's exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise
        finally:
            with contextlib.suppress(ProcessLookupError):  # children that outlive wrangler
                os.killpg(self.process.pid, signal.SIGKILL)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def process_arguments(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def start_wrangler_dev(
    variables: Mapping[str, str],
    state_dir: Path,
    *,
    config: Path = CONFIG,
    extra_args: tuple[str, ...] = (),
    counting: bool = False,
    workerd_args: tuple[str, ...] = (),
    dev_proxy: bool = True,
) -> RunningServer:
    """Start `wrangler dev` for `config` with these vars and state; return once the Worker
    has answered `GET /` (the first request loads Pyodide). `counting`: on the Pyodide bundle
    that counts crossings (scripts/pyodide_bundle.py COUNTING), for measurements only.
    `workerd_args`: options added to workerd's own command line (scripts/workerd-local-bundle).
    `dev_proxy`: tell the Worker it runs behind wrangler dev's proxy, as `make dev` does (it
    then drains unread request bodies after answering); False runs it as in production."""
    if any(" " in arg for arg in workerd_args):
        raise ValueError("a workerd option with a space cannot pass through R2GATE_WORKERD_ARGS")
    state_dir.mkdir(parents=True, exist_ok=True)
    apply_migrations(config, state_dir)
    no_dev_vars = state_dir / "empty.env"  # an env file replaces .dev.vars
    no_dev_vars.touch()
    for attempt in range(PORT_ATTEMPTS):
        try:
            return _start(
                variables, state_dir, config, extra_args, counting, workerd_args, dev_proxy
            )
        except RuntimeError as error:
            # free_port() hands out a port another process may take before wrangler binds it
            if PORT_TAKEN not in str(error) or attempt == PORT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _start(
    variables: Mapping[str, str],
    state_dir: Path,
    config: Path,
    extra_args: tuple[str, ...],
    counting: bool,
    workerd_args: tuple[str, ...],
    dev_proxy: bool,
) -> RunningServer:
    no_dev_vars = state_dir / "empty.env"
    port, worker_port = free_port(), free_port()
    args = [
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--inspector-port={free_port()}",
        f"--persist-to={state_dir}",
        f"--env-file={no_dev_vars}",
        "--show-interactive-dev-session=false",
        *extra_args,
        *([DEV_PROXY_ARG] if dev_proxy else []),
    ]
    for name, value in variables.items():
        args.append(f"--var={name}:{value}")
    process = subprocess.Popen(
        command(config, local=True, args=args, counting=counting),
        cwd=config.parent,
        env={
            **environment(local=True, counting=counting),
            "R2GATE_WORKER_PORT": str(worker_port),
            "R2GATE_WORKERD_ARGS": " ".join(workerd_args),
        },
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() ends workerd too
    )
    server = RunningServer(
        url=f"http://127.0.0.1:{port}",
        process=process,
        worker_url=f"http://127.0.0.1:{worker_port}",
        state_dir=state_dir,
    )
    return watch(server)


def watch(server: RunningServer) -> RunningServer:
    """Collect the output of the server's process; return once `GET /` answers 200 (stop it
    and raise if it fails or takes over START_TIMEOUT)."""
    process = server.process
    assert process is not None and process.stdout is not None
    stdout = process.stdout

    def reader() -> None:
        for line in stdout:
            server.output.append(line)

    threading.Thread(target=reader, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while (status := first_answer(server.url)) != 200:
        failed = status is not None or RUNTIME_FAILED in server.log()
        if failed or process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"wrangler dev did not start (GET / gave {status}):\n{server.log()}")
        time.sleep(0.2)
    return server


def first_answer(url: str) -> int | None:
    """The status of `GET /`, or None while nothing answers yet."""
    try:
        with urllib.request.urlopen(url + "/", timeout=60) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None
