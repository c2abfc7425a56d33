"""Every JSON that r2gate parses goes through one bounded loader (r2gate.json_bounds): request
bodies, token headers and payloads, the JSON settings and the S3 POST policy. A document
nested thousands deep is refused with each caller's own error and never reaches json.loads,
whose recursion would abort a Pyodide isolate."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

import r2gate.json_bounds
from r2gate.api_requests import parse_json_object
from r2gate.apikeys import load_api_keys
from r2gate.cache_policy import parse_cache_config
from r2gate.cors import parse_cors_config
from r2gate.errors import ApiError
from r2gate.s3.credentials import load_s3_credentials
from r2gate.s3.errors import InvalidPolicyDocument
from r2gate.s3.post_policy import parse_policy
from r2gate.tokens import TokenConfig
from r2gate.tokens.errors import DecodeError, TokenConfigError
from r2gate.tokens.jws import decode_verified
from tests.support.tokens import b64url

DEEP = "[" * 6000 + "]" * 6000
DEEP_MEMBER = '{"a": ' + DEEP + "}"


def _token_with_header(header: str) -> str:
    return f"{b64url(header.encode())}.{b64url(b'{}')}.{b64url(bytes(32))}"


CALLERS: dict[str, tuple[Callable[[str], Any], type[Exception]]] = {
    "request body": (lambda text: parse_json_object(text.encode(), 1 << 20), ApiError),
    "token header": (
        lambda text: decode_verified(_token_with_header(text[:2900]), {}),
        DecodeError,
    ),
    "SIGNING_KEYS": (lambda text: TokenConfig.from_json(text), TokenConfigError),
    "API_KEYS": (lambda text: load_api_keys(None, text), ApiError),
    "CACHE_POLICY": (parse_cache_config, ValueError),
    "CORS": (parse_cors_config, ValueError),
    "S3_CREDENTIALS": (lambda text: load_s3_credentials(None, None, text), ValueError),
    "S3 POST policy": (
        lambda text: parse_policy(base64.b64encode(text[:20000].encode()).decode()),
        InvalidPolicyDocument,
    ),
}


@pytest.fixture()
def no_json_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a deep document reached json.loads")

    monkeypatch.setattr(r2gate.json_bounds.json, "loads", refuse)


@pytest.mark.parametrize("document", [DEEP, DEEP_MEMBER], ids=["array", "member"])
@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_deep_json_is_refused_by_every_caller(
    caller: str, document: str, no_json_loads: None
) -> None:
    parse, error = CALLERS[caller]
    with pytest.raises(error) as raised:
        parse(document)
    if isinstance(raised.value, ApiError) and caller == "request body":
        assert (raised.value.status, raised.value.code) == (400, "invalid_json")


def test_a_deep_request_body_names_the_reason() -> None:
    with pytest.raises(ApiError) as raised:
        parse_json_object(DEEP_MEMBER.encode(), 1 << 20)
    assert "deeper than" in raised.value.message


def test_a_request_body_over_its_limit_is_413() -> None:
    with pytest.raises(ApiError) as raised:
        parse_json_object(json.dumps({"a": "x" * 100}).encode(), 50)
    assert (raised.value.status, raised.value.code) == (413, "body_too_large")
