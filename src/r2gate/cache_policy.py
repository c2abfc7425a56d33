"""Cache-Control per object key, configured by a JSON wrangler.toml var.

Config format::

    {
      "default": "public, max-age=3600",
      "rules": [
        {"prefix": "models/", "cache_control": "public, max-age=31536000, immutable"},
        {"prefix": "private/", "private": true}
      ]
    }

- `default` (optional, default "public, max-age=3600"): used when no rule matches.
- `rules` (optional): each has a non-empty `prefix` and exactly one of
  `cache_control` (a Cache-Control value) or `"private": true`. Prefixes are unique.
- The longest matching prefix wins, so `private/` then `private/shared/` can re-open a
  sub-tree. A private rule always yields "private, no-store", whatever is stored.
- Otherwise the object's stored Cache-Control (R2 httpMetadata) wins over the rule.

Unknown keys or bad values raise ValueError: this is operator input, checked at startup.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .json_bounds import MAX_SETTING_BYTES, JsonRejected, load_json_object
from .text import has_control

DEFAULT_CACHE_CONTROL = "public, max-age=3600"
PRIVATE_CACHE_CONTROL = "private, no-store"
_NOT_EDGE_CACHEABLE = frozenset({"no-store", "private", "no-cache"})


@dataclass(frozen=True)
class CacheRule:
    """One prefix rule: a Cache-Control value, or private."""

    prefix: str
    cache_control: str | None = None
    private: bool = False


@dataclass(frozen=True)
class CacheConfig:
    """Parsed configuration; rules sorted longest prefix first."""

    default: str = DEFAULT_CACHE_CONTROL
    rules: tuple[CacheRule, ...] = ()


@dataclass(frozen=True)
class CachePolicy:
    """What to send: the Cache-Control value, whether the key is under a private rule,
    and whether the Worker may store the response in the edge cache."""

    cache_control: str
    private: bool
    edge_cacheable: bool


def _valid_value(value: object) -> bool:
    return isinstance(value, str) and value.strip() != "" and not has_control(value)


def _parse_rule(index: int, raw: object) -> CacheRule:
    where = f"cache config: rules[{index}]"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be an object")
    unknown = set(raw) - {"prefix", "cache_control", "private"}
    if unknown:
        raise ValueError(f"{where} has unknown keys {sorted(unknown)}")
    prefix = raw.get("prefix")
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"{where}.prefix must be a non-empty string")
    private = raw.get("private", False)
    if not isinstance(private, bool):
        raise ValueError(f"{where}.private must be true or false")
    value = raw.get("cache_control")
    if private == (value is not None):
        raise ValueError(f"{where} needs exactly one of cache_control or private: true")
    if value is not None and not _valid_value(value):
        raise ValueError(f"{where}.cache_control must be a non-empty header value")
    return CacheRule(prefix, None if value is None else value.strip(), private)


def parse_cache_config(text: str | None) -> CacheConfig:
    """Parse the JSON config; None or blank text gives the defaults."""
    if text is None or not text.strip():
        return CacheConfig()
    try:
        raw = load_json_object(text, max_bytes=MAX_SETTING_BYTES)
    except JsonRejected as exc:
        raise ValueError(f"cache config must be one JSON object: {exc}") from None
    unknown = set(raw) - {"default", "rules"}
    if unknown:
        raise ValueError(f"cache config has unknown keys {sorted(unknown)}")
    default = raw.get("default", DEFAULT_CACHE_CONTROL)
    if not _valid_value(default):
        raise ValueError("cache config: default must be a non-empty header value")
    rules_raw = raw.get("rules", [])
    if not isinstance(rules_raw, list):
        raise ValueError("cache config: rules must be a list")
    rules = [_parse_rule(i, r) for i, r in enumerate(rules_raw)]
    prefixes = [r.prefix for r in rules]
    duplicates = sorted({p for p in prefixes if prefixes.count(p) > 1})
    if duplicates:
        raise ValueError(f"cache config: duplicate prefixes {duplicates}")
    rules.sort(key=lambda r: len(r.prefix), reverse=True)
    return CacheConfig(default.strip(), tuple(rules))


@functools.lru_cache(maxsize=256)  # a handful of distinct values per deployment
def edge_cacheable(cache_control: str) -> bool:
    """False when the value has a no-store, private or no-cache directive."""
    directives = {part.split("=", 1)[0].strip().lower() for part in cache_control.split(",")}
    return not directives & _NOT_EDGE_CACHEABLE


def decide(key: str, stored_cache_control: str | None, config: CacheConfig) -> CachePolicy:
    """The Cache-Control for `key` given its stored value (if any) and the config."""
    rule = next((r for r in config.rules if key.startswith(r.prefix)), None)
    if rule is not None and rule.private:
        return CachePolicy(PRIVATE_CACHE_CONTROL, private=True, edge_cacheable=False)
    if stored_cache_control is not None and _valid_value(stored_cache_control):
        value = stored_cache_control.strip()
    elif rule is not None and rule.cache_control is not None:
        value = rule.cache_control
    else:
        value = config.default
    return CachePolicy(value, private=False, edge_cacheable=edge_cacheable(value))
