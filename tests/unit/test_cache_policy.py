"""Cache-Control policy per key prefix (RFC 9111 5.2 directives)."""

from __future__ import annotations

import json

import pytest

from r2gate.cache_policy import (
    DEFAULT_CACHE_CONTROL,
    CacheConfig,
    CachePolicy,
    decide,
    edge_cacheable,
    parse_cache_config,
)

CONFIG = parse_cache_config(
    json.dumps(
        {
            "default": "public, max-age=3600",
            "rules": [
                {"prefix": "models/", "cache_control": "public, max-age=31536000, immutable"},
                {"prefix": "private/", "private": True},
                {"prefix": "private/shared/", "cache_control": "public, max-age=60"},
                {"prefix": "models/drafts/", "cache_control": "no-cache"},
            ],
        }
    )
)


@pytest.mark.parametrize(
    ("key", "stored", "expected"),
    [
        pytest.param("a.txt", None, CachePolicy("public, max-age=3600", False, True), id="default"),
        pytest.param(
            "models/chair.glb",
            None,
            CachePolicy("public, max-age=31536000, immutable", False, True),
            id="prefix-rule",
        ),
        pytest.param(
            "models/drafts/x.glb",
            None,
            CachePolicy("no-cache", False, False),
            id="longest-prefix-wins",
        ),
        pytest.param(
            "models/chair.glb",
            "public, max-age=5",
            CachePolicy("public, max-age=5", False, True),
            id="stored-value-beats-rule",
        ),
        pytest.param(
            "private/a.pdf",
            None,
            CachePolicy("private, no-store", True, False),
            id="private-prefix",
        ),
        pytest.param(
            "private/a.pdf",
            "public, max-age=31536000",
            CachePolicy("private, no-store", True, False),
            id="private-prefix-beats-stored-value",
        ),
        pytest.param(
            "private/shared/a.png",
            None,
            CachePolicy("public, max-age=60", False, True),
            id="longer-public-prefix-reopens-private-tree",
        ),
        pytest.param(
            "a.txt",
            "private, max-age=60",
            CachePolicy("private, max-age=60", False, False),
            id="rfc9111-5.2.2.7-private",
        ),
        pytest.param(
            "a.txt",
            "no-store",
            CachePolicy("no-store", False, False),
            id="rfc9111-5.2.2.5-no-store",
        ),
        pytest.param(
            "a.txt",
            'no-cache="Set-Cookie"',
            CachePolicy('no-cache="Set-Cookie"', False, False),
            id="rfc9111-5.2.2.4-qualified-no-cache",
        ),
        pytest.param(
            "a.txt",
            "   ",
            CachePolicy("public, max-age=3600", False, True),
            id="blank-stored-ignored",
        ),
        pytest.param(
            "a.txt",
            "max-age=1\r\nX: y",
            CachePolicy("public, max-age=3600", False, True),
            id="stored-with-crlf-ignored",
        ),
        pytest.param(
            "Models/x.glb",
            None,
            CachePolicy("public, max-age=3600", False, True),
            id="prefix-case-sensitive",
        ),
    ],
)
def test_decide(key, stored, expected):
    assert decide(key, stored, CONFIG) == expected


@pytest.mark.parametrize(
    ("value", "cacheable"),
    [
        pytest.param("public, max-age=60", True, id="rfc9111-5.2.2.9-public"),
        pytest.param("max-age=60, immutable", True, id="rfc8246-immutable"),
        pytest.param("No-Store", False, id="rfc9111-5.2-directive-names-case-insensitive"),
        pytest.param("public,private", False, id="rfc9111-5.2.2.7-private-no-spaces"),
        pytest.param('private="x"', False, id="rfc9111-5.2.2.7-qualified-private"),
        pytest.param("s-maxage=60, no-cache", False, id="rfc9111-5.2.2.4-no-cache"),
        pytest.param("no-transform", True, id="rfc9111-5.2.2.6-no-transform"),
    ],
)
def test_edge_cacheable(value, cacheable):
    assert edge_cacheable(value) is cacheable


def test_missing_or_blank_config_gives_defaults():
    assert parse_cache_config(None) == CacheConfig(DEFAULT_CACHE_CONTROL, ())
    assert parse_cache_config("  ") == CacheConfig(DEFAULT_CACHE_CONTROL, ())
    assert decide("x", None, parse_cache_config("{}")).cache_control == DEFAULT_CACHE_CONTROL


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("{not json", "must be one JSON object", id="bad-json"),
        pytest.param("[]", "must be one JSON object", id="not-object"),
        pytest.param('{"rules": ' + "[" * 5000 + "]" * 5000 + "}", "deeper", id="deep"),
        pytest.param('{"defaults": "x"}', "unknown keys ['defaults']", id="unknown-top-key"),
        pytest.param('{"default": ""}', "default", id="empty-default"),
        pytest.param('{"default": "a\\nb"}', "default", id="default-with-newline"),
        pytest.param('{"rules": {}}', "rules must be a list", id="rules-not-list"),
        pytest.param('{"rules": ["x"]}', "rules[0] must be an object", id="rule-not-object"),
        pytest.param('{"rules": [{"prefix": "", "private": true}]}', "prefix", id="empty-prefix"),
        pytest.param('{"rules": [{"prefix": "a/"}]}', "exactly one", id="rule-without-action"),
        pytest.param(
            '{"rules": [{"prefix": "a/", "private": true, "cache_control": "x"}]}',
            "exactly one",
            id="rule-with-both",
        ),
        pytest.param(
            '{"rules": [{"prefix": "a/", "private": "yes"}]}', "private", id="private-not-bool"
        ),
        pytest.param(
            '{"rules": [{"prefix": "a/", "cache-control": "x"}]}', "unknown keys", id="typo-key"
        ),
        pytest.param(
            '{"rules": [{"prefix": "a/", "private": true}, {"prefix": "a/", "private": true}]}',
            "duplicate prefixes ['a/']",
            id="duplicate-prefix",
        ),
    ],
)
def test_invalid_config_raises_value_error(text, message):
    with pytest.raises(ValueError, match="cache config") as info:
        parse_cache_config(text)
    assert message in str(info.value)
