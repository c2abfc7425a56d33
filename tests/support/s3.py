"""boto3 clients for the S3 tests: the real signer, pointed at r2gate's S3 surface."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from tests.support.settings import TEST_S3_KEY_ID, TEST_S3_SCOPED, TEST_S3_SECRET
from tests.support.target import need


def s3_client(
    base_url: str,
    name: str | None = None,
    *,
    region: str = "auto",
    verify: Any = None,
    **config: Any,
) -> BaseClient:
    """A boto3 S3 client with the full-access pair, or the scoped pair `name`, exactly as a
    backend configures one for r2gate: only endpoint_url and the keys differ from AWS."""
    need("S3" if name is None else "S3_CREDENTIALS")
    key_id, secret = TEST_S3_KEY_ID, TEST_S3_SECRET
    if name is not None:
        key_id, secret = TEST_S3_SCOPED[name][0], TEST_S3_SCOPED[name][1]
    return boto3.client(
        "s3",
        endpoint_url=f"{base_url}/api/s3",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        region_name=region,
        verify=verify,
        config=Config(retries={"max_attempts": 1}, **config),
    )


def error_code(error: Exception) -> tuple[int, str]:
    """(HTTP status, S3 error code) of a botocore ClientError."""
    response = error.response  # type: ignore[attr-defined]
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]
