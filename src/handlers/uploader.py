"""GET /api/v1/uploader (the browser uploader page) and its two ES modules.

The page takes its upload token(s) from the URL fragment (``page_url`` of POST
/api/v1/uploads), so no token reaches a server log. No authentication: the assets are static.
"""

from __future__ import annotations

from typing import Any

from .call import Call
from .http import text_response
from .uploader_assets import PAGE_CSP, PAGE_HTML, UPLOADER_JS, UPLOADER_UI_JS

# Short: a deploy reaches browsers within minutes, and page and modules stay in step.
CACHE_CONTROL = "public, max-age=300"
JS_HEADERS = {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": CACHE_CONTROL}
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": CACHE_CONTROL,
    "Content-Security-Policy": PAGE_CSP,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def page(call: Call) -> Any:
    """200 text/html: the uploader page."""
    return text_response(PAGE_HTML, 200, PAGE_HEADERS)


async def library(call: Call) -> Any:
    """200 text/javascript: the uploader module (Upload, uploadEvents)."""
    return text_response(UPLOADER_JS, 200, JS_HEADERS)


async def page_script(call: Call) -> Any:
    """200 text/javascript: the page's own module."""
    return text_response(UPLOADER_UI_JS, 200, JS_HEADERS)
