"""The settings the HTTP tests' server runs with: API keys, signing keys, cache policy, CORS."""

from __future__ import annotations

import json

TEST_API_KEY = "test-" + "k" * 32
TEST_CACHE_POLICY = (
    '{"default": "public, max-age=3600", "rules": ['
    '{"prefix": "models/", "cache_control": "public, max-age=31536000, immutable"},'
    '{"prefix": "private/", "private": true},'
    '{"prefix": "nostore/", "cache_control": "no-store"}]}'
)
TEST_CORS = (
    '{"origins": ["https://app.example.com", "https://*.example.org", "ar-code://*"],'
    ' "max_age": 600}'
)
# Token signing keys: "old" still verifies, "new" (the last) signs (tests/http/test_tokens*.py).
TEST_SIGNING_SECRETS = {
    "old": "old-signing-secret-" + "o" * 32,
    "new": "new-signing-secret-" + "n" * 32,
}
TEST_SIGNING_KEYS = json.dumps(TEST_SIGNING_SECRETS)
# Scoped API keys (name -> (secret, ops, prefixes)), used by tests/http/test_tokens*/test_api*.
TEST_SCOPED_KEYS = {
    "tenant42": (
        "tenant42-" + "t" * 24,
        ["read", "write", "delete", "sign", "list"],
        ["tenant-42/"],
    ),
    "u42": ("u42-key-" + "u" * 24, ["write", "delete", "sign", "list"], ["u/42/"]),
    "twofolders": ("twofolders-" + "w" * 24, ["write", "sign"], ["a/", "b/"]),
    "nosign": ("nosign-key-" + "n" * 24, ["read", "write", "delete", "list"], [""]),
    "private-reader": ("private-reader-" + "r" * 24, ["read", "sign"], ["private/"]),
    "writer": ("writer-key-" + "x" * 24, ["write", "sign"], [""]),
    "dotted": ("dotted.api.key-" + "d" * 24, ["read", "write"], ["dotted/"]),
    "quota42": (
        "quota42-key-" + "q" * 24,
        ["read", "write", "delete", "sign", "list"],
        ["quota-42/"],
    ),
}
# quota_bytes of scoped API keys and S3 pairs (tests/http/test_quotas.py).
TEST_QUOTAS = {"quota42": 1000, "quota42-s3": 1000}
TEST_API_KEYS = json.dumps(
    {
        "keys": [
            {
                "name": name,
                "key": secret,
                "ops": ops,
                "prefixes": prefixes,
                **({"quota_bytes": TEST_QUOTAS[name]} if name in TEST_QUOTAS else {}),
            }
            for name, (secret, ops, prefixes) in TEST_SCOPED_KEYS.items()
        ]
    }
)

# S3 key pairs (tests/http/test_s3*.py): the full-access pair, and scoped ones.
S3_BUCKET = "r2gate-assets"  # wrangler.toml's bucket_name and S3_BUCKET
TEST_S3_KEY_ID = "R2GATETESTFULLKEY001"
TEST_S3_SECRET = "s3-full-secret-" + "f" * 32
TEST_S3_SCOPED = {
    # name: (access key id, secret, ops, prefixes, limits)
    "tenant42-s3": (
        "R2GATETENANT42KEY001",
        "s3-tenant42-secret-" + "t" * 24,
        ["read", "write", "delete", "sign", "list"],
        ["tenant-42/"],
        None,
    ),
    "uploads-s3": (
        "R2GATEUPLOADSKEY0001",
        "s3-uploads-secret-" + "u" * 24,
        ["write", "sign"],
        ["uploads/"],
        {"max_bytes": 1000, "content_types": ["image/*"], "create_only": True},
    ),
    # A backend's pair whose presigned requests are bounded; it also reads and deletes.
    "limited-s3": (
        "R2GATELIMITEDKEY0001",
        "s3-limited-secret-" + "l" * 24,
        ["read", "write", "delete", "sign", "list"],
        ["limited/"],
        {"max_bytes": 1000, "content_types": ["image/*"], "create_only": True},
    ),
    "reader-s3": (
        "R2GATEREADERKEY00001",
        "s3-reader-secret-" + "r" * 24,
        ["read", "list"],
        [""],
        None,
    ),
    # The S3 pair of the quota42 tenant (the same prefix and quota_bytes as its API key).
    "quota42-s3": (
        "R2GATEQUOTA42KEY0001",
        "s3-quota42-secret-" + "q" * 24,
        ["read", "write", "delete", "sign", "list"],
        ["quota-42/"],
        None,
    ),
}
TEST_S3_CREDENTIALS = json.dumps(
    {
        "credentials": [
            {
                "name": name,
                "access_key_id": key_id,
                "secret_access_key": secret,
                "ops": ops,
                "prefixes": prefixes,
                **({"limits": limits} if limits else {}),
                **({"quota_bytes": TEST_QUOTAS[name]} if name in TEST_QUOTAS else {}),
            }
            for name, (key_id, secret, ops, prefixes, limits) in TEST_S3_SCOPED.items()
        ]
    }
)
# The S3 API virtual-hosted style on this host name (sent as Host, resolved nowhere).
TEST_S3_HOST = f"{S3_BUCKET}.s3.r2gate.test"
TEST_S3_VARIABLES = {
    "S3_ACCESS_KEY_ID": TEST_S3_KEY_ID,
    "S3_SECRET_ACCESS_KEY": TEST_S3_SECRET,
    "S3_CREDENTIALS": TEST_S3_CREDENTIALS,
    "S3_HOSTS": TEST_S3_HOST,
}
