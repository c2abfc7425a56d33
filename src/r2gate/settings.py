"""r2gate's configuration: env vars and secrets (strings) parsed into one immutable value.

| name | kind | meaning |
|---|---|---|
| API_KEY | secret | one full-access API key |
| API_KEYS | secret | JSON scoped API keys (see apikeys) |
| SIGNING_KEYS | secret | JSON {kid: secret} for tokens, the last one signs (see tokens) |
| TOKEN_MAX_LIFETIME | var | seconds a token may live (default 900, hard cap 86400) |
| TOKEN_AUDIENCE | var | the `aud` tokens must carry (default "r2gate") |
| TOKEN_ISSUER | var | when set, the `iss` tokens must carry |
| CACHE_POLICY | var | JSON Cache-Control rules per key prefix (see cache_policy) |
| CORS | var | JSON CORS allowlist (see cors) |
| EDGE_CACHE | var | "on" (default) or "off": store public objects in the Workers Cache API |
| EDGE_CACHE_MAX_BYTES | var | largest object stored in the edge cache (default 50 MiB) |
| MAX_PUT_BYTES | var | largest single PUT body (default 100 MB, the Free/Pro request limit) |
| SERVER_TIMING | var | "on": add `Server-Timing: py;dur=<ms>` (time inside the handler) |
| UPLOAD_MAX_AGE | var | seconds a multipart upload may stay open (default 86400, at most 604800) |
| MULTIPART_PART_SIZE | var | default part size of multipart uploads (default 8 MiB, 5 MiB..5 GiB) |
| TRUSTED_PAGES | var | JSON list of key prefixes served without the sandbox CSP (see sandbox) |
| S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY | secret | one full-access S3 key pair (s3.credentials) |
| S3_CREDENTIALS | secret | JSON scoped S3 key pairs with upload limits (see s3.credentials) |
| S3_BUCKET | var | the bucket name S3 clients use: wrangler.toml's bucket_name (unset: no S3) |
| S3_HOSTS | var | host names serving S3 virtual-hosted style (<S3_BUCKET>.<domain>, commas) |
| S3_BUCKET_CREATED | var | the bucket's creation date for ListBuckets (ISO 8601 UTC) |
| WEBHOOKS | secret | JSON list of webhook endpoints (see webhooks) |
| WEBHOOK_RETRY_DELAY | var | seconds to a failed delivery's retry, doubled each time (60) |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .apikeys import ApiKey, load_api_keys
from .cache_policy import CacheConfig, parse_cache_config
from .cors import CorsConfig, parse_cors_config
from .errors import ApiError, from_token_error
from .multipart import DEFAULT_PART_SIZE, MAX_PART_SIZE, MIN_PART_SIZE
from .numbers import InvalidNumber, parse_decimal
from .quotas import Quota, configured_quotas
from .s3.settings import S3_SETTING_NAMES, S3Settings, parse_s3_settings
from .sandbox import parse_trusted_pages
from .tokens import DEFAULT_AUDIENCE, DEFAULT_MAX_LIFETIME, TokenConfig, TokenConfigError
from .webhooks import Endpoint, parse_webhooks

SETTING_NAMES = (
    "API_KEY",
    "API_KEYS",
    "SIGNING_KEYS",
    "TOKEN_MAX_LIFETIME",
    "TOKEN_AUDIENCE",
    "TOKEN_ISSUER",
    "CACHE_POLICY",
    "CORS",
    "EDGE_CACHE",
    "EDGE_CACHE_MAX_BYTES",
    "MAX_PUT_BYTES",
    "SERVER_TIMING",
    "UPLOAD_MAX_AGE",
    "MULTIPART_PART_SIZE",
    "TRUSTED_PAGES",
    "WEBHOOKS",
    "WEBHOOK_RETRY_DELAY",
    *S3_SETTING_NAMES,
)
DEFAULT_EDGE_CACHE_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_PUT_BYTES = 100 * 1000 * 1000
DEFAULT_UPLOAD_MAX_AGE = 86400
MAX_SETTING_INT = 2**53 - 1  # what JavaScript (and R2's options) represent exactly
MAX_UPLOAD_MAX_AGE = 7 * 86400  # R2 aborts unfinished multipart uploads after 7 days
DEFAULT_WEBHOOK_RETRY_DELAY = 60
MAX_WEBHOOK_RETRY_DELAY = 3600

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    api_keys: tuple[ApiKey, ...]
    tokens: TokenConfig | None  # None when SIGNING_KEYS is unset: token features are off
    cache: CacheConfig
    cors: CorsConfig
    edge_cache: bool
    edge_cache_max_bytes: int
    max_put_bytes: int
    server_timing: bool
    upload_max_age: int = DEFAULT_UPLOAD_MAX_AGE
    multipart_part_size: int = DEFAULT_PART_SIZE
    trusted_pages: tuple[str, ...] = ()
    s3: S3Settings = S3Settings()
    webhooks: tuple[Endpoint, ...] = ()
    webhook_retry_delay: int = DEFAULT_WEBHOOK_RETRY_DELAY
    quotas: tuple[Quota, ...] = ()  # the API keys' and S3 pairs' quota_bytes (r2gate.quotas)


def _misconfigured(name: str, reason: str) -> ApiError:
    return ApiError(500, "server_misconfigured", f"{name}: {reason}")


def _parsed(name: str, raw: str | None, parse: Callable[[str | None], T]) -> T:
    try:
        return parse(raw)
    except ValueError as exc:
        raise _misconfigured(name, str(exc)) from None


def _switch(name: str, raw: str | None, default: bool) -> bool:
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in ("on", "true", "1", "yes"):
        return True
    if value in ("off", "false", "0", "no"):
        return False
    raise _misconfigured(name, "expected on or off")


def _positive_int(name: str, raw: str | None, default: int) -> int:
    if raw is None or not raw.strip():
        return default
    try:
        return parse_decimal(raw.strip(), minimum=1, maximum=MAX_SETTING_INT)
    except InvalidNumber:
        raise _misconfigured(name, f"expected a whole number from 1 to {MAX_SETTING_INT}") from None


def _bounded_int(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    value = _positive_int(name, raw, default)
    if not low <= value <= high:
        raise _misconfigured(name, f"expected a whole number from {low} to {high}")
    return value


def _tokens(raw: dict[str, str | None]) -> TokenConfig | None:
    keys = raw.get("SIGNING_KEYS")
    if keys is None or not keys.strip():
        return None
    max_lifetime = _positive_int(
        "TOKEN_MAX_LIFETIME", raw.get("TOKEN_MAX_LIFETIME"), DEFAULT_MAX_LIFETIME
    )
    try:
        return TokenConfig.from_json(
            keys,
            audience=(raw.get("TOKEN_AUDIENCE") or DEFAULT_AUDIENCE).strip(),
            issuer=(raw.get("TOKEN_ISSUER") or "").strip() or None,
            max_lifetime=max_lifetime,
        )
    except TokenConfigError as error:
        raise from_token_error(error) from None


def parse_settings(raw: dict[str, str | None]) -> Settings:
    """Parse every setting; a bad one is a 500 `server_misconfigured` naming the setting only."""
    api_keys = tuple(load_api_keys(raw.get("API_KEY"), raw.get("API_KEYS")))
    s3 = _s3(raw, api_keys)
    return Settings(
        api_keys=api_keys,
        tokens=_tokens(raw),
        cache=_parsed("CACHE_POLICY", raw.get("CACHE_POLICY"), parse_cache_config),
        cors=_parsed("CORS", raw.get("CORS"), parse_cors_config),
        edge_cache=_switch("EDGE_CACHE", raw.get("EDGE_CACHE"), default=True),
        edge_cache_max_bytes=_positive_int(
            "EDGE_CACHE_MAX_BYTES", raw.get("EDGE_CACHE_MAX_BYTES"), DEFAULT_EDGE_CACHE_MAX_BYTES
        ),
        max_put_bytes=_positive_int(
            "MAX_PUT_BYTES", raw.get("MAX_PUT_BYTES"), DEFAULT_MAX_PUT_BYTES
        ),
        server_timing=_switch("SERVER_TIMING", raw.get("SERVER_TIMING"), default=False),
        upload_max_age=_bounded_int(
            "UPLOAD_MAX_AGE",
            raw.get("UPLOAD_MAX_AGE"),
            DEFAULT_UPLOAD_MAX_AGE,
            1,
            MAX_UPLOAD_MAX_AGE,
        ),
        multipart_part_size=_bounded_int(
            "MULTIPART_PART_SIZE",
            raw.get("MULTIPART_PART_SIZE"),
            DEFAULT_PART_SIZE,
            MIN_PART_SIZE,
            MAX_PART_SIZE,
        ),
        trusted_pages=_parsed("TRUSTED_PAGES", raw.get("TRUSTED_PAGES"), parse_trusted_pages),
        s3=s3,
        quotas=configured_quotas(api_keys, (credential.scope for credential in s3.keyring)),
        webhooks=_parsed("WEBHOOKS", raw.get("WEBHOOKS"), parse_webhooks),
        webhook_retry_delay=_retry_delay(raw.get("WEBHOOK_RETRY_DELAY")),
    )


def _retry_delay(raw: str | None) -> int:
    if raw is None or not raw.strip():
        return DEFAULT_WEBHOOK_RETRY_DELAY
    try:
        return parse_decimal(raw.strip(), minimum=0, maximum=MAX_WEBHOOK_RETRY_DELAY)
    except InvalidNumber:
        raise _misconfigured(
            "WEBHOOK_RETRY_DELAY", f"expected a whole number from 0 to {MAX_WEBHOOK_RETRY_DELAY}"
        ) from None


def _s3(raw: dict[str, str | None], api_keys: tuple[ApiKey, ...]) -> S3Settings:
    try:
        return parse_s3_settings(raw, api_keys)
    except ValueError as exc:
        raise ApiError(500, "server_misconfigured", str(exc)) from None
