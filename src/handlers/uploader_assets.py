"""The uploader page's HTML and CSS, and the Content-Security-Policy that allows exactly them.

Pure constants (no I/O); the scripts are in `uploader_js` and `uploader_ui_js`. The page runs no
inline script and its one inline stylesheet is allowed by its SHA-256 hash.
"""

from __future__ import annotations

import base64
import hashlib

from .uploader_js import UPLOADER_JS
from .uploader_ui_js import UPLOADER_UI_JS

__all__ = ["PAGE_CSP", "PAGE_CSS", "PAGE_HTML", "UPLOADER_JS", "UPLOADER_UI_JS"]

PAGE_CSS = """
:root { color-scheme: light dark; --accent: #f38020; --muted: #6b7280; --line: #d1d5db; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 44rem; margin: 0 auto; padding: 2rem 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.muted, .size, .stats { color: var(--muted); font-size: .875rem; }
.message, .error { color: #b91c1c; font-weight: 600; }
.drop { display: flex; flex-direction: column; gap: .75rem; align-items: center;
  padding: 2.5rem 1rem; border: 2px dashed var(--line); border-radius: .75rem;
  text-align: center; cursor: pointer; }
.drop.over { border-color: var(--accent); background: rgba(243, 128, 32, .08); }
.drop.disabled { opacity: .5; cursor: not-allowed; }
.uploads { list-style: none; margin: 1.5rem 0 0; padding: 0; }
.upload { padding: .75rem 0; border-top: 1px solid var(--line); }
.line { display: flex; justify-content: space-between; gap: 1rem; align-items: baseline; }
.name { font-weight: 600; overflow-wrap: anywhere; }
.bar { width: 100%; height: .75rem; margin: .375rem 0; accent-color: var(--accent); }
.actions { display: flex; gap: .5rem; }
button { font: inherit; padding: .25rem .75rem; border-radius: .375rem; cursor: pointer; }
.result { overflow-wrap: anywhere; }
[hidden] { display: none !important; }
"""

PAGE_HTML = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>Upload</title>
<link rel="icon" href="data:,">
<style>{PAGE_CSS}</style>
<script type="module" src="/api/v1/uploader-ui.js"></script>
</head>
<body>
<main data-r2gate-uploader>
  <h1>Upload</h1>
  <p id="target" class="muted"></p>
  <p id="message" class="message" role="alert" hidden></p>
  <label id="drop" class="drop">
    <span>Choose a file or drop it here</span>
    <input id="file" type="file">
  </label>
  <ul id="uploads" class="uploads"></ul>
  <noscript><p class="message">This page needs JavaScript.</p></noscript>
</main>
</body>
</html>
"""

_STYLE_HASH = base64.b64encode(hashlib.sha256(PAGE_CSS.encode("utf-8")).digest()).decode("ascii")

# Scripts only from this origin (the two modules), the one stylesheet by hash, requests only to
# this origin, no plugins, frames, forms or <base>; DOM sinks need Trusted Types (none used).
PAGE_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        f"style-src 'sha256-{_STYLE_HASH}'",
        "connect-src 'self'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ]
)
