"""Settings read from the Worker's env (vars and secrets), parsed once per isolate."""

from __future__ import annotations

from typing import Any

from r2gate.settings import SETTING_NAMES, Settings, parse_settings

_cache: dict[tuple[str | None, ...], Settings] = {}


def settings_from_env(env: Any) -> Settings:
    """Parse the env's r2gate settings, reusing the result while the raw values are unchanged."""
    raw = tuple(_read(env, name) for name in SETTING_NAMES)
    settings = _cache.get(raw)
    if settings is None:
        _cache.clear()
        settings = _cache[raw] = parse_settings(dict(zip(SETTING_NAMES, raw, strict=True)))
    return settings


def _read(env: Any, name: str) -> str | None:
    value = getattr(env, name, None)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
