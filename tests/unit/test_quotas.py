"""Tenant quotas (r2gate.quotas): configured on scoped API keys and S3 key pairs, one decision
for every write surface."""

from __future__ import annotations

import json
from typing import Any

import pytest

from r2gate.errors import ApiError
from r2gate.quotas import Quota, check_quotas, covering, prefix_range
from r2gate.settings import parse_settings

KEY = {"name": "t42", "key": "t42-" + "k" * 20, "ops": ["write"], "prefixes": ["tenant-42/"]}
PAIR = {
    "name": "t42-s3",
    "access_key_id": "R2GATETENANTQUOTA001",
    "secret_access_key": "s" * 40,
    "ops": ["write"],
    "prefixes": ["tenant-42/", "shared/42/"],
}


def settings(key: dict[str, Any], pair: dict[str, Any]) -> Any:
    return parse_settings(
        {
            "API_KEYS": json.dumps({"keys": [key]}),
            "S3_CREDENTIALS": json.dumps({"credentials": [pair]}),
        }
    )


def test_quota_bytes_of_api_keys_and_s3_pairs() -> None:
    configured = settings({**KEY, "quota_bytes": 10}, {**PAIR, "quota_bytes": 0}).quotas
    assert configured == (
        Quota("key:t42", ("tenant-42/",), 10),
        Quota("s3:t42-s3", ("tenant-42/", "shared/42/"), 0),
    )
    assert settings(KEY, PAIR).quotas == ()


@pytest.mark.parametrize("bad", [-1, True, "10", 1.5, 2**53, None])
def test_a_quota_that_is_not_a_byte_count_is_a_configuration_error(bad: Any) -> None:
    for key, pair in (({**KEY, "quota_bytes": bad}, PAIR), (KEY, {**PAIR, "quota_bytes": bad})):
        with pytest.raises(ApiError) as caught:
            settings(key, pair)
        assert caught.value.code == "server_misconfigured"
        assert "s" * 40 not in caught.value.message and "k" * 20 not in caught.value.message


def test_the_decision() -> None:
    quotas = (Quota("key:a", ("a/",), 100), Quota("key:all", ("",), 1000))
    assert covering(quotas, "a/x") == list(quotas)
    assert covering(quotas, "ab/x") == [quotas[1]]
    check_quotas(quotas, {"key:a": 90, "key:all": 500}, 10)  # exactly at the limit
    with pytest.raises(ApiError) as caught:
        check_quotas(quotas, {"key:a": 90, "key:all": 500}, 11)
    assert (caught.value.status, caught.value.code) == (413, "quota_exceeded")
    check_quotas(quotas, {"key:a": 99}, None)  # size unknown: allowed below the limit
    with pytest.raises(ApiError):
        check_quotas(quotas, {"key:a": 100}, None)  # ... and refused at it
    check_quotas(quotas, {"key:all": 1000}, 0)  # an empty object at the limit fits
    with pytest.raises(ApiError):
        check_quotas(quotas, {"key:all": 1001}, 0)  # over it (the index was behind): refused


def test_prefix_ranges() -> None:
    assert prefix_range("") == ("", None)
    assert prefix_range("tenant-42/") == ("tenant-42/", "tenant-420")
    low, high = prefix_range("a/")
    assert low <= "a/x" < high and not low <= "a0" < high and not low <= "a" < high
