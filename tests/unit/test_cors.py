"""CORS decisions (Fetch standard, "CORS protocol"; origins per RFC 6454)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.cors import (
    DEFAULT_EXPOSE_HEADERS,
    DEFAULT_METHODS,
    CorsConfig,
    cors_headers,
    origin_allowed,
    parse_cors_config,
    preflight,
)

CONFIG = parse_cors_config(
    json.dumps(
        {
            "origins": [
                "https://app.example.com",
                "https://*.example.com",
                "https://*.dev.test:8443",
                "ar-code://*",
                "HTTP://LOCALHOST:3000",
            ]
        }
    )
)
ANY_ORIGIN = parse_cors_config('{"origins": ["*"]}')


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        pytest.param("https://app.example.com", True, id="rfc6454-exact"),
        pytest.param("https://a.example.com", True, id="wildcard-subdomain"),
        pytest.param("https://a.b.c.example.com", True, id="wildcard-any-depth"),
        pytest.param("https://example.com", False, id="wildcard-not-bare-domain"),
        pytest.param("https://evil-example.com", False, id="wildcard-not-suffix-lookalike"),
        pytest.param("https://a.example.com.evil.com", False, id="wildcard-not-prefix-lookalike"),
        pytest.param("http://a.example.com", False, id="rfc6454-scheme-differs"),
        pytest.param("https://a.example.com:8443", False, id="rfc6454-port-differs-from-default"),
        pytest.param("https://x.dev.test:8443", True, id="wildcard-port-matches"),
        pytest.param("https://x.dev.test", False, id="wildcard-port-required"),
        pytest.param("https://x.dev.test:9443", False, id="wildcard-other-port"),
        pytest.param("https://App.Example.COM", True, id="rfc6454-case-insensitive"),
        pytest.param("http://localhost:3000", True, id="exact-with-port-pattern-lowercased"),
        pytest.param("http://localhost:3001", False, id="exact-port-differs"),
        pytest.param("ar-code://scanner", True, id="custom-scheme-any"),
        pytest.param("ar-code://", False, id="custom-scheme-empty-rest"),
        pytest.param("ar-codex://scanner", False, id="custom-scheme-prefix-lookalike"),
        pytest.param("https://app.example.com/", False, id="rfc6454-no-path"),
        pytest.param("https://a.example.com evil", False, id="space-in-origin"),
        pytest.param("null", False, id="rfc6454-opaque-null"),
        pytest.param("", False, id="empty"),
        pytest.param(None, False, id="absent"),
    ],
)
def test_origin_allowed(origin, allowed):
    assert origin_allowed(origin, CONFIG) is allowed


def test_star_allows_any_origin_but_not_null():
    assert origin_allowed("https://anything.test", ANY_ORIGIN)
    assert origin_allowed("capacitor://localhost", ANY_ORIGIN)
    assert not origin_allowed("null", ANY_ORIGIN)
    assert origin_allowed("null", parse_cors_config('{"origins": ["null"]}'))


def test_no_config_allows_nothing():
    assert parse_cors_config(None) == CorsConfig()
    assert not origin_allowed("https://app.example.com", parse_cors_config(None))


def test_cors_headers_for_allowed_origin_echo_and_vary():
    assert cors_headers("https://a.example.com", CONFIG) == {
        "Access-Control-Allow-Origin": "https://a.example.com",
        "Vary": "Origin",
        "Access-Control-Expose-Headers": ", ".join(DEFAULT_EXPOSE_HEADERS),
    }


def test_cors_headers_echo_even_with_star():
    assert (
        cors_headers("https://x.test", ANY_ORIGIN)["Access-Control-Allow-Origin"]
        == "https://x.test"
    )


@pytest.mark.parametrize("origin", [None, "", "https://evil.test"])
def test_cors_headers_empty_for_missing_or_denied(origin):
    assert cors_headers(origin, CONFIG) == {}


def test_cors_headers_omit_empty_expose_list():
    config = parse_cors_config('{"origins": ["*"], "expose_headers": []}')
    headers = cors_headers("https://x.test", config)
    assert "Access-Control-Expose-Headers" not in headers
    assert all(headers.values())


OBJECT_METHODS = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")


def test_preflight_allowed():
    headers = preflight(
        "https://a.example.com",
        "PUT",
        "Authorization, content-type,x-r2gate-checksum",
        CONFIG,
        OBJECT_METHODS,
    )
    assert headers == {
        "Access-Control-Allow-Origin": "https://a.example.com",
        "Access-Control-Allow-Methods": "GET, HEAD, PUT, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": "authorization, content-type, x-r2gate-checksum",
        "Access-Control-Max-Age": "86400",
        "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    }


def test_preflight_allows_only_the_methods_of_the_path():
    upload_route = ("POST", "OPTIONS")
    headers = preflight("https://a.example.com", "POST", None, CONFIG, upload_route)
    assert headers is not None
    assert headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert preflight("https://a.example.com", "PUT", None, CONFIG, upload_route) is None
    get_only = parse_cors_config('{"origins": ["*"], "methods": ["GET"]}')
    assert preflight("https://x.test", "POST", None, get_only, upload_route) is None


def test_preflight_without_request_headers_has_no_empty_value():
    headers = preflight("https://a.example.com", "GET", "", CONFIG, OBJECT_METHODS)
    assert headers is not None
    assert "Access-Control-Allow-Headers" not in headers
    assert all(headers.values())


@pytest.mark.parametrize(
    ("origin", "method", "request_headers"),
    [
        pytest.param("https://evil.test", "GET", None, id="fetch-origin-denied"),
        pytest.param(None, "GET", None, id="fetch-no-origin"),
        pytest.param("https://a.example.com", None, None, id="fetch-no-request-method"),
        pytest.param("https://a.example.com", "PATCH", None, id="fetch-method-not-allowed"),
        pytest.param("https://a.example.com", "put", None, id="fetch-method-case-sensitive"),
        pytest.param("https://a.example.com", "GET", "x-secret", id="fetch-header-not-allowed"),
        pytest.param(
            "https://a.example.com", "GET", "range, x-other", id="fetch-one-header-not-allowed"
        ),
        pytest.param("https://a.example.com", "GET", "bad header", id="fetch-header-not-token"),
    ],
)
def test_preflight_rejected(origin, method, request_headers):
    assert preflight(origin, method, request_headers, CONFIG, DEFAULT_METHODS) is None


def test_custom_lists_and_max_age():
    config = parse_cors_config(
        json.dumps(
            {
                "origins": ["https://a.test"],
                "methods": ["GET"],
                "allow_headers": ["Range"],
                "expose_headers": ["ETag"],
                "max_age": 0,
            }
        )
    )
    assert preflight("https://a.test", "PUT", None, config, OBJECT_METHODS) is None
    headers = preflight("https://a.test", "GET", "range", config, OBJECT_METHODS)
    assert headers is not None
    assert headers["Access-Control-Max-Age"] == "0"
    assert headers["Access-Control-Allow-Headers"] == "range"
    assert cors_headers("https://a.test", config)["Access-Control-Expose-Headers"] == "ETag"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("{", "not valid JSON", id="bad-json"),
        pytest.param('["*"]', "JSON object", id="not-object"),
        pytest.param('{"origin": ["*"]}', "unknown keys", id="typo-key"),
        pytest.param('{"origins": "*"}', "origins must be a list", id="origins-not-list"),
        pytest.param('{"origins": ["https://a.test/"]}', "bad origin pattern", id="trailing-slash"),
        pytest.param('{"origins": ["*.example.com"]}', "bad origin pattern", id="no-scheme"),
        pytest.param(
            '{"origins": ["https://*example.com"]}', "bad origin pattern", id="star-not-label"
        ),
        pytest.param('{"origins": ["https://a.*.com"]}', "bad origin pattern", id="star-in-middle"),
        pytest.param('{"origins": [1]}', "must be a string", id="origin-not-string"),
        pytest.param(
            '{"methods": ["GET POST"]}', "not a header/method token", id="method-not-token"
        ),
        pytest.param('{"allow_headers": [""]}', "not a header/method token", id="empty-header"),
        pytest.param('{"max_age": -1}', "max_age", id="negative-max-age"),
        pytest.param('{"max_age": true}', "max_age", id="bool-max-age"),
    ],
)
def test_invalid_config(text, message):
    with pytest.raises(ValueError, match="cors config") as info:
        parse_cors_config(text)
    assert message in str(info.value)


@given(st.text(), st.text(), st.text())
def test_never_raises_and_never_emits_empty_values(origin, method, request_headers):
    for config in (CONFIG, ANY_ORIGIN):
        simple = cors_headers(origin, config)
        assert all(simple.values())
        result = preflight(origin, method, request_headers, config, DEFAULT_METHODS)
        assert result is None or all(result.values())
