"""What every handler receives: one call context per request."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from r2gate.keys import key_from_path
from r2gate.settings import Settings

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

    @functools.cached_property
    def bucket(self) -> Bucket:
        """The R2 bucket (``BUCKET``), its failures as storage errors."""
        return Bucket(self.env.BUCKET)

    def key(self) -> str:
        """The validated object key of the ``{key}`` path parameter (400 invalid_key)."""
        return key_from_path(self.params["key"])


Handler = Callable[[Call], Awaitable[Any]]
