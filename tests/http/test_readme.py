"""The README's 60-second tour, run as written against the test server: its shell blocks in one
bash (`set -euo pipefail`, curl failing on any 4xx/5xx), then its Python block, in a directory
whose .dev.vars holds the suite's keys, with the server's URL for http://127.0.0.1:8787."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.client import Client
from tests.support.server import ROOT, RunningServer
from tests.support.settings import (
    TEST_API_KEY,
    TEST_S3_KEY_ID,
    TEST_S3_SECRET,
    TEST_SIGNING_SECRETS,
)
from tests.support.target import need

README = ROOT / "README.md"
DEV_URL = "http://127.0.0.1:8787"
BLOCK = re.compile(r"^```(sh|python)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def tour() -> list[tuple[str, str]]:
    """(language, code) of each block in the README's tour section, in order."""
    text = README.read_text()
    start = text.index("## A 60-second tour")
    end = text.index("\n## ", start + 1)
    return BLOCK.findall(text[start:end])


def test_the_tour_has_a_shell_and_a_python_part() -> None:
    languages = [language for language, _ in tour()]
    assert languages.count("sh") >= 3 and languages.count("python") == 1


def test_the_readme_tour_runs_as_written(server: RunningServer, tmp_path: Path) -> None:
    need("S3")
    signing_keys = ",".join(f"{kid}:{secret}" for kid, secret in TEST_SIGNING_SECRETS.items())
    (tmp_path / ".dev.vars").write_text(
        f"API_KEY={TEST_API_KEY}\nSIGNING_KEYS={signing_keys}\n"
        f"S3_ACCESS_KEY_ID={TEST_S3_KEY_ID}\nS3_SECRET_ACCESS_KEY={TEST_S3_SECRET}\n"
    )
    (tmp_path / ".curlrc").write_text("fail-with-body\n")  # a 4xx/5xx fails the script
    env = {"PATH": os.environ["PATH"], "CURL_HOME": str(tmp_path), "HOME": str(tmp_path)}
    blocks = [(language, code.replace(DEV_URL, server.url)) for language, code in tour()]
    shell = "\n".join(code for language, code in blocks if language == "sh")
    ran = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + shell],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert '"content_type":"model/gltf-binary"' in ran.stdout
    assert "cache-control: public, max-age=31536000, immutable" in ran.stdout.lower()
    assert "\n304\n" in ran.stdout
    assert '"content_type":"image/png"' in ran.stdout  # the app's upload with the token

    python = next(code for language, code in blocks if language == "python")
    s3_env = {**env, "S3_ACCESS_KEY_ID": TEST_S3_KEY_ID, "S3_SECRET_ACCESS_KEY": TEST_S3_SECRET}
    done = subprocess.run(
        [sys.executable, "-c", python],
        cwd=tmp_path,
        env=s3_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "X-Amz-Signature=" in done.stdout
    stored = Client(server.url).get("/models/chair-s3.glb")
    assert stored.status == 200 and stored.body == (tmp_path / "chair.glb").read_bytes()


def test_the_readme_tus_example_runs_as_written(server: RunningServer, tmp_path: Path) -> None:
    text = README.read_text()
    start = text.index("## Resumable uploads (tus)")
    section = text[start : text.index("\n## ", start + 1)]
    (python,) = [code for language, code in BLOCK.findall(section) if language == "python"]
    data = os.urandom(6 * 1024 * 1024 + 5)
    (tmp_path / "chair.glb").write_bytes(data)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "API_KEY": TEST_API_KEY}
    done = subprocess.run(
        [sys.executable, "-c", python.replace(DEV_URL, server.url)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    stored = Client(server.url).get("/models/chair-tus.glb")
    assert (stored.status, stored.body) == (200, data)
    assert stored.headers["content-type"] == "model/gltf-binary"
