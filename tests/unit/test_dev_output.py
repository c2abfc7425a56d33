"""What `make dev` shows of wrangler's output (scripts/dev_output.py), on lines recorded from
wrangler 4.164.0 offline."""

from __future__ import annotations

from scripts.dev_output import CF_EXPLAINED, PROXY_HINT, DevOutput, ready_block, redact

CF_WARNING = [
    "[wrangler:warn] Unable to fetch the `Request.cf` object! Falling back to a default "
    "placeholder...",
    "\x1b[2mError: getaddrinfo ENOTFOUND workers.cloudflare.com",
    "    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)",
    "    at GetAddrInfoReqWrap.callbackTrampoline (node:internal/async_hooks:130:17)\x1b[22m",
]
MODULE_TABLE = [
    "Attaching additional modules:",
    "┌───────────────────────────┬────────┬────────────┐",
    "│ Name                      │ Type   │ Size       │",
    "├───────────────────────────┼────────┼────────────┤",
    "│ handlers/__init__.py      │ python │ 0.08 KiB   │",
    "├───────────────────────────┼────────┼────────────┤",
    "│ Total (110 modules)       │        │ 625.87 KiB │",
    "└───────────────────────────┴────────┴────────────┘",
]
PROXY_ERROR = (
    "\x1b[31m✘ \x1b[41;31m[\x1b[41;97mERROR\x1b[41;31m]\x1b[0m \x1b[1mError inside ProxyWorker"
    " (the affected request failed; the dev server continues): PUT http://127.0.0.1:8787/x/a.bin"
    "?token=eyJhbGciOi.SECRET.sig&partNumber=1 (failed after 1 attempt): Network connection"
    " lost.\x1b[0m"
)


def shown(lines: list[str]) -> list[str]:
    output = DevOutput(lambda url: [f"READY {url}"])
    return [out for line in lines for out in output.feed(line)]


def test_the_offline_request_cf_lookup_is_one_line_without_a_stack_trace() -> None:
    lines = [
        *CF_WARNING,
        "Attaching additional modules:",
        *CF_WARNING,
        "⎔ Starting local server...",
    ]
    out = shown(lines)
    assert out[0] == CF_EXPLAINED and out.count(CF_EXPLAINED) == 1
    assert not [line for line in out if "getaddrinfo" in line or " at " in line]
    assert out[-1] == "⎔ Starting local server..."


def test_the_module_table_is_its_total() -> None:
    assert shown([*MODULE_TABLE, "⎔ Starting local server..."]) == [
        "Attaching additional modules:",
        "  110 modules, 625.87 KiB",
        "⎔ Starting local server...",
    ]


def test_credentials_in_the_dev_proxys_error_lines_are_redacted_and_explained() -> None:
    out = shown([PROXY_ERROR, PROXY_ERROR])
    assert "SECRET" not in "".join(out)
    assert "?token=<redacted>&partNumber=1 (failed" in out[0]
    assert out.count(PROXY_HINT) == 1 and out[1] == PROXY_HINT


def test_every_credential_parameter_is_redacted_however_it_is_spelled() -> None:
    line = (
        "GET https://h/k?X-Amz-Credential=AKIA%2F20261126&X-Amz-Signature=f00d"
        "&x-amz-security-token=t0k&%74oken=jws&download=a.glb done"
    )
    assert redact(line) == (
        "GET https://h/k?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>"
        "&x-amz-security-token=<redacted>&token=<redacted>&download=a.glb done"
    )
    assert redact("see https://h/k?%ff=1 there") == "see https://h/k?<redacted> there"


def test_the_ready_block_comes_once_after_wranglers_ready_line() -> None:
    ready = "[wrangler:info] Ready on http://127.0.0.1:8787"
    out = shown([ready, "⎔ Local server updated and ready", ready])
    assert out == [ready, "READY http://127.0.0.1:8787", "⎔ Local server updated and ready", ready]


def test_the_block_names_everything_a_newcomer_copies() -> None:
    values = {"API_KEY": "k" * 20, "S3_ACCESS_KEY_ID": "R2GATEX", "S3_SECRET_ACCESS_KEY": "s" * 32}
    text = "\n".join(ready_block("http://127.0.0.1:8787", values, "r2gate-assets"))
    for expected in (
        "http://127.0.0.1:8787",
        "k" * 20,
        "http://127.0.0.1:8787/api/s3   bucket r2gate-assets   region auto",
        "R2GATEX / " + "s" * 32,
        'curl "http://127.0.0.1:8787/cdn-cgi/local/scheduled?cron=17+*+*+*+*"',
        "set -a; . ./.dev.vars; set +a",
        'WEBHOOKS=[{"url":"http://127.0.0.1:9000/hook"',
    ):
        assert expected in text
    hooked = {**values, "WEBHOOKS": '[{"url": "http://127.0.0.1:9/x", "secret": "whsec_c2VjcmV0"}]'}
    configured = "\n".join(ready_block("http://127.0.0.1:8787", hooked, "r2gate-assets"))
    assert "1 endpoint(s) in .dev.vars" in configured and "whsec_" not in configured
