"""aws-sdk-js v3 (@aws-sdk/client-s3, s3-request-presigner, s3-presigned-post) against the S3
surface: tests/node/s3_clients.test.mjs under node:test, with Node 22 from node_modules."""

from __future__ import annotations

import pytest

from tests.support.node import run_node_tests
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET, TEST_S3_KEY_ID, TEST_S3_SECRET

pytestmark = pytest.mark.needs("S3")


def test_aws_sdk_js(server: RunningServer, prefix: str) -> None:
    env = {
        "R2GATE_URL": server.url,
        "R2GATE_S3_BUCKET": S3_BUCKET,
        "R2GATE_S3_ACCESS_KEY_ID": TEST_S3_KEY_ID,
        "R2GATE_S3_SECRET_ACCESS_KEY": TEST_S3_SECRET,
        "R2GATE_S3_PREFIX": prefix,
    }
    run_node_tests("s3_clients.test.mjs", env, passes=7, timeout=180)
