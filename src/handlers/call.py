"""What every handler receives: one call context per request."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from r2gate.keys import key_from_path
from r2gate.settings import Settings

from .d1 import Database
from .http import Incoming
from .r2 import Bucket


@dataclass(frozen=True)
class Call:
    """One request: what arrived, the Worker's bindings and context, the parsed settings, a
    clock (unix seconds), and the path parameters of its route."""

    incoming: Incoming
    env: Any  # the JS env (handlers.config.js_env), not the SDK's wrapper
    ctx: Any
    settings: Settings
    clock: Callable[[], float] = time.time
    params: Mapping[str, str] = field(default_factory=dict)

    def now(self) -> int:
        """The clock, in whole unix seconds."""
        return int(self.clock())

    @property
    def bucket(self) -> Bucket:
        """The R2 bucket (``BUCKET``), its failures as storage errors: one per isolate, as
        workerd hands every request of an isolate the same env (handlers.config)."""
        global _bucket  # noqa: PLW0603
        if _bucket is None or _bucket[0] != self.env:
            _bucket = (self.env, Bucket(self.env.BUCKET))
        return _bucket[1]

    @property
    def db(self) -> Database:
        """r2gate's own records (``DB``, D1), one per isolate as the bucket."""
        return database(self.env)

    def key(self) -> str:
        """The validated object key of the ``{key}`` path parameter (400 invalid_key)."""
        return key_from_path(self.params["key"])


_bucket: tuple[Any, Bucket] | None = None  # (the JS env, its bucket), made on first use
_database: tuple[Any, Database] | None = None


def database(env: Any) -> Database:
    """The env's D1 database (``DB``), made on first use per JS env."""
    global _database  # noqa: PLW0603
    if _database is None or _database[0] != env:
        _database = (env, Database(env.DB))
    return _database[1]


Handler = Callable[[Call], Awaitable[Any]]
