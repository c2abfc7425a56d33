"""What `make dev` shows of wrangler's output: the same lines, minus the noise that looks like a
failure, with credentials in URLs redacted, and r2gate's own block once the server is ready.

- wrangler's offline `Request.cf` lookup (a warning and a Node stack trace naming
  `getaddrinfo ENOTFOUND workers.cloudflare.com`) becomes one line saying why it is harmless;
- the table of the Worker's ~110 modules becomes its total;
- any URL's `token`, `X-Amz-Signature`, `X-Amz-Credential` and `X-Amz-Security-Token` values
  become `<redacted>` (wrangler's dev proxy prints full URLs in its error lines), and the first
  such error line is followed by a hint that the 500 came from the proxy, not from r2gate;
- after `Ready on <url>`: the URL, the API key, the S3 endpoint, bucket, region and key pair,
  the cron URL and how to load .dev.vars into a shell.

`DevOutput.feed(line)` is pure (tests/unit/test_dev_output.py); scripts/wrangler_dev.py pipes
wrangler through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from r2gate.errors import ApiError
from r2gate.query import parse_query

ANSI = re.compile(r"\x1b\[[0-9;]*m")
URL_QUERY = re.compile(r"(https?://[^\s?#]+)\?([^\s#]*)")
CF_WARNING = "Unable to fetch the `Request.cf` object"
STACK_LINE = re.compile(r"^\s*(\w*Error\b|at\s)")
MODULES = "Attaching additional modules:"
TABLE_LINE = re.compile(r"^[┌├│└]")
TABLE_TOTAL = re.compile(r"│\s*Total \((\d+) modules\)\s*│[^│]*│\s*([^│]+?)\s*│")
READY = re.compile(r"Ready on (https?://\S+)")
PROXY_ERROR = "Error inside ProxyWorker"

CF_EXPLAINED = (
    "r2gate: offline, wrangler could not fetch the Request.cf object from workers.cloudflare.com "
    "and uses its placeholder (harmless: r2gate never reads request.cf)"
)
PROXY_HINT = (
    "r2gate: that request failed inside wrangler's dev proxy, not in r2gate: the client got the "
    "proxy's own 500 (docs/local-development.md#the-dev-proxys-own-errors)"
)


def redact(line: str) -> str:
    """`line` with the credential values of every URL's query replaced (r2gate.query)."""

    def redacted(match: re.Match[str]) -> str:
        try:
            query = parse_query(match.group(2)).redacted()
        except ApiError:  # not a query r2gate would parse: none of it is shown
            query = "<redacted>"
        return f"{match.group(1)}?{query}"

    return URL_QUERY.sub(redacted, line)


def shell_path(path: str) -> str:
    """`path` as `.` needs it in a POSIX shell (a bare name is looked up in PATH)."""
    return path if "/" in path else f"./{path}"


class DevOutput:
    """Turns wrangler's output lines into what `make dev` prints; `ready(url)` gives the lines
    shown once the server answers."""

    def __init__(self, ready: Callable[[str], list[str]]) -> None:
        self._ready = ready
        self._in_stack = False
        self._in_table = False
        self._cf_explained = False
        self._proxy_hinted = False
        self._was_ready = False

    def feed(self, line: str) -> list[str]:
        """The lines to print for one line of wrangler's output (without its newline)."""
        plain = ANSI.sub("", line)
        if self._in_stack:
            if STACK_LINE.match(plain):
                return []
            self._in_stack = False
        if self._in_table:
            if TABLE_LINE.match(plain):
                total = TABLE_TOTAL.search(plain)
                return [f"  {total.group(1)} modules, {total.group(2)}"] if total else []
            self._in_table = False
        if CF_WARNING in plain:
            self._in_stack = True
            shown = [] if self._cf_explained else [CF_EXPLAINED]
            self._cf_explained = True
            return shown
        if plain.strip() == MODULES:
            self._in_table = True
            return [line]
        shown = [redact(line)]
        if PROXY_ERROR in plain and not self._proxy_hinted:
            self._proxy_hinted = True
            shown.append(PROXY_HINT)
        ready = READY.search(plain)
        if ready and not self._was_ready:
            self._was_ready = True
            shown += self._ready(ready.group(1))
        return shown


def webhook_lines(values: Mapping[str, str], env_file: str) -> list[str]:
    """How upload events reach a local receiver (never a secret): the endpoints configured, or
    the line to add (docs/events.md, Local development)."""
    configured = values.get("WEBHOOKS", "").strip()
    if configured:
        count = configured.count('"url"')
        return [f"  webhooks     {count} endpoint(s) in {env_file}; deliveries in the log below"]
    example = '[{"url":"http://127.0.0.1:9000/hook","secret":"whsec_<base64 of 32 bytes>"}]'
    return [
        f"  webhooks     none; for a local receiver add to {env_file} (http only on loopback):",
        f"               WEBHOOKS={example}",
    ]


def ready_block(
    url: str, values: Mapping[str, str], bucket: str | None, env_file: str = ".dev.vars"
) -> list[str]:
    """r2gate's block: where it listens and with which local credentials."""
    rule = "─" * 78
    lines = [rule, f"r2gate is ready: {url}"]
    lines.append(f"  API key      {values.get('API_KEY', f'(not set: see {env_file})')}")
    if "S3_ACCESS_KEY_ID" in values:
        lines += [
            f"  S3 endpoint  {url}/api/s3   bucket {bucket or '(S3_BUCKET unset)'}   region auto",
            f"  S3 key pair  {values['S3_ACCESS_KEY_ID']} / {values.get('S3_SECRET_ACCESS_KEY')}",
        ]
    lines += webhook_lines(values, env_file)
    lines += [
        f'  cron         curl "{url}/cdn-cgi/local/scheduled?cron=17+*+*+*+*"',
        f"  your shell   set -a; . {shell_path(env_file)}; set +a"
        "   # API_KEY, SIGNING_KEYS, S3_* in your shell",
        rule,
    ]
    return lines
