"""Retries with exponential backoff and jitter for connection errors, 5xx and 429."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .errors import (
    IntegrityError,
    R2gateError,
    RateLimited,
    ServerError,
    TransportError,
    UploadCancelled,
)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries in all; the n-th retry waits a random time in [d/2, d] with
    d = min(max_delay, base_delay * 2**n), or the server's Retry-After (capped)."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, retry: int, error: R2gateError, rand: Callable[[], float]) -> float:
        """Seconds to wait before retry number `retry` (0-based) after `error`."""
        if error.retry_after is not None:
            return float(min(error.retry_after, self.max_retry_after))
        ceiling = min(self.max_delay, self.base_delay * 2.0**retry)
        return ceiling / 2 + rand() * ceiling / 2


NO_RETRIES = RetryPolicy(attempts=1)


def is_retryable(error: R2gateError) -> bool:
    """Connection errors, 429 and 5xx (but not 501, which will not change) are retried."""
    if isinstance(error, IntegrityError):
        return False
    if isinstance(error, TransportError | RateLimited):
        return True
    return isinstance(error, ServerError) and error.status != 501


class Retrier:
    """Runs a call under a RetryPolicy; `sleep` and `rand` are injectable for tests (the
    default sleep wakes early, with UploadCancelled, when the call's `cancel` event is set)."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.rand = rand

    def _wait(self, seconds: float, cancel: threading.Event | None) -> None:
        if self.sleep is not None:
            self.sleep(seconds)
        elif cancel is not None:
            cancel.wait(seconds)
        else:
            time.sleep(seconds)
        if cancel is not None and cancel.is_set():
            raise UploadCancelled("the upload was cancelled")

    def call(self, attempt: Callable[[], T], cancel: threading.Event | None = None) -> T:
        """`attempt()` until it succeeds, fails for good, or the attempts run out."""
        retry = 0
        while True:
            try:
                return attempt()
            except R2gateError as error:
                if retry + 1 >= self.policy.attempts or not is_retryable(error):
                    raise
                self._wait(self.policy.delay(retry, error, self.rand), cancel)
                retry += 1
