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
        pytest.param("https://App.Example.COM", False, id="rfc6454-serialisation-is-lowercase"),
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


@pytest.mark.parametrize("origin", [None, "", "https://evil.test", 'ar-code://x/path?"'])
def test_missing_or_denied_origin_still_varies_by_origin(origin):
    """A copy cached for a request without (or with a denied) Origin must not be reused
    for an allowed origin's CORS request: the response says it depends on Origin."""
    assert cors_headers(origin, CONFIG) == {"Vary": "Origin"}


def test_no_origin_list_means_no_cors_headers_at_all():
    for origin in (None, "https://app.example.com"):
        assert cors_headers(origin, parse_cors_config(None)) == {}


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param('ar-code://x/path?"', id="issue-path-query-quote"),
        pytest.param("ar-code://x/", id="trailing-slash"),
        pytest.param("ar-code://x?q", id="query"),
        pytest.param("ar-code://x#f", id="fragment"),
        pytest.param("ar-code://user@x", id="userinfo"),
        pytest.param("ar-code://x y", id="space"),
        pytest.param("ar-code://x\t", id="tab"),
        pytest.param("ar-code://x\r\nSet-Cookie: a=b", id="header-injection"),
        pytest.param('ar-code://"x"', id="quotes"),
        pytest.param("ar-code://x:", id="empty-port"),
        pytest.param("ar-code://x:65536", id="port-out-of-range"),
        pytest.param("ar-code://x:080", id="port-leading-zero"),
        pytest.param("ar-code://x.", id="trailing-dot"),
        pytest.param("ar-code://X", id="uppercase-host"),
        pytest.param("AR-CODE://x", id="uppercase-scheme"),
        pytest.param("ar-code://\u00e9.test", id="non-ascii-host"),
        pytest.param("ar-code://[::1", id="open-ipv6"),
        pytest.param("ar-code:x", id="no-slashes"),
        pytest.param(" ar-code://x", id="leading-space"),
        pytest.param("ar-code://x\n", id="trailing-newline"),
        pytest.param("ar-code://" + "a" * 3000, id="too-long"),
    ],
)
def test_only_syntactically_valid_origins_match_any_pattern(origin):
    for config in (CONFIG, ANY_ORIGIN):
        assert not origin_allowed(origin, config)
        assert "Access-Control-Allow-Origin" not in cors_headers(origin, config)
        assert preflight(origin, "GET", None, config, OBJECT_METHODS) is None


@pytest.mark.parametrize(
    "origin",
    [
        "ar-code://x",
        "ar-code://viewer.local:8080",
        "ar-code://127.0.0.1:65535",
        "ar-code://[::1]:0",
        "ar-code://under_score-dash",
    ],
)
def test_valid_custom_scheme_origins_match_the_scheme_pattern(origin):
    assert origin_allowed(origin, CONFIG)
    assert cors_headers(origin, CONFIG)["Access-Control-Allow-Origin"] == origin


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


def test_preflight_echoes_each_requested_header_once():
    headers = preflight(
        "https://a.example.com", "PUT", "Range, range,x-r2gate-a, RANGE", CONFIG, OBJECT_METHODS
    )
    assert headers is not None
    assert headers["Access-Control-Allow-Headers"] == "range, x-r2gate-a"


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
        pytest.param("https://a.example.com", "PROPFIND", None, id="fetch-method-not-allowed"),
        pytest.param("https://a.example.com", "put", None, id="fetch-method-case-sensitive"),
        pytest.param("https://a.example.com", "GET", "x-secret", id="fetch-header-not-allowed"),
        pytest.param(
            "https://a.example.com", "GET", "range, x-other", id="fetch-one-header-not-allowed"
        ),
        pytest.param("https://a.example.com", "GET", "bad header", id="fetch-header-not-token"),
        pytest.param(
            "https://a.example.com", "GET", "range," * 700, id="r2gate-header-list-over-4096"
        ),
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
        pytest.param("{", "must be one JSON object", id="bad-json"),
        pytest.param("[" * 5000, "must be one JSON object", id="deep-json"),
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
