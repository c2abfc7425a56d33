"""The `r2gate` command: results, --json output, exit codes, progress, Ctrl-C and resume."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from r2gate_client import cli

from tests.support.data import write_file
from tests.support.pyclient import API_KEY, MAX_PUT_BYTES, READER_KEY
from tests.support.server import ROOT, RunningServer, free_port


class Run:
    """One in-process run of `main`: exit code, stdout, stderr."""

    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture()
def env(server: RunningServer, tmp_path: Path) -> dict[str, str]:
    return {
        "R2GATE_URL": server.url,
        "R2GATE_API_KEY": API_KEY,
        "R2GATE_STATE_DIR": str(tmp_path / "state"),
    }


@pytest.fixture()
def r2gate(env: dict[str, str]):
    def run(*argv: str, environ: dict[str, str] | None = None) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(
            list(argv), environ=env if environ is None else environ, stdout=out, stderr=err
        )
        return Run(code, out.getvalue(), err.getvalue())

    return run


def test_upload_stat_ls_download_rm(r2gate, prefix: str, tmp_path: Path) -> None:
    data = write_file(tmp_path / "chair.glb", 50_000)
    up = r2gate("--json", "upload", str(tmp_path / "chair.glb"), f"{prefix}models/chair.glb")
    assert up.code == 0, up.stderr
    assert up.json()["key"] == f"{prefix}models/chair.glb" and up.json()["size"] == 50_000

    stat = r2gate("stat", f"{prefix}models/chair.glb", "--json")
    assert stat.code == 0
    assert stat.json()["etag"] == up.json()["etag"]
    assert stat.json()["content_type"] == "model/gltf-binary"

    listing = r2gate("--json", "ls", prefix)
    assert listing.code == 0 and listing.json() == {"objects": [], "prefixes": [f"{prefix}models/"]}
    recursive = r2gate("ls", "-r", prefix)
    assert recursive.code == 0 and f"{prefix}models/chair.glb" in recursive.stdout
    assert "50000" in recursive.stdout

    down = r2gate("download", f"{prefix}models/chair.glb", str(tmp_path / "back.glb"))
    assert down.code == 0 and "downloaded" in down.stdout
    assert (tmp_path / "back.glb").read_bytes() == data

    rm = r2gate("--json", "rm", f"{prefix}models/chair.glb")
    assert rm.code == 0 and rm.json() == {"deleted": True, "key": f"{prefix}models/chair.glb"}
    gone = r2gate("--json", "stat", f"{prefix}models/chair.glb")
    assert gone.code == cli.EXIT_NOT_FOUND == 2
    assert gone.json()["error"]["code"] == "not_found" and gone.json()["exit_code"] == 2


def test_human_errors_go_to_stderr(r2gate, prefix: str) -> None:
    run = r2gate("stat", f"{prefix}missing")
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.startswith("r2gate: 404 not_found")


def test_auth_errors_exit_3(r2gate, env: dict[str, str], prefix: str, tmp_path: Path) -> None:
    write_file(tmp_path / "f", 10)
    wrong = r2gate("upload", str(tmp_path / "f"), f"{prefix}f", "--api-key", "nope-" + "n" * 20)
    assert wrong.code == cli.EXIT_AUTH == 3 and "auth_invalid" in wrong.stderr
    scoped = r2gate(
        "upload", str(tmp_path / "f"), f"{prefix}f", environ={**env, "R2GATE_API_KEY": READER_KEY}
    )
    assert scoped.code == 3 and "key_scope" in scoped.stderr


def test_too_large_exits_5(
    r2gate, env: dict[str, str], server: RunningServer, prefix: str, tmp_path: Path
) -> None:
    write_file(tmp_path / "big", MAX_PUT_BYTES + 1)
    # Straight to the Worker: wrangler's dev proxy turns its early 413 into a 500 of its own.
    direct = {**env, "R2GATE_URL": str(server.worker_url)}
    args = ("--json", "upload", "--threshold", "100MiB", str(tmp_path / "big"), f"{prefix}big")
    run = r2gate(*args, environ=direct)
    assert run.code == cli.EXIT_TOO_LARGE == 5 and run.json()["error"]["status"] == 413


def test_network_errors_exit_6(r2gate, env: dict[str, str]) -> None:
    closed = {**env, "R2GATE_URL": f"http://127.0.0.1:{free_port()}"}
    run = r2gate("--retries", "0", "--json", "stat", "a", environ=closed)
    assert run.code == cli.EXIT_TRANSPORT == 6
    assert run.json()["error"]["code"] == "transport_error"


def test_usage_errors_exit_1(r2gate, env: dict[str, str], tmp_path: Path) -> None:
    assert r2gate("upload").code == cli.EXIT_USAGE == 1
    no_url = r2gate("stat", "a", environ={"R2GATE_API_KEY": API_KEY})
    assert no_url.code == 1 and "R2GATE_URL" in no_url.stderr
    both = r2gate("stat", "a", "--api-key", "a" * 20, "--token", "t.o.k")
    assert both.code == 1
    missing_file = r2gate("upload", str(tmp_path / "nope"), "k")
    assert missing_file.code == 1 and "nope" in missing_file.stderr
    assert r2gate("--json", "stat", "a//b").json()["error"]["code"] == "invalid_key"


def test_token_then_upload_with_it(
    r2gate, env: dict[str, str], prefix: str, tmp_path: Path
) -> None:
    minted = r2gate("--json", "token", f"{prefix}photo.png", "--max-bytes", "1k")
    assert minted.code == 0, minted.stderr
    data = minted.json()
    assert data["key"] == f"{prefix}photo.png" and data["max_bytes"] == 1024
    assert data["headers"] == {"Content-Type": "image/png"}  # inferred from the key
    plain = r2gate("token", f"{prefix}other.png")
    assert plain.stdout.strip().startswith(env["R2GATE_URL"] + f"/{prefix}other.png?token=")

    write_file(tmp_path / "photo.png", 500)
    with_token = {"R2GATE_URL": env["R2GATE_URL"], "R2GATE_TOKEN": data["token"]}
    assert r2gate("upload", str(tmp_path / "photo.png"), data["key"], environ=with_token).code == 0
    again = r2gate("upload", str(tmp_path / "photo.png"), data["key"], environ=with_token)
    assert again.code == cli.EXIT_CONFLICT == 4 and "already_exists" in again.stderr


def test_progress_bar_only_when_asked_or_on_a_tty(r2gate, prefix: str, tmp_path: Path) -> None:
    write_file(tmp_path / "f", 300_000)
    quiet = r2gate("upload", str(tmp_path / "f"), f"{prefix}f")
    assert quiet.stderr == ""  # StringIO is not a terminal
    shown = r2gate("--progress", "download", f"{prefix}f", str(tmp_path / "g"))
    assert "100.0%" in shown.stderr and "MB/s" in shown.stderr


def test_ctrl_c_saves_the_state_and_the_same_command_resumes(
    r2gate, monkeypatch: pytest.MonkeyPatch, prefix: str, tmp_path: Path
) -> None:
    data = write_file(tmp_path / "big.bin", 12 * 1024 * 1024)
    argv = (
        "--json",
        "upload",
        "--threshold",
        "5MiB",
        "--part-size",
        "5MiB",
        "--concurrency",
        "1",
        str(tmp_path / "big.bin"),
        f"{prefix}big.bin",
    )
    real_build = cli.build_client

    def interrupting(*args: Any) -> Any:
        client = real_build(*args)

        def ctrl_c(number: int) -> None:
            raise KeyboardInterrupt

        client.on_part = ctrl_c
        return client

    monkeypatch.setattr(cli, "build_client", interrupting)
    stopped = r2gate(*argv[1:])  # without --json: the message a person reads
    assert stopped.code == cli.EXIT_INTERRUPTED == 8
    assert stopped.stderr.startswith("r2gate: interrupted: stopped by Ctrl-C; upload state saved")
    assert stopped.stderr.endswith(": run the same command to resume\n")
    assert len(list((tmp_path / "state").glob("*.json"))) == 1

    monkeypatch.setattr(cli, "build_client", real_build)
    resumed = r2gate(*argv)
    assert resumed.code == 0, resumed.stdout
    assert resumed.json()["resumed"] is True and resumed.json()["parts_sent"] == 2
    assert list((tmp_path / "state").glob("*.json")) == []
    assert r2gate("download", f"{prefix}big.bin", str(tmp_path / "back")).code == 0
    assert (tmp_path / "back").read_bytes() == data


def test_the_module_runs_as_a_program(env: dict[str, str], prefix: str) -> None:
    command = [sys.executable, "-m", "r2gate_client.cli", "--json", "stat", f"{prefix}none"]
    done = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["status"] == 404
    version = subprocess.run(
        [sys.executable, "-m", "r2gate_client.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert version.returncode == 0 and version.stdout.startswith("r2gate ")


def test_folders_keep_the_file_name(r2gate, prefix: str, tmp_path: Path) -> None:
    data = write_file(tmp_path / "scene.splat", 1000)
    up = r2gate("--json", "upload", str(tmp_path / "scene.splat"), f"{prefix}splats/")
    assert up.code == 0 and up.json()["key"] == f"{prefix}splats/scene.splat"
    (tmp_path / "out").mkdir()
    down = r2gate("--json", "download", f"{prefix}splats/scene.splat", str(tmp_path / "out"))
    assert down.code == 0 and down.json()["path"] == str(tmp_path / "out" / "scene.splat")
    assert (tmp_path / "out" / "scene.splat").read_bytes() == data
    listing = r2gate("ls", f"{prefix}splats/")
    assert listing.stdout.split()[0] == "1000" and listing.stdout.split()[-1].endswith(".splat")


def test_a_real_ctrl_c_exits_8_and_the_rerun_resumes(
    env: dict[str, str], prefix: str, tmp_path: Path
) -> None:
    data = write_file(tmp_path / "big.bin", 20 * 1024 * 1024)  # four 5 MiB parts
    command = [
        sys.executable,
        "-m",
        "r2gate_client.cli",
        "--json",
        "upload",
        "--threshold",
        "5MiB",
        "--part-size",
        "5MiB",
        "--concurrency",
        "2",
        str(tmp_path / "big.bin"),
        f"{prefix}big.bin",
    ]
    environ = {**os.environ, **env}
    process = subprocess.Popen(
        command,
        env=environ,
        stdout=subprocess.PIPE,
        text=True,
        # Ctrl-C as at a terminal, also when the suite runs with SIGINT ignored (`make test &`,
        # nohup, CI): an ignored SIGINT is inherited, and Python then installs no handler.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    state_dir = Path(env["R2GATE_STATE_DIR"])
    deadline = time.monotonic() + 60
    while not any(json.loads(p.read_text() or "{}").get("parts") for p in state_dir.glob("*.json")):
        assert process.poll() is None and time.monotonic() < deadline, "no part was stored"
        time.sleep(0.01)  # polling for the first stored part, not timing logic
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 8, stdout
    assert json.loads(stdout)["error"]["code"] == "interrupted"

    again = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["resumed"] is True and 0 < result["parts_sent"] < 4
    assert cli.main(["download", f"{prefix}big.bin", str(tmp_path / "back")], environ=env) == 0
    assert (tmp_path / "back").read_bytes() == data
