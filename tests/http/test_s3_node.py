"""aws-sdk-js v3 (@aws-sdk/client-s3, s3-request-presigner, s3-presigned-post) against the S3
surface: tests/node/s3_clients.test.mjs under node:test, with Node 22 from node_modules."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support.server import ROOT, RunningServer
from tests.support.settings import S3_BUCKET, TEST_S3_KEY_ID, TEST_S3_SECRET

pytestmark = pytest.mark.needs("S3")

SCRIPT = ROOT / "tests" / "node" / "s3_clients.test.mjs"
NODE = ROOT / "node_modules" / ".bin" / "node"


def test_aws_sdk_js(server: RunningServer, prefix: str) -> None:
    env = {
        **os.environ,
        "R2GATE_URL": server.url,
        "R2GATE_S3_BUCKET": S3_BUCKET,
        "R2GATE_S3_ACCESS_KEY_ID": TEST_S3_KEY_ID,
        "R2GATE_S3_SECRET_ACCESS_KEY": TEST_S3_SECRET,
        "R2GATE_S3_PREFIX": prefix,
    }
    run = subprocess.run(
        [str(NODE), "--test", "--test-reporter=spec", str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ℹ pass 7" in run.stdout and "ℹ fail 0" in run.stdout, run.stdout
