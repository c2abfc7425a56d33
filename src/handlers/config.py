"""Settings read from the Worker's env (vars and secrets), parsed once per isolate."""

from __future__ import annotations

from typing import Any

from r2gate.settings import SETTING_NAMES, Settings, parse_settings

_parsed: tuple[Any, Settings] | None = None  # (the JS env it was read from, its settings)


def js_env(env: Any) -> Any:
    """The JS env object itself: the SDK hands the Worker a wrapper (`_EnvWrapper`) that
    converts every value it returns; r2gate reads its bindings and vars directly."""
    return getattr(env, "_env", env)


def settings_from_env(env: Any) -> Settings:
    """The env's r2gate settings. Vars and secrets change only with a new deployment, which
    starts new isolates, and workerd passes every request of an isolate the same env object:
    they are read and parsed on the first request, and again only for another env object. A
    setting that does not parse is a 500 on every request (nothing is kept)."""
    global _parsed  # noqa: PLW0603
    raw_env = js_env(env)
    if _parsed is not None and _parsed[0] == raw_env:
        return _parsed[1]
    raw = {name: _read(raw_env, name) for name in SETTING_NAMES}
    settings = parse_settings(raw)
    _parsed = (raw_env, settings)
    return settings


def _read(env: Any, name: str) -> str | None:
    value = getattr(env, name, None)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
