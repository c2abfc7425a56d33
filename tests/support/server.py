"""Start the offline runtime as a real server on a free port, or use R2GATE_TEST_URL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "node_modules" / ".bin"
READY_MARK = "offline runtime ready on "
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    """A runtime process and everything it printed (for tests on logs)."""

    url: str
    process: subprocess.Popen[str] | None = None
    output: list[str] = field(default_factory=list)

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

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait: returns the exit code (None for an external server)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def start_runtime(
    config: Path,
    persist_to: Path,
    variables: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> RunningServer:
    """Run `node runtime/main.mjs` and wait for its ready line."""
    port = free_port()
    command = [
        str(NODE_BIN / "node"),
        str(ROOT / "runtime" / "main.mjs"),
        "--config",
        str(config),
        "--port",
        str(port),
        "--persist-to",
        str(persist_to),
        "--python-modules",
        str(ROOT / "python_modules"),
        *extra_args,
    ]
    for name, value in (variables or {}).items():
        command += ["--var", f"{name}:{value}"]
    env = {**os.environ, "PATH": f"{NODE_BIN}:{os.environ['PATH']}"}
    process = subprocess.Popen(
        command,
        cwd=config.parent,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = RunningServer(url=f"http://127.0.0.1:{port}", process=process)
    ready = threading.Event()

    def reader() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.output.append(line)
            if READY_MARK in line:
                ready.set()

    threading.Thread(target=reader, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.wait(0.1):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"runtime did not start:\n{server.log()}")
    return server
