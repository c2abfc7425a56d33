"""r2gate's configuration: env vars and secrets (strings) parsed into one immutable value.

| name | kind | meaning |
|---|---|---|
| API_KEY | secret | one full-access API key |
| API_KEYS | secret | JSON scoped API keys (see apikeys) |
| CACHE_POLICY | var | JSON Cache-Control rules per key prefix (see cache_policy) |
"""

from __future__ import annotations

from dataclasses import dataclass

from .apikeys import ApiKey, load_api_keys
from .cache_policy import CacheConfig, parse_cache_config
from .errors import ApiError

SETTING_NAMES = ("API_KEY", "API_KEYS", "CACHE_POLICY")


@dataclass(frozen=True)
class Settings:
    api_keys: tuple[ApiKey, ...]
    cache: CacheConfig


def parse_settings(raw: dict[str, str | None]) -> Settings:
    """Parse every setting; a bad one is a 500 `server_misconfigured` naming the setting only."""
    try:
        cache = parse_cache_config(raw.get("CACHE_POLICY"))
    except ValueError as exc:
        raise ApiError(500, "server_misconfigured", f"CACHE_POLICY: {exc}") from None
    keys = load_api_keys(raw.get("API_KEY"), raw.get("API_KEYS"))
    return Settings(api_keys=tuple(keys), cache=cache)
